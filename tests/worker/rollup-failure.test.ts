import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { FleetDO } from "../../worker/src/fleet/fleet-do";
import type { FleetParts } from "../../worker/src/fleet/fleet-parts";
import { FLUSH_RETRY_MIN_MS } from "../../worker/src/fleet/flush-health";
import { decodeRollupBlocks, HOUR_MS, MINUTE_MS } from "../../worker/src/fleet/rollup";
import { ROW_SPAN_MS } from "../../worker/src/fleet/rollup-store";
import { call, createFleet, registerHost, sample } from "./fixtures";

const stub = (fleet: string) => env.FLEET.get(env.FLEET.idFromName(fleet));

/** D1 refuses every rollup write, as a full database does, until `accept` runs. */
async function refuseRollupWrites() {
  for (const t of ["rollups_1m", "rollups_1h"]) {
    await env.DB.exec(
      `CREATE TRIGGER refuse_${t} BEFORE INSERT ON ${t} BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
    );
  }
  return {
    accept: async () => {
      for (const t of ["rollups_1m", "rollups_1h"]) await env.DB.exec(`DROP TRIGGER refuse_${t}`);
    },
  };
}

/**
 * Runs the object's upkeep as an alarm at `now` would (workerd's clock does
 * not move in tests, and the retry waits for its backoff).
 */
function upkeepAt(fleetId: string, now: number) {
  return runInDurableObject(stub(fleetId), async (instance: FleetDO) => {
    const parts = (instance as unknown as { p: FleetParts }).p;
    await parts.upkeep.run(now);
  });
}

async function health(fleet: { id: string; viewer: string }) {
  const res = await call(`/api/fleets/${fleet.id}/health`, {
    headers: { Authorization: `Bearer ${fleet.viewer}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    ok: boolean;
    objects: {
      rollups: { failures: number; lastError: string | null; pendingHours: number; retryAt: number | null };
    }[];
  };
}

describe("rollup writes D1 refuses", () => {
  it("keeps the hours, shows the failure, backs off, and writes every minute once D1 accepts", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    const start = Math.floor((Date.now() - 3 * HOUR_MS) / HOUR_MS) * HOUR_MS;
    // One sample every 5 s over the whole closed hour, with a varying value.
    const samples = Array.from({ length: 720 }, (_, i) =>
      sample(i + 1, start + i * 5_000, { cpu: { totalPct: (i * 7) % 100, perCorePct: [] } }),
    );
    for (let i = 0; i < samples.length; i += 500) await client.push({ samples: samples.slice(i, i + 500) });

    const d1 = await refuseRollupWrites();
    await runDurableObjectAlarm(stub(fleet.id));
    const failing = await health(fleet);
    expect(failing.ok).toBe(false);
    expect(failing.objects[0]?.rollups).toMatchObject({ failures: 1, pendingHours: 1 });
    expect(failing.objects[0]?.rollups.lastError).toContain("database or disk is full");
    const retryAt = failing.objects[0]?.rollups.retryAt ?? 0;
    expect(retryAt).toBeGreaterThan(Date.now());

    // The history of that hour is still served, from the raw window.
    const res = await call(
      `/api/fleets/${fleet.id}/hosts/${hostId}/series?metric=cpu&from=${start}&to=${start + HOUR_MS - 1}&step=60`,
      { headers: { Authorization: `Bearer ${fleet.viewer}` } },
    );
    expect(((await res.json()) as { points: unknown[] }).points).toHaveLength(60);

    // Inside the backoff nothing is attempted; after it, still failing, the wait doubles.
    await upkeepAt(fleet.id, retryAt - 1);
    expect((await health(fleet)).objects[0]?.rollups.failures).toBe(1);
    await upkeepAt(fleet.id, retryAt);
    const twice = (await health(fleet)).objects[0]?.rollups;
    expect(twice?.failures).toBe(2);
    expect((twice?.retryAt ?? 0) - retryAt).toBe(2 * FLUSH_RETRY_MIN_MS);

    await d1.accept();
    await upkeepAt(fleet.id, twice?.retryAt ?? 0);
    const healthy = await health(fleet);
    expect(healthy.ok).toBe(true);
    expect(healthy.objects[0]?.rollups).toMatchObject({ failures: 0, pendingHours: 0, retryAt: null });
    const row = await env.DB.prepare("SELECT data, idx FROM rollups_1m WHERE host_id = ? AND start = ?")
      .bind(hostId, Math.floor(start / ROW_SPAN_MS["1m"]) * ROW_SPAN_MS["1m"])
      .first<{ data: ArrayBuffer; idx: string }>();
    const points = decodeRollupBlocks(new Uint8Array(row?.data ?? new ArrayBuffer(0)), row?.idx ?? "{}");
    expect(points.map((p) => p.t)).toEqual(Array.from({ length: 60 }, (_, m) => start + m * MINUTE_MS));
    expect(points.reduce((a, p) => a + p.n, 0)).toBe(720);
  });
});
