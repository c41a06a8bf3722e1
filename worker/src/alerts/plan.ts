import type { Alert, AlertRule } from "../db/alerts-schema";
import type { Observation } from "./observe";
import { hostUrl, isoTime, type PayloadAlert, roundValue } from "./payload";
import { parseLabels } from "./rules";
import { type ActiveSilence, isSilenced } from "./silences";
import { type OpenAlert, type Step, stepAlert } from "./state-machine";

/** An observation with its alert's fingerprint. */
export interface Keyed extends Observation {
  fingerprint: string;
}

/** Notification events evaluation produces. */
export type AlertEvent = "firing" | "repeat" | "resolved";

/** A write evaluation asks for. Every write is guarded by the version it read. */
export type Action =
  /** Insert a new episode (pending, or firing when `for` is 0). */
  | { kind: "open"; alert: Alert; notify: AlertEvent | null }
  /** Rewrite an episode read at `version`. */
  | { kind: "update"; alert: Alert; version: number; notify: AlertEvent | null }
  /** Forget a pending episode that cleared before `for`. */
  | { kind: "delete"; id: string; version: number };

/** Limits an evaluation to some rules and hosts (the fleet DO's host-down hook). */
export interface Scope {
  ruleIds: Set<string>;
  hostIds: Set<string>;
}

/** hex SHA-256 (first 128 bits) of (fleet, rule, host, series): the identity of an alert. */
export async function fingerprint(
  fleetId: string,
  ruleId: string,
  hostId: string,
  series: string,
): Promise<string> {
  const bytes = new TextEncoder().encode([fleetId, ruleId, hostId, series].join("\n"));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let hex = "";
  for (const b of digest.subarray(0, 16)) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** Adds fingerprints to observations. */
export async function keyObservations(fleetId: string, obs: Observation[]): Promise<Keyed[]> {
  return Promise.all(
    obs.map(async (o) => ({ ...o, fingerprint: await fingerprint(fleetId, o.ruleId, o.hostId, o.series) })),
  );
}

function openOf(a: Alert): OpenAlert {
  return {
    state: a.state === "firing" ? "firing" : "pending",
    pendingSince: a.pendingSince,
    lastNotifiedAt: a.lastNotifiedAt,
  };
}

/**
 * Plans one evaluation of a fleet: runs the state machine for every
 * observation and for every open episode that was not observed (its host
 * stopped matching or reporting, or its rule was disabled or deleted: it
 * resolves). Pure: the caller writes the actions.
 */
export function planFleet(args: {
  fleetId: string;
  rules: AlertRule[];
  open: Alert[];
  observations: Keyed[];
  silences: ActiveSilence[];
  now: number;
  scope?: Scope;
}): Action[] {
  const { fleetId, now, scope } = args;
  const rules = new Map(args.rules.map((r) => [r.id, r]));
  const open = new Map(args.open.map((a) => [a.fingerprint, a]));
  const actions: Action[] = [];
  const seen = new Set<string>();
  const inScope = (ruleId: string, hostId: string) =>
    !scope || (scope.ruleIds.has(ruleId) && scope.hostIds.has(hostId));

  for (const o of args.observations) {
    const rule = rules.get(o.ruleId);
    if (!rule?.enabled || !inScope(o.ruleId, o.hostId) || seen.has(o.fingerprint)) continue;
    seen.add(o.fingerprint);
    const cur = open.get(o.fingerprint);
    const silenced = isSilenced(
      args.silences,
      { rule: rule.name, hostname: o.hostname, severity: rule.severity, labels: o.labels },
      now,
    );
    const step = stepAlert(rule, cur && openOf(cur), o.value, now, silenced);
    // The episode carries the rule and host as they are now.
    const base: Alert = cur
      ? { ...cur }
      : {
          id: crypto.randomUUID(),
          fleetId,
          fingerprint: o.fingerprint,
          ruleId: rule.id,
          ruleName: rule.name,
          severity: rule.severity,
          hostId: o.hostId,
          hostname: o.hostname,
          series: o.series,
          labels: "{}",
          state: "pending",
          value: o.value,
          threshold: rule.threshold,
          pendingSince: now,
          startsAt: null,
          endsAt: null,
          lastNotifiedAt: null,
          version: 0,
          updatedAt: now,
        };
    Object.assign(base, {
      ruleName: rule.name,
      severity: rule.severity,
      hostname: o.hostname,
      labels: JSON.stringify(o.labels),
      threshold: rule.threshold,
      value: roundValue(o.value),
    });
    const action = toAction(step, cur, base, now);
    if (action) actions.push(action);
  }

  for (const a of args.open) {
    if (seen.has(a.fingerprint) || !inScope(a.ruleId, a.hostId)) continue;
    const rule = rules.get(a.ruleId);
    // No value (no data, host gone or no longer matched; rule disabled or deleted).
    const step: Step = rule?.enabled
      ? stepAlert(rule, openOf(a), undefined, now, false)
      : a.state === "pending"
        ? { to: "inactive" }
        : { to: "resolved", notify: a.lastNotifiedAt !== null };
    const action = toAction(step, a, { ...a }, now);
    if (action) actions.push(action);
  }
  return actions;
}

function toAction(step: Step, cur: Alert | undefined, next: Alert, now: number): Action | undefined {
  next.updatedAt = now;
  const write = (notify: AlertEvent | null): Action =>
    cur
      ? { kind: "update", alert: next, version: cur.version, notify }
      : { kind: "open", alert: next, notify };
  switch (step.to) {
    case "same":
      return undefined;
    case "pending":
      next.state = "pending";
      next.pendingSince = now;
      return write(null);
    case "firing":
      next.state = "firing";
      next.startsAt = now;
      next.lastNotifiedAt = step.notify ? now : null;
      return write(step.notify ? "firing" : null);
    case "inactive":
      return cur ? { kind: "delete", id: cur.id, version: cur.version } : undefined;
    case "resolved":
      next.state = "resolved";
      next.endsAt = now;
      return write(step.notify ? "resolved" : null);
    case "notify":
      next.lastNotifiedAt = now;
      return write(step.event);
  }
}

/** One alert as notifications carry it. */
export function payloadAlert(a: Alert, baseUrl: string, note?: string): PayloadAlert {
  return {
    fingerprint: a.fingerprint,
    rule: a.ruleName,
    severity: a.severity,
    host: a.hostname,
    hostId: a.hostId,
    series: a.series,
    labels: parseLabels(a.labels),
    value: a.value,
    threshold: a.threshold,
    startsAt: isoTime(a.startsAt ?? a.pendingSince) as string,
    endsAt: isoTime(a.endsAt),
    url: hostUrl(baseUrl, a.hostId),
    status: a.state === "resolved" ? "resolved" : "firing",
    ...(note ? { note } : {}),
  };
}
