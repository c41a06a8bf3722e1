import { createScheduledController, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { type HistoryDatabases, historyDatabases, placeHosts } from "../../worker/src/db/history";
import { HOSTS_WITH_FLEET, pickDatabase } from "../../worker/src/db/placement";
import type { FleetDO } from "../../worker/src/fleet/fleet-do";
import type { FleetParts } from "../../worker/src/fleet/fleet-parts";
import { DAY_MS, encodeRollupRow, HOUR_MS } from "../../worker/src/fleet/rollup";
import worker from "../../worker/src/index";
import type { SeriesExport, SeriesResult } from "../../worker/src/metrics/types";
import { PRUNE_MINUTE } from "../../worker/src/scheduled";
import { call, createFleet, registerHost, sample } from "./fixtures";

// vitest.config.ts binds DB, HISTORY_1 and HISTORY_2, with HISTORY_OPEN = "DB".
const NAMES = ["DB", "HISTORY_1", "HISTORY_2"] as const;
type Name = (typeof NAMES)[number];
const primary = drizzle(env.DB);
const cpu = (pct: number) => ({ cpu: { totalPct: pct, perCorePct: [] } });

/** The bound databases as a deployment whose open list is `open` sees them. */
function databases(...open: Name[]): HistoryDatabases {
  return { ...historyDatabases(env), open: () => [...open] };
}

/** A fresh fleet id that `pickDatabase` sends to `target` among `open`. */
function fleetIdFor(target: Name, open: Name[]): string {
  for (;;) {
    const id = `fleet-${crypto.randomUUID().slice(0, 8)}`;
    if (pickDatabase(id, open) === target) return id;
  }
}

/** Rows a fleet has in a rollup table of each database. */
async function rowsByDatabase(table: "rollups_1m" | "rollups_1h", fleetId: string) {
  const out: Partial<Record<Name, number>> = {};
  for (const name of NAMES) {
    const r = await env[name]
      .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE fleet_id = ?`)
      .bind(fleetId)
      .first<{ n: number }>();
    out[name] = r?.n ?? 0;
  }
  return out;
}

async function placements(fleetId: string) {
  const r = await env.DB.prepare(
    "SELECT host_id, database FROM history_placement WHERE fleet_id = ? ORDER BY host_id",
  )
    .bind(fleetId)
    .all<{ host_id: string; database: string }>();
  return r.results;
}

function get(fleet: { id: string; viewer: string }, path: string) {
  return call(`/api/fleets/${fleet.id}${path}`, { headers: { Authorization: `Bearer ${fleet.viewer}` } });
}

const stub = (fleetId: string) => env.FLEET.get(env.FLEET.idFromName(fleetId));

/** An hour that closed three hours ago. */
function pastHour() {
  const start = Math.floor((Date.now() - 3 * HOUR_MS) / HOUR_MS) * HOUR_MS;
  return { start, at: (min: number) => start + min * 60_000 };
}

/** The fleet object's rollup flush, as a deployment whose history databases are `dbs` runs it. */
function flushWith(fleetId: string, dbs: HistoryDatabases) {
  return runInDurableObject(stub(fleetId), async (instance: FleetDO) => {
    const parts = (instance as unknown as { p: FleetParts }).p;
    await parts.rollups.flush(primary, fleetId, Date.now(), dbs);
  });
}

/**
 * A fleet with one host that sent two samples in a closed hour, rolled up
 * by the object's flush: under `open` when given, else by its alarm (the
 * bindings of this test run).
 */
async function fleetWithHistory(id: string, open?: Name[]) {
  const fleet = await createFleet(id);
  const { client, hostId } = await registerHost(fleet.agent);
  const h = pastHour();
  await client.push({ samples: [sample(1, h.at(5), cpu(20)), sample(2, h.at(6), cpu(60))] });
  if (open) await flushWith(fleet.id, databases(...open));
  else await runDurableObjectAlarm(stub(fleet.id));
  return { fleet, hostId, h, client };
}

describe("history placement over several D1 databases", () => {
  it("records a fleet and its host where their first flush put them", async () => {
    const { fleet, hostId } = await fleetWithHistory(`fleet-${crypto.randomUUID().slice(0, 8)}`);
    // HISTORY_OPEN = "DB" here: the only database open to new history.
    expect(await placements(fleet.id)).toEqual([
      { host_id: "", database: "DB" },
      { host_id: hostId, database: "DB" },
    ]);
    expect(await rowsByDatabase("rollups_1m", fleet.id)).toEqual({ DB: 1, HISTORY_1: 0, HISTORY_2: 0 });
  });

  it("writes two fleets placed in different databases each to its own, and reads each back", async () => {
    const open: Name[] = ["HISTORY_1", "HISTORY_2"];
    const a = await fleetWithHistory(fleetIdFor("HISTORY_1", open), open);
    const b = await fleetWithHistory(fleetIdFor("HISTORY_2", open), open);
    expect((await placements(a.fleet.id)).map((p) => p.database)).toEqual(["HISTORY_1", "HISTORY_1"]);
    expect((await placements(b.fleet.id)).map((p) => p.database)).toEqual(["HISTORY_2", "HISTORY_2"]);

    for (const table of ["rollups_1m", "rollups_1h"] as const) {
      expect(await rowsByDatabase(table, a.fleet.id), table).toEqual({ DB: 0, HISTORY_1: 1, HISTORY_2: 0 });
      expect(await rowsByDatabase(table, b.fleet.id), table).toEqual({ DB: 0, HISTORY_1: 0, HISTORY_2: 1 });
    }
    for (const { fleet, hostId, h } of [a, b]) {
      const range = `from=${h.start - 9 * HOUR_MS}&to=${h.start + HOUR_MS}`;
      const series = await get(fleet, `/hosts/${hostId}/series?metric=cpu&${range}&step=60`);
      expect(series.status).toBe(200);
      const s = (await series.json()) as SeriesResult;
      expect(s.tier).toBe("1m");
      expect(s.points.map((p) => [p.t, p.avg])).toEqual([
        [h.at(5), 20],
        [h.at(6), 60],
      ]);

      const exported = await get(fleet, `/hosts/${hostId}/export?metric=cpu&format=json&${range}`);
      expect(exported.status).toBe(200);
      const e = (await exported.json()) as SeriesExport;
      expect(e.series.cpu?.map((p) => p.avg)).toEqual([20, 60]);

      // The day's hour point, from the 1h tier.
      const long = await get(
        fleet,
        `/hosts/${hostId}/series?metric=cpu&from=${h.start - 20 * DAY_MS}&to=${h.start + HOUR_MS}`,
      );
      const l = (await long.json()) as SeriesResult;
      expect(l.tier).toBe("1h");
      expect(l.points).toEqual([{ t: h.start, min: 20, avg: 40, max: 60 }]);
    }
  });

  it("keeps fleets and hosts where they were placed when a database is added", async () => {
    const before: Name[] = ["HISTORY_1"];
    const after: Name[] = ["HISTORY_1", "HISTORY_2"];
    // A fleet the two-database list would send to HISTORY_2.
    const id = fleetIdFor("HISTORY_2", after);
    const { fleet, hostId, h, client } = await fleetWithHistory(id, before);
    expect(await placements(fleet.id)).toEqual([
      { host_id: "", database: "HISTORY_1" },
      { host_id: hostId, database: "HISTORY_1" },
    ]);

    // HISTORY_2 is added: the host's placement stands, and so does a new host of the fleet's.
    const second = await registerHost(fleet.agent);
    const placed = await placeHosts(
      primary,
      databases(...after),
      fleet.id,
      [hostId, second.hostId],
      Date.now(),
    );
    expect(Object.fromEntries(placed)).toEqual({ [hostId]: "HISTORY_1", [second.hostId]: "HISTORY_1" });

    // A late sample rewrites the hour where it was, not where the hash now points.
    await client.push({ samples: [sample(3, h.at(7), cpu(90))] });
    await flushWith(fleet.id, databases(...after));
    expect(await rowsByDatabase("rollups_1m", fleet.id)).toEqual({ DB: 0, HISTORY_1: 1, HISTORY_2: 0 });
    // Nor where this test run's own open list (DB) points.
    await client.push({ samples: [sample(4, h.at(8), cpu(10))] });
    await runDurableObjectAlarm(stub(fleet.id));
    expect(await rowsByDatabase("rollups_1m", fleet.id)).toEqual({ DB: 0, HISTORY_1: 1, HISTORY_2: 0 });
    const r = (await (
      await get(
        fleet,
        `/hosts/${hostId}/series?metric=cpu&from=${h.start}&to=${h.start + HOUR_MS - 1}&step=60`,
      )
    ).json()) as SeriesResult;
    expect(r.points.map((p) => p.avg)).toEqual([20, 60, 90, 10]);

    // A new fleet goes where the hash sends it among the databases open now.
    const fresh = await createFleet(fleetIdFor("HISTORY_2", after));
    const newHost = await registerHost(fresh.agent);
    const freshPlaced = await placeHosts(
      primary,
      databases(...after),
      fresh.id,
      [newHost.hostId],
      Date.now(),
    );
    expect(freshPlaced.get(newHost.hostId)).toBe("HISTORY_2");
  });

  it("spreads the hosts of a very large fleet, and keeps each where it was placed", async () => {
    const fleet = await createFleet();
    const open: Name[] = ["HISTORY_1", "HISTORY_2"];
    const insert = env.DB.prepare(
      "INSERT INTO history_placement (fleet_id, host_id, database, placed_at) VALUES (?, ?, ?, 0)",
    );
    const fleetDatabase = pickDatabase(fleet.id, open);
    await env.DB.batch([
      insert.bind(fleet.id, "", fleetDatabase),
      ...Array.from({ length: HOSTS_WITH_FLEET }, (_, i) => insert.bind(fleet.id, `old-${i}`, fleetDatabase)),
    ]);
    const hosts = Array.from({ length: 40 }, (_, i) => `new-${i}`);
    const placed = await placeHosts(primary, databases(...open), fleet.id, hosts, Date.now());
    expect(new Set(placed.values())).toEqual(new Set(open));
    for (const h of hosts) expect(placed.get(h)).toBe(pickDatabase(`${fleet.id}/${h}`, open));

    // Recorded: a later open list changes none of them.
    const again = await placeHosts(primary, databases("HISTORY_1"), fleet.id, hosts, Date.now());
    expect(again).toEqual(placed);
  });

  it("keeps the hours of a host placed in a database that is not bound, and says which", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    await env.DB.batch(
      ["", hostId].map((h) =>
        env.DB.prepare(
          "INSERT INTO history_placement (fleet_id, host_id, database, placed_at) VALUES (?, ?, 'HISTORY_9', 0)",
        ).bind(fleet.id, h),
      ),
    );
    const h = pastHour();
    await client.push({ samples: [sample(1, h.at(5), cpu(20))] });
    await runDurableObjectAlarm(stub(fleet.id));
    const health = (await (await get(fleet, "/health")).json()) as {
      objects: { rollups: { lastError: string | null; pendingHours: number } }[];
    };
    expect(health.objects[0]?.rollups.pendingHours).toBe(1);
    expect(health.objects[0]?.rollups.lastError).toContain("HISTORY_9");
    for (const table of ["rollups_1m", "rollups_1h"] as const) {
      expect(await rowsByDatabase(table, fleet.id)).toEqual({ DB: 0, HISTORY_1: 0, HISTORY_2: 0 });
    }
  });

  it("prunes rollups past retention in every database", async () => {
    const fleet = await createFleet();
    const now = new Date();
    now.setUTCMinutes(PRUNE_MINUTE, 0, 0);
    const t = now.getTime();
    const day = (n: number) => Math.floor((t - n * DAY_MS) / DAY_MS) * DAY_MS;
    const row = (name: Name, table: string, start: number) =>
      env[name]
        .prepare(`INSERT INTO ${table} (fleet_id, host_id, start, points, data) VALUES (?, 'h', ?, '', ?)`)
        .bind(fleet.id, start, encodeRollupRow([{ t: start, n: 1, v: { cpu: [1, 1, 1, 1] } }]));
    for (const name of NAMES) {
      await env[name].batch([
        row(name, "rollups_1m", t - 31 * DAY_MS),
        row(name, "rollups_1m", t - 29 * DAY_MS),
        row(name, "rollups_1h", day(2 * 365 + 8)),
        row(name, "rollups_1h", day(2 * 365 - 2)),
      ]);
    }
    await worker.scheduled(createScheduledController({ scheduledTime: t, cron: "* * * * *" }), env);
    for (const name of NAMES) {
      const minutes = await env[name]
        .prepare("SELECT start FROM rollups_1m WHERE fleet_id = ?")
        .bind(fleet.id)
        .all<{ start: number }>();
      expect(
        minutes.results.map((r) => r.start),
        name,
      ).toEqual([t - 29 * DAY_MS]);
      const days = await env[name]
        .prepare("SELECT start FROM rollups_1h WHERE fleet_id = ?")
        .bind(fleet.id)
        .all<{ start: number }>();
      expect(
        days.results.map((r) => r.start),
        name,
      ).toEqual([day(2 * 365 - 2)]);
    }
  });

  // Last in the file: the backfill records every fleet in this file's database without a placement.
  it("records history written before placement existed in DB, where it stays", async () => {
    const fleet = await createFleet();
    const legacy = "legacy-host";
    await env.DB.prepare("INSERT INTO rollups_1h (fleet_id, host_id, start, points) VALUES (?, ?, 0, '[]')")
      .bind(fleet.id, legacy)
      .run();
    const backfill = env.TEST_MIGRATIONS.find((m) => m.name.includes("history_placement_backfill"));
    if (!backfill) throw new Error("no backfill migration");
    await env.DB.batch(backfill.queries.map((q) => env.DB.prepare(q)));
    expect(await placements(fleet.id)).toEqual([
      { host_id: "", database: "DB" },
      { host_id: legacy, database: "DB" },
    ]);

    // History databases added: the old host stays in DB; a new one, DB being closed, goes to one of them.
    const open: Name[] = ["HISTORY_1", "HISTORY_2"];
    const placed = await placeHosts(primary, databases(...open), fleet.id, [legacy, "new-host"], Date.now());
    expect(placed.get(legacy)).toBe("DB");
    expect(placed.get("new-host")).toBe(pickDatabase(`${fleet.id}/new-host`, open));
  });
});
