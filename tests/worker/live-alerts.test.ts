import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordHostDown } from "../../worker/src/alerts/host-down";
import type { AlertsFrame } from "../../worker/src/alerts/live-board";
import { createCpuRule, receiver, runCron, withoutBuiltins } from "./alerts-helpers";
import { createFleet, hostInfo, openLive, registerHost, sample } from "./fixtures";

const cpu = (pct: number) => ({ cpu: { totalPct: pct, perCorePct: [] } });
const isAlerts =
  (pred: (f: AlertsFrame) => boolean = () => true) =>
  (f: { type: string }) =>
    f.type === "alerts" && pred(f as AlertsFrame);

describe("alerts on the dashboard socket", () => {
  it("sends the open alerts on connect and after each evaluation, with the value the evaluation saw", async () => {
    const fleet = await createFleet();
    await withoutBuiltins(fleet);
    await createCpuRule(fleet);
    const { client, hostId } = await registerHost(fleet.agent);
    const live = await openLive(fleet.id, fleet.viewer, { frames: 2, alerts: true });
    const older = await openLive(fleet.id, fleet.viewer, { frames: 2 });
    const first = await live.next<AlertsFrame>(isAlerts());
    expect([first.evaluatedAt, first.alerts]).toEqual([null, []]);

    const rx = receiver();
    await client.push({ samples: [sample(1, Date.now(), cpu(99))] });
    const t1 = Date.now();
    await runCron(fleet.id, t1, rx);
    const firing = await live.next<AlertsFrame>(isAlerts((f) => f.alerts.length > 0));
    expect(firing.evaluatedAt).toBe(t1);
    expect(firing.alerts.map((a) => [a.rule, a.hostId, a.state, a.value, a.threshold, a.silenced])).toEqual([
      ["cpu high", hostId, "firing", 99, 50, false],
    ]);

    // Still firing a minute later: the value shown is the new one, not the one it fired with.
    await client.push({ samples: [sample(2, Date.now(), cpu(87.5))] });
    const t2 = t1 + 60_000;
    await runCron(fleet.id, t2, rx);
    const later = await live.next<AlertsFrame>(isAlerts((f) => f.evaluatedAt === t2));
    expect(later.alerts.map((a) => [a.state, a.value])).toEqual([["firing", 87.5]]);

    await client.push({ samples: [sample(3, Date.now(), cpu(3))] });
    await runCron(fleet.id, t2 + 60_000, rx);
    const cleared = await live.next<AlertsFrame>(isAlerts((f) => f.evaluatedAt === t2 + 60_000));
    expect(cleared.alerts).toEqual([]);

    // A dashboard that connects now gets the board at once; one that did not ask never gets alerts frames.
    const late = await openLive(fleet.id, fleet.viewer, { frames: 2, alerts: true });
    expect((await late.next<AlertsFrame>(isAlerts())).evaluatedAt).toBe(t2 + 60_000);
    expect(older.frames.some((f) => (f as { type: string }).type === "alerts")).toBe(false);
  });

  it("adds host-down from the fleet object's own check without dropping the other alerts", async () => {
    const fleet = await createFleet();
    await withoutBuiltins(fleet);
    await env.DB.prepare("UPDATE alert_rules SET enabled = 1 WHERE fleet_id = ?1 AND builtin = 'host-down'")
      .bind(fleet.id)
      .run();
    await createCpuRule(fleet);
    const one = await registerHost(fleet.agent, hostInfo({ hostname: "busy-1", intervalS: 5 }));
    const two = await registerHost(fleet.agent, hostInfo({ hostname: "quiet-2", intervalS: 5 }));
    await one.client.push({ samples: [sample(1, Date.now(), cpu(99))] });
    await two.client.push({ samples: [sample(1, Date.now(), cpu(5))] });
    await runCron(fleet.id, Date.now(), receiver());
    const live = await openLive(fleet.id, fleet.viewer, { frames: 2, alerts: true });
    await live.next<AlertsFrame>(isAlerts((f) => f.alerts.length === 1));

    const stub = env.FLEET.get(env.FLEET.idFromName(fleet.id));
    const hosts = await stub.listHosts();
    const lastSeen = Math.max(...hosts.map((h) => h.lastSeen));
    await recordHostDown(env, fleet.id, [two.hostId], hosts, lastSeen + 15_001, (u) => stub.publishAlerts(u));
    const both = await live.next<AlertsFrame>(isAlerts((f) => f.alerts.length === 2));
    expect(both.alerts.map((a) => [a.rule, a.host, a.state])).toEqual([
      ["Host down", "quiet-2", "firing"],
      ["cpu high", "busy-1", "firing"],
    ]);
  });
});
