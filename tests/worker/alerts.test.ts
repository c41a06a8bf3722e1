import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordHostDown } from "../../worker/src/alerts/host-down";
import type { HostView } from "../../worker/src/metrics/types";
import {
  alertRows,
  api,
  createChannel,
  createRule,
  notificationRows,
  receiver,
  runCron,
  withoutBuiltins,
} from "./alerts-helpers";
import { createFleet, hostInfo, registerHost, sample } from "./fixtures";

const cpu = (pct: number) => ({ cpu: { totalPct: pct, perCorePct: [] } });
const MIN = 60_000;

/** A fleet with only the test's rules, a webhook channel and one host. */
async function setup(rule: Record<string, unknown>) {
  const fleet = await createFleet();
  await withoutBuiltins(fleet);
  const ruleId = await createRule(fleet, {
    name: "cpu high",
    metric: "cpu",
    aggregation: "last",
    windowS: 60,
    ...rule,
  });
  const channel = await createChannel(fleet);
  const host = await registerHost(fleet.agent);
  let seq = 0;
  /** Pushes one sample now (the DO aggregates over real time). */
  const push = async (pct: number) => {
    await host.client.push({ samples: [sample(++seq, Date.now(), cpu(pct))] });
  };
  return { fleet, ruleId, channel, host, push };
}

