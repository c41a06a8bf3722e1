import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { alertDeps } from "../../worker/src/alerts/deps";
import { runAlerts } from "../../worker/src/alerts/engine";
import { hmacSha256Hex } from "../../worker/src/alerts/payload";
import worker from "../../worker/src/index";
import {
  api,
  createChannel,
  createRule,
  notificationRows,
  receiver,
  runCron,
  withoutBuiltins,
} from "./alerts-helpers";
import { createFleet, registerHost, sample } from "./fixtures";

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A fleet whose one host crosses a `for: 0` CPU rule at the first run. */
async function firingFleet(channel?: Record<string, unknown>) {
  const fleet = await createFleet();
  await withoutBuiltins(fleet);
  await createRule(fleet, {
    name: "cpu high",
    metric: "cpu",
    aggregation: "last",
    windowS: 60,
    comparator: ">",
    threshold: 50,
  });
  const ch = await createChannel(fleet, channel);
  const { client, hostId } = await registerHost(fleet.agent);
  await client.push({ samples: [sample(1, Date.now(), { cpu: { totalPct: 99, perCorePct: [] } })] });
  return { fleet, channel: ch, hostId };
}

describe("notification delivery", () => {
  it("sends the versioned payload signed with the channel secret", async () => {
    const { fleet, channel, hostId } = await firingFleet();
    const rx = receiver();
    const t0 = Date.now();
    await runCron(fleet.id, t0, rx);
    expect(rx.calls).toHaveLength(1);
    const [call] = rx.calls;
    if (!call || !channel.secret) throw new Error("no call or secret");
    expect(call.url).toBe("https://hooks.example.test/in");
    expect(call.headers.get("content-type")).toBe("application/json");
    expect(call.headers.get("x-fleetwatch-signature")).toBe(
      `sha256=${await hmacSha256Hex(channel.secret, call.body)}`,
    );
    const [row] = await notificationRows(fleet.id);
    expect(call.headers.get("x-fleetwatch-delivery")).toBe(row?.id);
    const body = JSON.parse(call.body);
    expect(body).toEqual({
      version: 1,
      fleet: fleet.id,
      status: "firing",
      alerts: [
        {
          fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
          rule: "cpu high",
          severity: "warning",
          host: "web-1",
          hostId,
          series: "cpu",
          labels: {},
          value: 99,
          threshold: 50,
          startsAt: new Date(t0).toISOString(),
          endsAt: null,
          url: `http://fleetwatch.test/hosts/${hostId}`,
        },
      ],
    });
  });

  it("retries after a 5xx with backoff, with the same idempotency key, until delivered", async () => {
    const { fleet } = await firingFleet();
    const rx = receiver((n) => (n <= 2 ? 503 : 200));
    const t0 = Date.now();
    await runCron(fleet.id, t0, rx);
    let [row] = await notificationRows(fleet.id);
    expect(row).toMatchObject({ status: "pending", attempts: 1, last_status: 503 });
    expect(row?.last_error).toMatch(/^HTTP 503/);
    // 30 s base, jitter pinned to 1.0 by the test's random().
    expect(row?.next_attempt_at).toBe(t0 + 30_000);

    await runCron(fleet.id, t0 + 10_000, rx); // not due yet
    expect(rx.calls).toHaveLength(1);
    await runCron(fleet.id, t0 + MIN, rx);
    [row] = await notificationRows(fleet.id);
    expect(row).toMatchObject({ status: "pending", attempts: 2, next_attempt_at: t0 + MIN + 60_000 });
    await runCron(fleet.id, t0 + 2 * MIN, rx);
    [row] = await notificationRows(fleet.id);
    expect(row).toMatchObject({ status: "delivered", attempts: 3, last_status: 200, last_error: null });
    expect(new Set(rx.calls.map((c) => c.headers.get("x-fleetwatch-delivery"))).size).toBe(1);

    const hist = await api<{ notifications: { status: string; attempts: number; channel: string }[] }>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/notifications`,
    );
    expect(hist.json.notifications).toMatchObject([{ status: "delivered", attempts: 3, channel: "hook" }]);
  });

  it("delivers everything queued while an endpoint was down for 10 minutes", async () => {
    const { fleet } = await firingFleet();
    let down = true;
    const rx = receiver(() => (down ? 503 : 200));
    const t0 = Date.now();
    await runCron(fleet.id, t0, rx);
    const test = await api(fleet.admin, "POST", `/api/fleets/${fleet.id}/rules`, {
      name: "cpu very high",
      metric: "cpu",
      aggregation: "last",
      windowS: 60,
      comparator: ">",
      threshold: 60,
    });
    expect(test.status).toBe(201);
    for (let m = 1; m <= 10; m++) await runCron(fleet.id, t0 + m * MIN, rx);
    expect((await notificationRows(fleet.id)).every((n) => n.status === "pending")).toBe(true);
    down = false;
    for (let m = 11; m <= 30; m++) await runCron(fleet.id, t0 + m * MIN, rx);
    const rows = await notificationRows(fleet.id);
    expect(rows.map((n) => [n.event, n.status])).toEqual([
      ["firing", "delivered"],
      ["firing", "delivered"],
    ]);
  });

  it("marks a notification failed after 24 h of failures", async () => {
    const { fleet } = await firingFleet();
    const rx = receiver(() => 500);
    const t0 = Date.now();
    await runCron(fleet.id, t0, rx);
    for (let h = 1; h <= 25; h++) await runCron(fleet.id, t0 + h * HOUR, rx);
    const [row] = await notificationRows(fleet.id);
    expect(row).toMatchObject({ status: "failed", last_status: 500 });
    expect(row?.attempts).toBeGreaterThan(20);
  });

  it("does not retry a 404: the channel needs fixing", async () => {
    const { fleet } = await firingFleet();
    const rx = receiver(() => 404);
    await runCron(fleet.id, Date.now(), rx);
    const [row] = await notificationRows(fleet.id);
    expect(row).toMatchObject({ status: "failed", attempts: 1, last_status: 404 });
  });

  it("records a timeout and moves on when an endpoint hangs", async () => {
    const { fleet } = await firingFleet();
    const deps = alertDeps(env, {
      timeoutMs: 200,
      fetch: (_url, init) =>
        new Promise((_resolve, reject) => {
          init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        }),
    });
    await runAlerts(env, Date.now(), deps, fleet.id);
    const [row] = await notificationRows(fleet.id);
    expect(row).toMatchObject({
      status: "pending",
      attempts: 1,
      last_status: null,
      last_error: "timed out after 200 ms",
    });
  });

  it("renders Slack and Discord bodies", async () => {
    const { fleet } = await firingFleet({
      name: "slack",
      kind: "slack",
      url: "https://hooks.slack.test/services/T/B/X",
    });
    await createChannel(fleet, {
      name: "discord",
      kind: "discord",
      url: "https://discord.test/api/webhooks/1/abc",
    });
    const rx = receiver();
    await runCron(fleet.id, Date.now(), rx);
    const bodies = Object.fromEntries(rx.calls.map((c) => [new URL(c.url).hostname, JSON.parse(c.body)]));
    expect(bodies["hooks.slack.test"]).toMatchObject({
      text: expect.stringContaining("FIRING [warning] cpu high on web-1 cpu: 99"),
      blocks: [{ type: "section" }, { type: "context" }],
    });
    expect(bodies["discord.test"]).toMatchObject({
      content: expect.stringContaining("cpu high"),
      embeds: [{ title: expect.stringContaining("web-1"), fields: expect.any(Array) }],
    });
    expect(rx.calls.every((c) => c.headers.get("x-fleetwatch-signature") === null)).toBe(true);
  });

  it("runs from the scheduled handler and records a delivery failure in D1", async () => {
    const { fleet } = await firingFleet({ name: "nowhere", kind: "webhook", url: "http://127.0.0.1:9/hook" });
    const t = Date.now();
    await worker.scheduled(createScheduledController({ scheduledTime: t, cron: "* * * * *" }), env);
    const [row] = await notificationRows(fleet.id);
    expect(row).toMatchObject({ event: "firing", status: "pending", attempts: 1 });
    expect(row?.last_error).toMatch(/network|connect|refused/i);
  });
});
