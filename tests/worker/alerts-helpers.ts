import { env } from "cloudflare:workers";
import { alertDeps } from "../../worker/src/alerts/deps";
import { runAlerts } from "../../worker/src/alerts/engine";
import { call } from "./fixtures";

/** A webhook receiver inside the test: records every request and answers `status(n)` to the n-th. */
export function receiver(status: (n: number) => number = () => 200) {
  const calls: { url: string; headers: Headers; body: string }[] = [];
  return {
    calls,
    fetch: async (url: string, init: RequestInit) => {
      calls.push({ url, headers: new Headers(init.headers), body: String(init.body) });
      return new Response(status(calls.length) < 300 ? "ok" : "unavailable", {
        status: status(calls.length),
      });
    },
    /** Parsed bodies. */
    payloads<T = { status: string; alerts: { rule: string; host: string; value: number }[] }>(): T[] {
      return calls.map((c) => JSON.parse(c.body) as T);
    },
  };
}

/** One cron alerting step for one fleet at `now`, delivering through `rx`. */
export function runCron(fleetId: string, now: number, rx: ReturnType<typeof receiver>) {
  return runAlerts(env, now, alertDeps(env, { fetch: rx.fetch, random: () => 0.5 }), fleetId);
}

/** Calls the API with a token; JSON in and out. */
export async function api<T = unknown>(
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const res = await call(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T };
}

/** Creates the fleet's built-in rules and disables them, so a test sees only its own rules. */
export async function withoutBuiltins(fleet: { id: string; admin: string }): Promise<void> {
  await api(fleet.admin, "GET", `/api/fleets/${fleet.id}/rules`);
  await env.DB.prepare("UPDATE alert_rules SET enabled = 0 WHERE fleet_id = ? AND builtin IS NOT NULL")
    .bind(fleet.id)
    .run();
}

/** Creates a rule through the API and returns its id. */
export async function createRule(fleet: { id: string; admin: string }, rule: Record<string, unknown>) {
  const res = await api<{ rule: { id: string } }>(fleet.admin, "POST", `/api/fleets/${fleet.id}/rules`, rule);
  if (res.status !== 201) throw new Error(`rule not created: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json.rule.id;
}

/** A rule on the last CPU value that fires at once above `threshold`; returns its id. */
export function createCpuRule(fleet: { id: string; admin: string }, name = "cpu high", threshold = 50) {
  return createRule(fleet, {
    name,
    metric: "cpu",
    aggregation: "last",
    windowS: 60,
    comparator: ">",
    threshold,
  });
}

/** Creates a webhook channel through the API; returns its id and secret. */
export async function createChannel(
  fleet: { id: string; admin: string },
  body: Record<string, unknown> = { name: "hook", kind: "webhook", url: "https://hooks.example.test/in" },
) {
  const res = await api<{ channel: { id: string }; secret?: string }>(
    fleet.admin,
    "POST",
    `/api/fleets/${fleet.id}/channels`,
    body,
  );
  if (res.status !== 201) throw new Error(`channel not created: ${res.status} ${JSON.stringify(res.json)}`);
  return { id: res.json.channel.id, secret: res.json.secret };
}

/** Alert rows of a fleet, newest first. */
export async function alertRows(fleetId: string) {
  const r = await env.DB.prepare(
    "SELECT state, rule_name, hostname, series, value, starts_at, ends_at FROM alerts WHERE fleet_id = ? ORDER BY updated_at DESC",
  )
    .bind(fleetId)
    .all<{ state: string; rule_name: string; hostname: string; series: string; value: number }>();
  return r.results;
}

/** Outbox rows of a fleet, oldest first. */
export async function notificationRows(fleetId: string) {
  const r = await env.DB.prepare(
    "SELECT id, event, status, attempts, next_attempt_at, last_status, last_error, delivered_at FROM notifications WHERE fleet_id = ? ORDER BY created_at, rowid",
  )
    .bind(fleetId)
    .all<{
      id: string;
      event: string;
      status: string;
      attempts: number;
      next_attempt_at: number;
      last_status: number | null;
      last_error: string | null;
      delivered_at: number | null;
    }>();
  return r.results;
}