describe("alert evaluation", () => {
  it("creates the built-in rules for a new fleet on its first cron run", async () => {
    const fleet = await createFleet();
    await runCron(fleet.id, Date.now(), receiver());
    const res = await api<{ rules: { name: string; metric: string; builtin: string }[] }>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/rules`,
    );
    expect(res.json.rules.map((r) => [r.builtin, r.metric]).sort()).toEqual([
      ["container-restarts", "container.restarts:*"],
      ["container-stopped", "container.running:*"],
      ["container-unhealthy", "container.unhealthy:*"],
      ["cpu", "cpu"],
      ["disk", "disk:*"],
      ["host-down", "host.down"],
      ["mem", "mem"],
      ["systemd-failed", "systemd.failed"],
      ["tls-expiry", "tls.days:*"],
    ]);
  });

  it("goes pending, fires after `for`, and notifies once", async () => {
    const { fleet, push } = await setup({ comparator: ">", threshold: 90, forS: 120 });
    const rx = receiver();
    const t0 = Date.now();
    await push(95);
    await runCron(fleet.id, t0, rx);
    expect((await alertRows(fleet.id)).map((a) => a.state)).toEqual(["pending"]);
    await push(96);
    await runCron(fleet.id, t0 + MIN, rx);
    expect((await alertRows(fleet.id)).map((a) => a.state)).toEqual(["pending"]);
    expect(rx.calls).toHaveLength(0);
    await push(97);
    await runCron(fleet.id, t0 + 2 * MIN, rx);
    await runCron(fleet.id, t0 + 3 * MIN, rx);
    expect((await alertRows(fleet.id)).map((a) => a.state)).toEqual(["firing"]);
    expect(rx.payloads().map((p) => [p.status, p.alerts[0]?.value])).toEqual([["firing", 97]]);
  });

  it("stays firing inside the hysteresis band and resolves past the clear threshold", async () => {
    const { fleet, push } = await setup({ comparator: ">", threshold: 90, clearThreshold: 70, forS: 0 });
    const rx = receiver();
    const t0 = Date.now();
    await push(95);
    await runCron(fleet.id, t0, rx);
    await push(80); // below threshold, above clear: still firing
    await runCron(fleet.id, t0 + MIN, rx);
    expect((await alertRows(fleet.id)).map((a) => a.state)).toEqual(["firing"]);
    await push(65);
    await runCron(fleet.id, t0 + 2 * MIN, rx);
    expect((await alertRows(fleet.id)).map((a) => a.state)).toEqual(["resolved"]);
    expect(rx.payloads().map((p) => p.status)).toEqual(["firing", "resolved"]);
    // Firing again takes a new crossing of the threshold, not of the clear threshold.
    await push(85);
    await runCron(fleet.id, t0 + 3 * MIN, rx);
    expect((await alertRows(fleet.id)).map((a) => a.state)).toEqual(["resolved"]);
    await push(91);
    await runCron(fleet.id, t0 + 4 * MIN, rx);
    expect((await alertRows(fleet.id)).map((a) => a.state)).toEqual(["firing", "resolved"]);
    expect(rx.payloads().map((p) => p.status)).toEqual(["firing", "resolved", "firing"]);
  });

  it("does not notify while a pending alert flaps around the threshold", async () => {
    const { fleet, push } = await setup({ comparator: ">", threshold: 90, forS: 300 });
    const rx = receiver();
    const t0 = Date.now();
    for (let i = 0; i < 8; i++) {
      await push(i % 2 === 0 ? 95 : 50);
      await runCron(fleet.id, t0 + i * MIN, rx);
    }
    expect(rx.calls).toHaveLength(0);
    expect(await alertRows(fleet.id)).toEqual([]);
  });

  it("repeats the notification at the repeat interval while firing", async () => {
    const { fleet, push } = await setup({ comparator: ">=", threshold: 50, forS: 0, repeatS: 600 });
    const rx = receiver();
    const t0 = Date.now();
    for (let i = 0; i <= 20; i++) {
      if (i % 5 === 0) await push(60);
      await runCron(fleet.id, t0 + i * MIN, rx);
    }
    const events = (await notificationRows(fleet.id)).map((n) => n.event);
    expect(events).toEqual(["firing", "repeat", "repeat"]);
    expect(rx.payloads().every((p) => p.status === "firing")).toBe(true);
  });

  it("keeps evaluating a silenced alert but sends nothing until the silence ends", async () => {
    const { fleet, push, host } = await setup({ comparator: ">", threshold: 90, forS: 0 });
    const sil = await api<{ silence: { id: string } }>(
      fleet.admin,
      "POST",
      `/api/fleets/${fleet.id}/silences`,
      {
        matchers: { host: "WEB-*" },
        durationS: 3600,
        comment: "maintenance",
      },
    );
    expect(sil.status).toBe(201);
    const rx = receiver();
    const t0 = Date.now();
    await push(95);
    await runCron(fleet.id, t0, rx);
    const listed = await api<{ alerts: { state: string; silenced: boolean; hostId: string }[] }>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/alerts?state=firing`,
    );
    expect(listed.json.alerts).toMatchObject([{ state: "firing", silenced: true, hostId: host.hostId }]);
    expect(rx.calls).toHaveLength(0);
    expect(await notificationRows(fleet.id)).toEqual([]);

    const expired = await api(
      fleet.admin,
      "DELETE",
      `/api/fleets/${fleet.id}/silences/${sil.json.silence.id}`,
    );
    expect(expired.status).toBe(200);
    await runCron(fleet.id, Date.now() + 1000, rx);
    expect(rx.payloads().map((p) => p.status)).toEqual(["firing"]);
  });

  it("fires host down from the cron within 60 s of the last sample", async () => {
    const fleet = await createFleet();
    await createChannel(fleet);
    const { client, hostId } = await registerHost(fleet.agent, hostInfo({ hostname: "db-1", intervalS: 5 }));
    await client.push({ samples: [sample(1)] });
    const host = await env.FLEET.get(env.FLEET.idFromName(fleet.id)).getHost(hostId);
    const lastSeen = host?.lastSeen ?? 0;
    const rx = receiver();
    await runCron(fleet.id, lastSeen + 10_000, rx); // 2 intervals: fine
    expect(rx.calls).toHaveLength(0);
    await runCron(fleet.id, lastSeen + 20_000, rx); // 4 intervals: down
    expect(rx.payloads()).toMatchObject([
      {
        status: "firing",
        alerts: [{ rule: "Host down", host: "db-1", hostId, severity: "critical", value: 4 }],
      },
    ]);
    // A new sample brings it back: resolved at the next run.
    await client.push({ samples: [sample(2)] });
    await runCron(fleet.id, Date.now(), rx);
    expect(rx.payloads().map((p) => p.status)).toEqual(["firing", "resolved"]);
  });

  it("fires host down from the fleet DO itself within seconds, with no cron run", async () => {
    const fleet = await createFleet();
    const { client } = await registerHost(fleet.agent, hostInfo({ hostname: "edge-9", intervalS: 1 }));
    await client.push({ samples: [sample(1)] });
    const stub = env.FLEET.get(env.FLEET.idFromName(fleet.id));
    await runDurableObjectAlarm(stub);
    expect(await alertRows(fleet.id)).toEqual([]);
    // Three missed 1 s intervals: the alarm turns the host stale and opens the alert.
    await new Promise((r) => setTimeout(r, 3_200));
    await runDurableObjectAlarm(stub);
    expect((await alertRows(fleet.id)).map((a) => [a.rule_name, a.hostname, a.state])).toEqual([
      ["Host down", "edge-9", "firing"],
    ]);
  });

  it("records host down from the fleet DO's status hook, and the cron delivers it once", async () => {
    const fleet = await createFleet();
    await createChannel(fleet);
    const { client, hostId } = await registerHost(fleet.agent, hostInfo({ hostname: "db-2", intervalS: 5 }));
    await client.push({ samples: [sample(1)] });
    const stub = env.FLEET.get(env.FLEET.idFromName(fleet.id));
    const hosts = await stub.listHosts();
    const lastSeen = hosts[0]?.lastSeen ?? 0;
    // What the fleet DO's alarm passes when the host turns stale (3 intervals + 1 ms).
    await recordHostDown(env, fleet.id, [hostId], hosts, lastSeen + 15_001);
    expect((await alertRows(fleet.id)).map((a) => [a.rule_name, a.hostname, a.state])).toEqual([
      ["Host down", "db-2", "firing"],
    ]);
    // The object only queues the event: routing, grouping and sending are the cron's.
    const events = await env.DB.prepare("SELECT event FROM alert_events WHERE fleet_id = ?1")
      .bind(fleet.id)
      .all<{ event: string }>();
    expect(events.results.map((e) => e.event)).toEqual(["firing"]);
    expect(await notificationRows(fleet.id)).toEqual([]);
    const rx = receiver();
    await runCron(fleet.id, lastSeen + 30_000, rx);
    expect(rx.payloads()).toMatchObject([
      { status: "firing", alerts: [{ rule: "Host down", host: "db-2" }] },
    ]);
    expect((await notificationRows(fleet.id)).map((n) => n.status)).toEqual(["delivered"]);
    await runCron(fleet.id, lastSeen + 90_000, rx);
    expect(rx.calls).toHaveLength(1);
  });

  it("evaluates each mount of a disk:* rule as its own alert", async () => {
    const fleet = await createFleet();
    await withoutBuiltins(fleet);
    await createRule(fleet, { name: "disk", metric: "disk:*", comparator: ">", threshold: 80, windowS: 60 });
    await createChannel(fleet);
    const { client } = await registerHost(fleet.agent);
    const fs = (mount: string, pct: number) => ({
      mount,
      fsType: "ext4",
      device: "/dev/x",
      sizeBytes: 100n,
      usedBytes: BigInt(pct),
    });
    await client.push({ samples: [sample(1, Date.now(), { filesystems: [fs("/", 50), fs("/var", 95)] })] });
    const rx = receiver();
    await runCron(fleet.id, Date.now(), rx);
    expect((await alertRows(fleet.id)).map((a) => [a.series, a.state])).toEqual([["disk:/var", "firing"]]);
  });

  it("matches no host with a rule whose stored label matcher cannot be read", async () => {
    const { fleet, push, ruleId } = await setup({
      comparator: ">",
      threshold: 1,
      forS: 0,
      labelMatch: { env: "prod" },
    });
    await env.DB.prepare("UPDATE alert_rules SET label_match = ? WHERE id = ?")
      .bind("{not json", ruleId)
      .run();
    await push(95);
    const rx = receiver();
    await runCron(fleet.id, Date.now(), rx);
    expect(await alertRows(fleet.id)).toEqual([]);
    expect(rx.calls).toHaveLength(0);
  });

  it("resolves open alerts of a deleted rule", async () => {
    const { fleet, push, ruleId } = await setup({ comparator: ">", threshold: 90, forS: 0 });
    const rx = receiver();
    await push(95);
    await runCron(fleet.id, Date.now(), rx);
    expect((await api(fleet.admin, "DELETE", `/api/fleets/${fleet.id}/rules/${ruleId}`)).status).toBe(204);
    await runCron(fleet.id, Date.now() + MIN, rx);
    expect(rx.payloads().map((p) => p.status)).toEqual(["firing", "resolved"]);
  });

  it("records an evaluation failure in D1 and shows it with the alerts", async () => {
    const fleet = await createFleet();
    const broken = [{ id: "h" } as unknown as HostView];
    await recordHostDown(env, fleet.id, ["h"], broken, Date.now());
    const res = await api<{ evaluation: { lastError: string; lastErrorAt: number } }>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/alerts`,
    );
    expect(res.json.evaluation.lastError).toMatch(/TypeError/);
    expect(res.json.evaluation.lastErrorAt).toBeGreaterThan(0);
  });
});
