import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { FleetSeries } from "../../worker/src/fleet/fleet-series";
import { HOUR_MS } from "../../worker/src/fleet/rollup";
import { call, createFleet, hostInfo, registerHost, sample } from "./fixtures";

type Fleet = Awaited<ReturnType<typeof createFleet>>;

const cpu = (pct: number) => ({ cpu: { totalPct: pct, perCorePct: [] } });

async function fleetSeries(fleet: Fleet, query: string, token = fleet.viewer) {
  return call(`/api/fleets/${fleet.id}/series?${query}`, { headers: { Authorization: `Bearer ${token}` } });
}

async function ok(res: Response): Promise<FleetSeries> {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as FleetSeries;
}

/** A host named `name` with one sample per cpu value, `stepMs` apart from `start`. */
async function hostWith(fleet: Fleet, name: string, values: number[], start: number, stepMs = 10_000) {
  const { client, hostId } = await registerHost(fleet.agent, hostInfo({ hostname: name }));
  await client.push({ samples: values.map((v, i) => sample(i + 1, start + i * stepMs, cpu(v))) });
  return hostId;
}

describe("fleet series: the hosts ranked by one metric", () => {
  it("answers the top hosts by average cpu over the last hour from the raw window, best first", async () => {
    const fleet = await createFleet();
    const start = Date.now() - 120_000;
    const low = await hostWith(fleet, "low", [5, 5, 5], start);
    const high = await hostWith(fleet, "high", [80, 90, 70], start);
    const mid = await hostWith(fleet, "mid", [40, 50, 60], start);
    const body = await ok(await fleetSeries(fleet, `metric=cpu&limit=2&from=${start - 60_000}`));
    expect(body.tier).toBe("raw");
    expect(body.reporting).toBe(3);
    expect(body.hosts.map((h) => [h.id, h.hostname])).toEqual([
      [high, "high"],
      [mid, "mid"],
    ]);
    expect(body.hosts[0]?.score).toBeCloseTo(80, 5);
    expect(body.hosts[0]?.points.map((p) => p.avg)).toEqual([80, 90, 70]);
    expect(body.hosts.map((h) => h.id)).not.toContain(low);
  });

  it("ranks by peak with by=max", async () => {
    const fleet = await createFleet();
    const start = Date.now() - 120_000;
    const steady = await hostWith(fleet, "steady", [60, 60, 60], start);
    const spiky = await hostWith(fleet, "spiky", [5, 99, 5], start);
    const byAvg = await ok(await fleetSeries(fleet, `metric=cpu&from=${start - 60_000}`));
    expect(byAvg.hosts.map((h) => h.id)).toEqual([steady, spiky]);
    const byMax = await ok(await fleetSeries(fleet, `metric=cpu&by=max&from=${start - 60_000}`));
    expect(byMax.by).toBe("max");
    expect(byMax.hosts.map((h) => h.id)).toEqual([spiky, steady]);
    expect(byMax.hosts[0]?.score).toBe(99);
  });

  it("reads a long range from the 1 m rollups in D1 once the hour is flushed", async () => {
    const fleet = await createFleet();
    const hour = Math.floor((Date.now() - 5 * HOUR_MS) / HOUR_MS) * HOUR_MS;
    const a = await hostWith(fleet, "a", [10, 20], hour, 60_000);
    const b = await hostWith(fleet, "b", [70, 90], hour, 60_000);
    await runDurableObjectAlarm(env.FLEET.get(env.FLEET.idFromName(fleet.id)));
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM rollups_1m WHERE fleet_id = ?")
      .bind(fleet.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(2);
    const body = await ok(
      await fleetSeries(fleet, `metric=cpu&from=${hour - 9 * HOUR_MS}&to=${hour + HOUR_MS}`),
    );
    expect(body.tier).toBe("1m");
    expect(body.hosts.map((h) => h.id)).toEqual([b, a]);
    expect(body.hosts[0]?.score).toBeCloseTo(80, 5);
    // 10 h in at most 300 points per line: 2-minute buckets, both samples in the first.
    expect(body.stepS).toBe(120);
    expect(body.hosts[1]?.points).toEqual([{ t: hour, avg: 15, max: 20 }]);
  });

  it("reads rollups of more hosts than one statement may name", async () => {
    const fleet = await createFleet();
    const hour = Math.floor((Date.now() - 5 * HOUR_MS) / HOUR_MS) * HOUR_MS;
    const ids: string[] = [];
    for (let i = 0; i < 95; i++) ids.push(await hostWith(fleet, `n-${i}`, [i], hour + 60_000));
    await runDurableObjectAlarm(env.FLEET.get(env.FLEET.idFromName(fleet.id)));
    const body = await ok(
      await fleetSeries(fleet, `metric=cpu&limit=50&from=${hour - 9 * HOUR_MS}&to=${hour + HOUR_MS}`),
    );
    expect(body.tier).toBe("1m");
    expect(body.reporting).toBe(95);
    expect(body.hosts).toHaveLength(50);
    expect(body.hosts.map((h) => h.id)).toEqual(ids.slice(45).reverse());
  });

  it("refuses bad queries with a message", async () => {
    const fleet = await createFleet();
    for (const q of [
      "metric=bogus",
      "metric=cpu&limit=0",
      "metric=cpu&limit=51",
      "metric=cpu&by=p99",
      "from=1",
    ]) {
      const res = await fleetSeries(fleet, q);
      expect(res.status, q).toBe(400);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error, q).toBe("invalid_request");
      expect(body.message.length, q).toBeGreaterThan(0);
    }
  });

  it("keeps fleets apart", async () => {
    const a = await createFleet();
    const b = await createFleet();
    await hostWith(a, "a-only", [50], Date.now() - 30_000);
    const theirs = await ok(await fleetSeries(b, "metric=cpu"));
    expect(theirs.hosts).toEqual([]);
    expect(theirs.reporting).toBe(0);
    const cross = await call(`/api/fleets/${a.id}/series?metric=cpu`, {
      headers: { Authorization: `Bearer ${b.viewer}` },
    });
    expect(cross.status).toBe(404);
  });
});
