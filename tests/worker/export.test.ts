import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { HOUR_MS } from "../../worker/src/fleet/rollup";
import type { SeriesExport } from "../../worker/src/metrics/types";
import { call, createFleet, hostInfo, registerHost, sample } from "./fixtures";

const cpu = (pct: number) => ({ cpu: { totalPct: pct, perCorePct: [] } });

async function exportOf(fleet: { id: string; viewer: string }, hostId: string, query: string) {
  return call(`/api/fleets/${fleet.id}/hosts/${hostId}/export?${query}`, {
    headers: { Authorization: `Bearer ${fleet.viewer}` },
  });
}

describe("history export", () => {
  it("exports chosen series as long-format CSV with a download name", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent, hostInfo({ hostname: "db/1 primary" }));
    const now = Date.now();
    await client.push({
      samples: [sample(1, now - 20_000, cpu(10)), sample(2, now - 10_000, cpu(30))],
    });
    const res = await exportOf(
      fleet,
      hostId,
      `metric=cpu&metric=${encodeURIComponent("disk:/")}&from=${now - 60_000}&to=${now}&step=5`,
    );
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="db_1_primary-\d{4}-\d{2}-\d{2}-history\.csv"$/,
    );
    const lines = (await res.text()).trim().split("\n");
    expect(lines[0]).toBe("time,time_ms,metric,min,avg,max,last");
    const rows = lines.slice(1).map((l) => l.split(","));
    expect(rows.filter((r) => r[2] === "cpu").map((r) => r[4])).toEqual(["10", "30"]);
    expect(rows.filter((r) => r[2] === "disk:/")).toHaveLength(2);
    expect(new Date(rows[0]?.[0] ?? "").getTime()).toBe(Number(rows[0]?.[1]));
  });

  it("exports every series the host has as JSON when none is named, across tiers", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    const hour = Math.floor((Date.now() - 5 * HOUR_MS) / HOUR_MS) * HOUR_MS;
    await client.push({ samples: [sample(1, hour + 60_000), sample(2, hour + 70_000)] });
    await runDurableObjectAlarm(env.FLEET.get(env.FLEET.idFromName(fleet.id)));
    const res = await exportOf(fleet, hostId, `format=json&from=${hour - 9 * HOUR_MS}&to=${hour + HOUR_MS}`);
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as SeriesExport & { host: { id: string; hostname: string } };
    expect(body.host.id).toBe(hostId);
    expect(body.tier).toBe("1m");
    expect(Object.keys(body.series)).toEqual(expect.arrayContaining(["cpu", "mem", "disk:/", "load1"]));
    expect(body.series.cpu).toHaveLength(1);
    expect(body.series.cpu?.[0]?.t).toBe(hour + 60_000);
  });

  it("refuses unknown series, bad formats and unknown hosts", async () => {
    const fleet = await createFleet();
    const { hostId } = await registerHost(fleet.agent);
    for (const q of ["metric=bogus", "format=xml", "metric=cpu&from=10&to=5"]) {
      const res = await exportOf(fleet, hostId, q);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe("invalid_request");
    }
    const missing = await exportOf(fleet, "h_unknown", "metric=cpu");
    expect(missing.status).toBe(404);
  });

  it("does not export another fleet's host", async () => {
    const a = await createFleet();
    const b = await createFleet();
    const { client, hostId } = await registerHost(a.agent);
    await client.push({ samples: [sample(1)] });
    const res = await exportOf(b, hostId, "metric=cpu");
    expect(res.status).toBe(404);
    const cross = await call(`/api/fleets/${a.id}/hosts/${hostId}/export?metric=cpu`, {
      headers: { Authorization: `Bearer ${b.viewer}` },
    });
    expect(cross.status).toBe(404);
  });
});
