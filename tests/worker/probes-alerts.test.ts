import { describe, expect, it } from "vitest";
import {
  alertRows,
  api,
  createChannel,
  createRule,
  receiver,
  runCron,
  withoutBuiltins,
} from "./alerts-helpers";
import { createFleet } from "./fixtures";
import { createProbe, runProbesAt, targetUrl } from "./probes-helpers";

/** A cron minute: the probes, then the alerts, as scheduled.ts runs them. */
async function minute(fleetId: string, at: number, rx: ReturnType<typeof receiver>) {
  await runProbesAt(at);
  await runCron(fleetId, at, rx);
}

describe("probe alerts", () => {
  it("a fleet's first probe brings the built-in probe rules", async () => {
    const fleet = await createFleet();
    await createProbe(fleet, { name: "first", target: targetUrl("/ok") });
    await createProbe(fleet, { name: "second", target: targetUrl("/ok") });
    const rules = await api<{ rules: { name: string; metric: string; builtin: string | null }[] }>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/rules`,
    );
    const probeRules = rules.json.rules.filter((r) => r.builtin?.startsWith("probe-"));
    expect(probeRules.map((r) => [r.name, r.metric])).toEqual([
      ["Probe down", "probe.down:*"],
      ["Probe slow", "probe.latency:*"],
    ]);
  });

  it("fires Probe down after 2 failed checks in a row, notifies, and resolves when it answers again", async () => {
    const fleet = await createFleet();
    await withoutBuiltins(fleet);
    await createChannel(fleet);
    await createProbe(fleet, { name: "shop", target: targetUrl("/toggle/alerts-down") });
    const rx = receiver();
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
    const set = (s: string) => fetch(targetUrl(`/toggle/alerts-down/${s}`));
    await set("up");
    await minute(fleet.id, t0, rx);
    await set("down");
    await minute(fleet.id, t0 + 60_000, rx);
    expect(await alertRows(fleet.id)).toEqual([]);
    await minute(fleet.id, t0 + 120_000, rx);
    expect(await alertRows(fleet.id)).toMatchObject([
      { state: "firing", rule_name: "Probe down", hostname: "shop", series: "probe.down:shop", value: 2 },
    ]);
    expect(rx.payloads()[0]).toMatchObject({
      status: "firing",
      alerts: [{ rule: "Probe down", host: "shop" }],
    });
    await set("up");
    await minute(fleet.id, t0 + 180_000, rx);
    expect(await alertRows(fleet.id)).toMatchObject([{ state: "resolved", rule_name: "Probe down" }]);
    expect(rx.payloads().map((p) => p.status)).toEqual(["firing", "resolved"]);
  });

  it("fires a latency rule on a slow probe, matched by a glob on probe names", async () => {
    const fleet = await createFleet();
    await withoutBuiltins(fleet);
    await api(fleet.admin, "GET", `/api/fleets/${fleet.id}/rules`);
    await createRule(fleet, {
      name: "api slow",
      metric: "probe.latency:api-*",
      comparator: ">",
      threshold: 150,
      clearThreshold: 100,
    });
    await createProbe(fleet, { name: "api-eu", target: targetUrl("/slow/300") });
    await createProbe(fleet, { name: "web", target: targetUrl("/slow/300") });
    const rx = receiver();
    await minute(fleet.id, Math.floor(Date.now() / 60_000) * 60_000 + 60_000, rx);
    const rows = await alertRows(fleet.id);
    expect(rows.filter((r) => r.rule_name === "api slow").map((r) => [r.hostname, r.state])).toEqual([
      ["api-eu", "firing"],
    ]);
    expect(rows.find((r) => r.rule_name === "api slow")?.value).toBeGreaterThanOrEqual(250);
  });

  it("resolves a probe's alert when the probe is deleted", async () => {
    const fleet = await createFleet();
    await withoutBuiltins(fleet);
    const id = await createProbe(fleet, { name: "gone", target: targetUrl("/status/500") });
    const rx = receiver();
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
    await minute(fleet.id, t0, rx);
    await minute(fleet.id, t0 + 60_000, rx);
    expect((await alertRows(fleet.id))[0]?.state).toBe("firing");
    expect((await api(fleet.admin, "DELETE", `/api/fleets/${fleet.id}/probes/${id}`)).status).toBe(204);
    await runCron(fleet.id, t0 + 120_000, rx);
    expect((await alertRows(fleet.id))[0]?.state).toBe("resolved");
  });

  it("accepts probe keys in rules and refuses unknown ones", async () => {
    const fleet = await createFleet();
    const ok = await api(fleet.admin, "POST", `/api/fleets/${fleet.id}/rules`, {
      name: "up",
      metric: "probe.up:shop",
      comparator: "<",
      threshold: 1,
    });
    expect(ok.status).toBe(201);
    const bad = await api<{ message: string }>(fleet.admin, "POST", `/api/fleets/${fleet.id}/rules`, {
      name: "x",
      metric: "probe.nope:shop",
      comparator: "<",
      threshold: 1,
    });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain("probe key");
  });
});
