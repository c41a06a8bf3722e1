import { createScheduledController, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  DAY_MS,
  decodeRollupBlocks,
  decodeRollupRow,
  encodeRollupRow,
  HOUR_MS,
  packPoints,
  type RollupPoint,
} from "../../worker/src/fleet/rollup";
import { ROW_SPAN_MS } from "../../worker/src/fleet/rollup-store";
import worker from "../../worker/src/index";
import type { HostView, SeriesResult } from "../../worker/src/metrics/types";
import { PRUNE_MINUTE } from "../../worker/src/scheduled";
import { call, createFleet, hostInfo, openLive, registerHost, sample } from "./fixtures";

const cpu = (pct: number) => ({ cpu: { totalPct: pct, perCorePct: [] } });

function stub(fleet: string) {
  return env.FLEET.get(env.FLEET.idFromName(fleet));
}

async function series(fleet: { id: string; viewer: string }, hostId: string, query: string) {
  const res = await call(`/api/fleets/${fleet.id}/hosts/${hostId}/series?${query}`, {
    headers: { Authorization: `Bearer ${fleet.viewer}` },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as SeriesResult;
}

/**
 * A stored rollup row as D1 holds it: the type of `data`, the legacy text,
 * the block index and the binary row's points (blocks per series family
 * where it has an index, one table where not).
 */
async function storedRow(table: "rollups_1m" | "rollups_1h", hostId: string, start: number) {
  const row = await env.DB.prepare(
    `SELECT typeof(data) AS type, points, data, idx FROM ${table} WHERE host_id = ? AND start = ?`,
  )
    .bind(hostId, start)
    .first<{ type: string; points: string; data: ArrayBuffer | number[] | null; idx: string | null }>();
  if (!row) throw new Error(`no ${table} row (${hostId}, ${start})`);
  const bytes = row.data === null ? null : new Uint8Array(row.data);
  const decoded = bytes && (row.idx === null ? decodeRollupRow(bytes) : decodeRollupBlocks(bytes, row.idx));
  return { type: row.type, points: row.points, idx: row.idx, decoded };
}

/** Start of the stored row of `tier` that holds `t` (6 h of 1m points, a week of 1h points). */
const rowStart = (tier: "1m" | "1h", t: number) => Math.floor(t / ROW_SPAN_MS[tier]) * ROW_SPAN_MS[tier];

/** The host has exactly one row in `table`, at `start`: rows of older spans were folded in. */
async function expectOnlyRowAt(table: "rollups_1m" | "rollups_1h", hostId: string, start: number) {
  const { results } = await env.DB.prepare(`SELECT start FROM ${table} WHERE host_id = ?`).bind(hostId).all();
  expect(results.map((r) => r.start)).toEqual([start]);
}

/** An hour that closed at least three hours ago, and a time inside it. */
function pastHour(hoursAgo = 3) {
  const start = Math.floor((Date.now() - hoursAgo * HOUR_MS) / HOUR_MS) * HOUR_MS;
  return { start, at: (min: number, s = 0) => start + min * 60_000 + s * 1000 };
}

describe("history tiers", () => {
  it("serves recent ranges from the raw window", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    const now = Date.now();
    await client.push({ samples: [sample(1, now - 20_000, cpu(10)), sample(2, now - 10_000, cpu(30))] });
    const r = await series(fleet, hostId, `metric=cpu&from=${now - 60_000}&to=${now}&step=5`);
    expect(r.tier).toBe("raw");
    expect(r.points.map((p) => p.avg)).toEqual([10, 30]);
  });

  it("rolls closed hours up into D1 with min/avg/max per minute", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    const h = pastHour();
    await client.push({
      samples: [
        sample(1, h.at(5, 0), cpu(10)),
        sample(2, h.at(5, 20), cpu(90)),
        sample(3, h.at(5, 40), cpu(20)),
      ],
    });
    await runDurableObjectAlarm(stub(fleet.id));
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM rollups_1m WHERE host_id = ?")
      .bind(hostId)
      .first();
    expect(rows?.n).toBe(1);

    const r = await series(
      fleet,
      hostId,
      `metric=cpu&from=${h.start - 9 * HOUR_MS}&to=${h.start + HOUR_MS}&step=60`,
    );
    expect(r.tier).toBe("1m");
    expect(r.points).toEqual([{ t: h.at(5), min: 10, avg: 40, max: 90 }]);
  });

  it("stores closed hours as binary rows, each value at its unit's rollup precision", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    const h = pastHour();
    const day = Math.floor(h.start / DAY_MS) * DAY_MS;
    const io = (read: number) => ({ diskIo: { readBytesPerS: read, writeBytesPerS: 0 } });
    await client.push({
      samples: [
        sample(1, h.at(5, 0), { ...cpu(10.04), ...io(100.25) }),
        sample(2, h.at(5, 20), { ...cpu(10.06), ...io(200.5) }),
        sample(3, h.at(5, 40), { ...cpu(10.06), ...io(300.75) }),
        sample(4, h.at(6, 0), { ...cpu(33.33), ...io(1.49) }),
      ],
    });
    await runDurableObjectAlarm(stub(fleet.id));

    for (const [table, start] of [
      ["rollups_1m", rowStart("1m", h.start)],
      ["rollups_1h", rowStart("1h", h.start)],
    ] as const) {
      const row = await storedRow(table, hostId, start);
      expect([row.type, row.points], table).toEqual(["blob", ""]);
      expect(row.decoded?.length, table).toBeGreaterThan(0);
    }
    const range = `from=${h.start - 9 * HOUR_MS}&to=${h.start + HOUR_MS}&step=60`;
    // Percentages to a tenth: (10.04 + 10.06 + 10.06) / 3 = 10.0533... -> 10.1.
    expect((await series(fleet, hostId, `metric=cpu&${range}`)).points).toEqual([
      { t: h.at(5), min: 10, avg: 10.1, max: 10.1 },
      { t: h.at(6), min: 33.3, avg: 33.3, max: 33.3 },
    ]);
    // Rates to whole bytes per second, the average too.
    expect((await series(fleet, hostId, `metric=disk.read&${range}`)).points).toEqual([
      { t: h.at(5), min: 100, avg: 201, max: 301 },
      { t: h.at(6), min: 1, avg: 1, max: 1 },
    ]);

    const long = await series(fleet, hostId, `metric=cpu&from=${day - 9 * DAY_MS}&to=${day + DAY_MS}`);
    expect(long.tier).toBe("1h");
    // (10.04 + 10.06 + 10.06 + 33.33) / 4 = 15.8725 -> 15.9.
    expect(long.points).toEqual([{ t: h.start, min: 10, avg: 15.9, max: 33.3 }]);
  });

  it("corrects a closed hour when late samples arrive", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    const h = pastHour(5);
    await client.push({ samples: [sample(10, h.at(30), cpu(40))] });
    await runDurableObjectAlarm(stub(fleet.id));
    // Replay after an outage: an older seq for the same, already written, hour.
    await client.push({ samples: [sample(5, h.at(30, 30), cpu(100))] });
    await runDurableObjectAlarm(stub(fleet.id));

    const r = await series(
      fleet,
      hostId,
      `metric=cpu&from=${h.start - 9 * HOUR_MS}&to=${h.start + HOUR_MS}&step=60`,
    );
    expect(r.points).toEqual([{ t: h.at(30), min: 40, avg: 70, max: 100 }]);
    const long = await series(
      fleet,
      hostId,
      `metric=cpu&from=${h.start - 10 * 86_400_000}&to=${h.start + HOUR_MS}`,
    );
    expect(long.tier).toBe("1h");
    expect(long.points).toEqual([{ t: h.start, min: 40, avg: 70, max: 100 }]);
    const row = await storedRow("rollups_1m", hostId, rowStart("1m", h.start));
    expect(row.type).toBe("blob");
    expect(row.decoded?.map((p) => [p.t, p.n, p.v.cpu])).toEqual([[h.at(30), 2, [40, 70, 100]]]);
  });

  it("joins stored hours and the open hour across the tier boundary", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    const old = pastHour(4);
    const now = Date.now();
    await client.push({ samples: [sample(1, old.at(1), cpu(11)), sample(2, now - 5_000, cpu(22))] });
    await runDurableObjectAlarm(stub(fleet.id));
    const r = await series(fleet, hostId, `metric=cpu&from=${now - 8 * HOUR_MS}&to=${now}&step=60`);
    expect(r.tier).toBe("1m");
    expect(r.points.map((p) => p.avg)).toEqual([11, 22]);
  });

  it("keeps per-instance series such as a mount's disk use", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    await client.push({ samples: [sample(1)] });
    const r = await series(
      fleet,
      hostId,
      `metric=${encodeURIComponent("disk:/")}&from=${Date.now() - 60_000}`,
    );
    expect(r.points[0]?.avg).toBe(40);
  });

  it("reads one series out of stored hours whatever characters its instance has", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    const h = pastHour();
    const mounts = ["/", "/mnt/a.b", '/mnt/"q"', "/mnt/x\\y", "/mnt/$.v"];
    const fs = (usedGiB: number) =>
      mounts.map((mount, i) => ({
        mount,
        fsType: "ext4",
        device: `/dev/sd${i}`,
        sizeBytes: 100n << 30n,
        usedBytes: BigInt(usedGiB + i) << 30n,
      }));
    await client.push({
      samples: [
        sample(1, h.at(1), { ...cpu(10), filesystems: fs(10) }),
        sample(2, h.at(1, 30), { ...cpu(30), filesystems: fs(20) }),
        // A sample without the series: the minute still has the others' points.
        sample(3, h.at(2), { ...cpu(50), filesystems: [] }),
      ],
    });
    await runDurableObjectAlarm(stub(fleet.id));
    const range = `from=${h.start - 9 * HOUR_MS}&to=${h.start + HOUR_MS}&step=60`;
    const c = await series(fleet, hostId, `metric=cpu&${range}`);
    expect(c.tier).toBe("1m");
    expect(c.points).toEqual([
      { t: h.at(1), min: 10, avg: 20, max: 30 },
      { t: h.at(2), min: 50, avg: 50, max: 50 },
    ]);
    for (const [i, mount] of mounts.entries()) {
      const d = await series(fleet, hostId, `metric=${encodeURIComponent(`disk:${mount}`)}&${range}`);
      const rounded = d.points.map((p) => ({
        t: p.t,
        min: Math.round(p.min * 1e6) / 1e6,
        avg: Math.round(p.avg * 1e6) / 1e6,
        max: Math.round(p.max * 1e6) / 1e6,
      }));
      expect(rounded, mount).toEqual([{ t: h.at(1), min: 10 + i, avg: 15 + i, max: 20 + i }]);
    }
    // A range that cuts the stored hour keeps only the minutes inside it.
    const cut = await series(fleet, hostId, `metric=cpu&from=${h.at(2)}&to=${h.start + 8 * HOUR_MS}&step=60`);
    expect(cut.points.map((p) => p.t)).toEqual([h.at(2)]);
  });

  it("reads rows stored in the earlier point-per-object form, and rewrites them binary when late samples land", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    const h = pastHour();
    const day = Math.floor(h.start / 86_400_000) * 86_400_000;
    // Another hour of the same day, already in the day's 1h row.
    const other = h.start === day ? day + HOUR_MS : day;
    const legacy = [
      { t: h.at(7), n: 2, v: { cpu: [10, 15, 20, 20], 'disk:/mnt/"q"': [1, 1, 1, 1] } },
      { t: h.at(8), n: 1, v: { load1: [2, 2, 2, 2] } },
    ];
    const insert = (table: string, start: number, points: unknown) =>
      env.DB.prepare(`INSERT INTO ${table} (fleet_id, host_id, start, points) VALUES (?, ?, ?, ?)`).bind(
        fleet.id,
        hostId,
        start,
        JSON.stringify(points),
      );
    await env.DB.batch([
      insert("rollups_1m", h.start, legacy),
      insert("rollups_1h", day, [{ t: other, n: 1, v: { cpu: [5, 5, 5, 5] } }]),
    ]);
    const range = `from=${h.start - 9 * HOUR_MS}&to=${h.start + HOUR_MS}&step=60`;
    const c = await series(fleet, hostId, `metric=cpu&${range}`);
    expect(c.points).toEqual([{ t: h.at(7), min: 10, avg: 15, max: 20 }]);
    const q = await series(fleet, hostId, `metric=${encodeURIComponent('disk:/mnt/"q"')}&${range}`);
    expect(q.points.map((p) => p.avg)).toEqual([1]);

    // A late sample for the hour folds the day's 1h row into its week's, in the columnar form, keeping the other hour.
    await client.push({ samples: [sample(1, h.at(30), cpu(50))] });
    await runDurableObjectAlarm(stub(fleet.id));
    await expectOnlyRowAt("rollups_1h", hostId, rowStart("1h", h.start));
    const row = await storedRow("rollups_1h", hostId, rowStart("1h", h.start));
    const hours = [other, h.start].sort((a, b) => a - b);
    expect([row.type, row.points]).toEqual(["blob", ""]);
    expect(row.decoded?.map((p) => p.t)).toEqual(hours);
    const long = await series(
      fleet,
      hostId,
      `metric=cpu&from=${day - 9 * 86_400_000}&to=${day + 86_400_000}`,
    );
    expect(long.tier).toBe("1h");
    expect(long.points.map((p) => [p.t, p.avg])).toEqual(hours.map((t) => [t, t === other ? 5 : 50]));
  });

  it("reads rows of the packed JSON form older versions wrote, and rewrites them binary once touched", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    const h = pastHour();
    const day = Math.floor(h.start / DAY_MS) * DAY_MS;
    const other = h.start === day ? day + HOUR_MS : day;
    const quoted = 'disk:/mnt/"q"';
    // Exactly what the previous version wrote: packPoints JSON in `points`, no `data`.
    const minutes: RollupPoint[] = [
      { t: h.at(7), n: 12, v: { cpu: [10, 15.123456789, 20, 20], [quoted]: [1, 1, 1, 1] } },
      { t: h.at(8), n: 12, v: { cpu: [30, 35, 40, 31.5], load1: [2, 2, 2, 2] } },
    ];
    const hours: RollupPoint[] = [{ t: other, n: 720, v: { cpu: [5, 6.5, 9, 7], load1: [1, 1, 1, 1] } }];
    const insert = (table: string, start: number, points: RollupPoint[]) =>
      env.DB.prepare(`INSERT INTO ${table} (fleet_id, host_id, start, points) VALUES (?, ?, ?, ?)`).bind(
        fleet.id,
        hostId,
        start,
        packPoints(points),
      );
    await env.DB.batch([insert("rollups_1m", h.start, minutes), insert("rollups_1h", day, hours)]);
    expect((await storedRow("rollups_1m", hostId, h.start)).type).toBe("null");

    const range = `from=${h.start - 9 * HOUR_MS}&to=${h.start + HOUR_MS}&step=60`;
    expect((await series(fleet, hostId, `metric=cpu&${range}`)).points).toEqual([
      { t: h.at(7), min: 10, avg: 15.123456789, max: 20 },
      { t: h.at(8), min: 30, avg: 35, max: 40 },
    ]);
    const q = await series(fleet, hostId, `metric=${encodeURIComponent(quoted)}&${range}`);
    expect(q.points).toEqual([{ t: h.at(7), min: 1, avg: 1, max: 1 }]);
    const dayRange = `from=${day - 9 * DAY_MS}&to=${day + DAY_MS}`;
    expect((await series(fleet, hostId, `metric=load1&${dayRange}`)).points).toEqual([
      { t: other, min: 1, avg: 1, max: 1 },
    ]);

    // A late sample for the hour: its minutes are rebuilt from the raw window
    // into the hour's 6 h row, the day's 1h row folded into its week's, the
    // hour put in, both written binary and the older rows gone.
    await client.push({ samples: [sample(1, h.at(30), cpu(50))] });
    await runDurableObjectAlarm(stub(fleet.id));
    await expectOnlyRowAt("rollups_1m", hostId, rowStart("1m", h.start));
    await expectOnlyRowAt("rollups_1h", hostId, rowStart("1h", h.start));
    const minuteRow = await storedRow("rollups_1m", hostId, rowStart("1m", h.start));
    expect([minuteRow.type, minuteRow.points]).toEqual(["blob", ""]);
    expect(minuteRow.decoded?.map((p) => [p.t, p.v.cpu])).toEqual([[h.at(30), [50, 50, 50]]]);
    const weekRow = await storedRow("rollups_1h", hostId, rowStart("1h", h.start));
    expect([weekRow.type, weekRow.points]).toEqual(["blob", ""]);
    const kept = weekRow.decoded?.find((p) => p.t === other);
    // Rewritten as rows are now kept: min/avg/max, no last.
    expect(kept).toEqual({ t: other, n: 720, v: { cpu: [5, 6.5, 9], load1: [1, 1, 1] } });
    const long = await series(fleet, hostId, `metric=cpu&${dayRange}`);
    expect(long.points.map((p) => [p.t, p.avg])).toEqual(
      [other, h.start].sort((a, b) => a - b).map((t) => [t, t === other ? 6.5 : 50]),
    );
  });

  it("rejects unknown metrics and inverted ranges with 400", async () => {
    const fleet = await createFleet();
    const { hostId } = await registerHost(fleet.agent);
    for (const q of ["metric=bogus", "metric=cpu&from=10&to=5", "metric=cpu&extra=1"]) {
      const res = await call(`/api/fleets/${fleet.id}/hosts/${hostId}/series?${q}`, {
        headers: { Authorization: `Bearer ${fleet.viewer}` },
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe("invalid_request");
    }
  });

  it("rejects samples older than the replay window", async () => {
    const fleet = await createFleet();
    const { client } = await registerHost(fleet.agent);
    await expect(client.push({ samples: [sample(1, Date.now() - 24 * HOUR_MS)] })).rejects.toThrow(
      /replay window/,
    );
  });

  it("prunes rollups past retention from the cron trigger", async () => {
    const fleet = await createFleet();
    const now = new Date();
    now.setUTCMinutes(PRUNE_MINUTE, 0, 0);
    const t = now.getTime();
    // Legacy text rows and binary rows alike.
    const legacy = (table: string, host: string, start: number) =>
      env.DB.prepare(`INSERT INTO ${table} (fleet_id, host_id, start, points) VALUES (?, ?, ?, '[]')`).bind(
        fleet.id,
        host,
        start,
      );
    const binary = (table: string, host: string, start: number) =>
      env.DB.prepare(
        `INSERT INTO ${table} (fleet_id, host_id, start, points, data) VALUES (?, ?, ?, '', ?)`,
      ).bind(fleet.id, host, start, encodeRollupRow([{ t: start, n: 1, v: { cpu: [1, 1, 1, 1] } }]));
    const day = (n: number) => Math.floor((t - n * DAY_MS) / DAY_MS) * DAY_MS;
    await env.DB.batch([
      legacy("rollups_1m", "h", t - 31 * DAY_MS),
      legacy("rollups_1m", "h", t - 29 * DAY_MS),
      binary("rollups_1m", "b", t - 31 * DAY_MS),
      binary("rollups_1m", "b", t - 29 * DAY_MS),
      // A row goes once a whole row span (a week of 1h) is past retention.
      binary("rollups_1h", "b", day(2 * 365 + 8)),
      binary("rollups_1h", "b", day(2 * 365 - 2)),
    ]);
    const ctrl = createScheduledController({ scheduledTime: t, cron: "* * * * *" });
    await worker.scheduled(ctrl, env);
    const left = await env.DB.prepare(
      "SELECT host_id || ' ' || typeof(data) AS k, start FROM rollups_1m WHERE fleet_id = ? ORDER BY k",
    )
      .bind(fleet.id)
      .all();
    expect(left.results).toEqual([
      { k: "b blob", start: t - 29 * DAY_MS },
      { k: "h null", start: t - 29 * DAY_MS },
    ]);
    const days = await env.DB.prepare("SELECT start FROM rollups_1h WHERE fleet_id = ?").bind(fleet.id).all();
    expect(days.results.map((r) => r.start)).toEqual([day(2 * 365 - 2)]);
  });
});

describe("host status", () => {
  it("turns stale after three missed intervals and tells viewers", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent, hostInfo({ intervalS: 1 }));
    await client.push({ samples: [sample(1)] });
    const live = await openLive(fleet.id, fleet.viewer);
    await live.next<{ type: string }>((f) => f.type === "snapshot");
    await new Promise((r) => setTimeout(r, 3_200));
    await runDurableObjectAlarm(stub(fleet.id));
    await live.next<{ type: string; hosts?: HostView[] }>(
      (f) => f.type === "hosts" && f.hosts?.some((h) => h.id === hostId && h.status === "stale") === true,
    );
    live.ws.close();
  });
});
