import { describe, expect, it } from "vitest";
import {
  activeObjects,
  bill,
  bytesPerHost,
  d1Databases,
  HUB_DEFAULTS,
  hostsPerGroup,
  type MeasuredRates,
  MONTH_S,
  type MonthlyUsage,
  monthlyUsage,
  type Scenario,
  steadyRowsPerHostHour,
} from "../../bench/lib/pricing.ts";
import { BROADCAST_INTERVAL_MS } from "../../worker/src/fleet/broadcaster.ts";
import { RAW_FLUSH_AGE_MS } from "../../worker/src/fleet/raw-window.ts";
import { DAY_MS, HOUR_MS } from "../../worker/src/fleet/rollup.ts";
import { ROW_SPAN_MS } from "../../worker/src/fleet/rollup-store.ts";
import { RETENTION } from "../../worker/src/fleet/series.ts";

// Expectations below are worked from the list prices in docs/DESIGN.md, not read back from PRICES.
const GB = 1e9;

const ZERO: MonthlyUsage = {
  workerRequests: 0,
  doRequests: 0,
  wsMessagesIn: 0,
  doActiveSeconds: 0,
  d1RowsWritten: 0,
  doRowsWritten: 0,
  d1RowsRead: 0,
  doRowsRead: 0,
  doSqliteBytes: 0,
  d1Bytes: 0,
  ingestObjects: 1,
};

const NO_ROWS = { doRowsWritten: 0, doRowsRead: 0, d1RowsWritten: 0, d1RowsRead: 0 };

const RATES: MeasuredRates = {
  fleetDoRequestsPerS: 0.1,
  perHostS: { doRowsWritten: 1 / 120, doRowsRead: 0 },
  // 1,000 hosts are 64 groups: measured at the scenario's own group size, so no scaling.
  hostsPerGroup: 1000 / 64,
  perHostHour: NO_ROWS,
  perStream: { doRowsWritten: 2, doRowsRead: 1 },
  workerRequestsPerStream: 1,
  stored: { rawBytesPerHostDay: 0, d1BytesPerHostHour1m: 0, d1BytesPerHostDay1h: 0 },
};

const SCENARIO: Scenario = {
  hosts: 1000,
  intervalS: 5,
  viewers: 10,
  streamRotateS: 900,
  hellosPerHost: 30,
  connectionsPerViewer: 720,
  messagesInPerViewer: 129_600,
  cronRuns: 43_200,
  retention: { rawHours: 24, m1Hours: 720, h1Days: 730 },
  shardUpdatesPerS: 1,
};

const line = (b: ReturnType<typeof bill>, item: string) => b.lines.find((l) => l.item === item);
const storage = (b: ReturnType<typeof bill>, item: string) => b.storage.find((l) => l.item === item);

describe("cost model: operations", () => {
  it("charges only the $5 base while every item fits the allowance", () => {
    const b = bill({
      ...ZERO,
      workerRequests: 10e6,
      doRequests: 1e6,
      doRowsWritten: 50e6,
      doActiveSeconds: MONTH_S,
      doSqliteBytes: 5 * GB,
      d1Bytes: 5 * GB,
    });
    expect(b.totalUsd).toBe(5);
    // One DO active all month at 128 MB is 324,000 GB-s of the 400,000 included.
    expect(line(b, "doGbS")?.used).toBe(324_000);
  });

  it("prices overage per million at the list prices", () => {
    const b = bill({
      ...ZERO,
      workerRequests: 20e6,
      doRequests: 3e6,
      d1RowsWritten: 60e6,
      doRowsWritten: 52e6,
      doActiveSeconds: 4 * MONTH_S,
    });
    expect(line(b, "workerRequests")?.overageUsd).toBeCloseTo(3, 6);
    expect(line(b, "doRequests")?.overageUsd).toBeCloseTo(0.3, 6);
    expect(line(b, "d1RowsWritten")?.overageUsd).toBeCloseTo(10, 6);
    expect(line(b, "doRowsWritten")?.overageUsd).toBeCloseTo(2, 6);
    // 4 x 324,000 GB-s = 1,296,000; 896,000 over at $12.50/M.
    expect(line(b, "doGbS")?.overageUsd).toBeCloseTo(11.2, 6);
    expect(b.totalUsd).toBeCloseTo(5 + 3 + 0.3 + 10 + 2 + 11.2, 6);
  });

  it("bills incoming WebSocket messages as DO requests at 20:1", () => {
    const b = bill({ ...ZERO, doRequests: 1e6, wsMessagesIn: 20e6 });
    expect(line(b, "doRequests")?.used).toBe(2e6);
    expect(line(b, "doRequests")?.overageUsd).toBeCloseTo(0.15, 6);
  });

  it("scales rows per host-second and requests per stream rotation", () => {
    const u = monthlyUsage(RATES, SCENARIO);
    const streams = 1000 * (MONTH_S / 900); // 2,880,000
    expect(u.workerRequests).toBe(streams + 30_000 + 7_200 + 43_200);
    expect(u.doRequests).toBeCloseTo(streams + 30_000 + 7_200 + 43_200 + 0.1 * MONTH_S, 6);
    expect(u.doRowsWritten).toBeCloseTo((1000 * MONTH_S) / 120 + 2 * streams, 3);
    expect(u.doRowsRead).toBeCloseTo(streams, 3);
    expect(u.wsMessagesIn).toBe(1_296_000);
    expect(u.doActiveSeconds).toBe(MONTH_S);
  });
});

describe("cost model: storage", () => {
  it("charges nothing for storage up to the 5 GB included in each store", () => {
    const b = bill({ ...ZERO, doSqliteBytes: 4.9 * GB, d1Bytes: 5 * GB });
    expect(storage(b, "doSqlite")?.overageUsd).toBe(0);
    expect(storage(b, "d1")?.overageUsd).toBe(0);
    expect(b.totalUsd).toBe(5);
  });

  it("charges $0.20 per DO SQLite GB-month and $0.75 per D1 GB-month beyond 5 GB", () => {
    const b = bill({ ...ZERO, doSqliteBytes: 18 * GB, d1Bytes: 125 * GB });
    expect(storage(b, "doSqlite")?.storedGb).toBeCloseTo(18, 9);
    expect(storage(b, "doSqlite")?.overageUsd).toBeCloseTo((18 - 5) * 0.2, 9);
    expect(storage(b, "d1")?.overageUsd).toBeCloseTo((125 - 5) * 0.75, 9);
    expect(b.totalUsd).toBeCloseTo(5 + 13 * 0.2 + 120 * 0.75, 9);
  });

  it("needs one more D1 database for each started 10 GB", () => {
    expect(d1Databases(0)).toBe(1);
    expect(d1Databases(10 * GB)).toBe(1);
    expect(d1Databases(10 * GB + 1)).toBe(2);
    expect(d1Databases(117.5 * GB)).toBe(12);
    expect(bill({ ...ZERO, d1Bytes: 25 * GB }).d1Databases).toBe(3);
  });

  it("stores a day of raw window and every rollup kept, per host", () => {
    const b = bytesPerHost(
      { rawBytesPerHostDay: 2e6, d1BytesPerHostHour1m: 10e3, d1BytesPerHostDay1h: 20e3 },
      { rawHours: 24, m1Hours: 720, h1Days: 730 },
    );
    expect(b.doSqlite).toBe(2e6);
    expect(b.d1).toBe(720 * 10e3 + 730 * 20e3);
  });

  it("spreads the raw window over the shards, not the fleet's object", () => {
    const rates = {
      ...RATES,
      stored: { rawBytesPerHostDay: 2e6, d1BytesPerHostHour1m: 0, d1BytesPerHostDay1h: 0 },
    };
    const one = bill(monthlyUsage(rates, { ...SCENARIO, hosts: 10_000 }));
    const four = bill(monthlyUsage(rates, { ...SCENARIO, hosts: 10_000, shards: 4 }));
    // 10,000 hosts x 2 MB = 20 GB: over one object's 10 GB cap, 5 GB in each of 4 shards.
    expect(one.bytesPerObject).toBe(20 * GB);
    expect(four.bytesPerObject).toBe(5 * GB);
    expect(storage(four, "doSqlite")?.overageUsd).toBeCloseTo((20 - 5) * 0.2, 9);
  });
});

describe("cost model: rows from per-host-hour rates", () => {
  const hourly = steadyRowsPerHostHour({
    retention: { rawHours: 24, m1Hours: 720, h1Days: 730 },
    segmentsPerHostHour: 12,
    hostsPerGroup: 16,
    rowSpan: { m1Hours: 6, h1Days: 7 },
  });

  it("writes the hour into its 1 m and 1 h rows every host-hour, reading both first", () => {
    // Two upserts, plus the retention deletes of a full tier: a 1 m row every 6 h, a 1 h row a week.
    expect(hourly.d1RowsWritten).toBeCloseTo(2 + 1 / 6 + 1 / (24 * 7), 9);
  });

  it("counts the hourly prune's scan of every stored row, raw rows shared by a group", () => {
    expect(hourly.d1RowsRead).toBeCloseTo(2 + 720 / 6 + 730 / 7, 9);
    expect(hourly.doRowsRead).toBe(12 + (12 * 24) / 16);
    expect(hourly.doRowsWritten).toBe(12 / 16);
  });

  it("scales timer-driven rows by the priced fleet's group size", () => {
    const at = (hosts: number) =>
      monthlyUsage({ ...RATES, perStream: { doRowsWritten: 0, doRowsRead: 0 } }, { ...SCENARIO, hosts });
    // 1,000 hosts: 64 groups of 15.6; 10,000 hosts: 1,024 groups of 9.8, so more rows a host.
    expect(hostsPerGroup(1000)).toBeCloseTo(1000 / 64, 9);
    expect(hostsPerGroup(10_000)).toBeCloseTo(10_000 / 1024, 9);
    expect(at(1000).doRowsWritten).toBeCloseTo((1 / 120) * 1000 * MONTH_S, 3);
    expect(at(10_000).doRowsWritten).toBeCloseTo(
      (1 / 120) * (1000 / 64 / (10_000 / 1024)) * 10_000 * MONTH_S,
      3,
    );
  });

  it("multiplies per-host-hour rows by the hosts' hours in the month", () => {
    const u = monthlyUsage(
      {
        ...RATES,
        perHostS: { doRowsWritten: 0, doRowsRead: 0 },
        perStream: { doRowsWritten: 0, doRowsRead: 0 },
        perHostHour: { doRowsWritten: 3, doRowsRead: 5, d1RowsWritten: 2, d1RowsRead: 1 },
      },
      SCENARIO,
    );
    const hostHours = 1000 * 30 * 24; // 720,000
    expect(u.d1RowsWritten).toBeCloseTo(2 * hostHours, 6);
    expect(u.d1RowsRead).toBeCloseTo(hostHours, 6);
    expect(u.doRowsWritten).toBeCloseTo(3 * hostHours, 6);
    expect(u.doRowsRead).toBeCloseTo(5 * hostHours, 6);
    // 1.44 M D1 rows written fit the 50 M included.
    expect(line(bill(u), "d1RowsWritten")?.overageUsd).toBe(0);
  });

  it("bills D1 rows written beyond 50 M at $1 per million", () => {
    const u = monthlyUsage(
      { ...RATES, perHostHour: { ...NO_ROWS, d1RowsWritten: 2 } },
      { ...SCENARIO, hosts: 50_000 },
    );
    // 50,000 hosts x 720 h x 2 = 72 M rows: 22 M over.
    expect(line(bill(u), "d1RowsWritten")?.overageUsd).toBeCloseTo(22, 6);
  });
});

describe("cost model: shards", () => {
  it("keeps the fleet's object and every shard active, each adding 324,000 GB-s", () => {
    expect(activeObjects(SCENARIO)).toBe(1);
    expect(activeObjects({ ...SCENARIO, shards: 1 })).toBe(1);
    expect(activeObjects({ ...SCENARIO, shards: 4 })).toBe(5);
    const one = bill(monthlyUsage(RATES, SCENARIO));
    const four = bill(monthlyUsage(RATES, { ...SCENARIO, shards: 4 }));
    expect(line(one, "doGbS")?.used).toBeCloseTo(MONTH_S * 0.125, 6);
    expect(line(four, "doGbS")?.used).toBeCloseTo(5 * MONTH_S * 0.125, 6);
    // 1,620,000 GB-s: 1,220,000 over at $12.50/M.
    expect(line(four, "doGbS")?.overageUsd).toBeCloseTo(15.25, 6);
  });

  it("adds each shard's alarms, its coalesced updates and the Hello registrations as DO requests", () => {
    const one = monthlyUsage(RATES, { ...SCENARIO, hosts: 10_000 });
    const four = monthlyUsage(RATES, { ...SCENARIO, hosts: 10_000, shards: 4 });
    const alarms = 4 * 0.1 * MONTH_S; // four more objects at 0.1 alarm/s
    const updates = 4 * 1 * MONTH_S; // 2,500 hosts at 5 s change every second: one update a second each
    const registrations = 10_000 * 30;
    expect(four.doRequests - one.doRequests).toBeCloseTo(alarms + updates + registrations, 3);
    expect(four.workerRequests).toBe(one.workerRequests);
  });

  it("sends a small shard's updates only as often as its hosts report", () => {
    const u = monthlyUsage({ ...RATES, fleetDoRequestsPerS: 0 }, { ...SCENARIO, hosts: 8, shards: 4 });
    const base = monthlyUsage({ ...RATES, fleetDoRequestsPerS: 0 }, { ...SCENARIO, hosts: 8 });
    // 2 hosts a shard at 5 s: 0.4 updates a second, not 1.
    expect(u.doRequests - base.doRequests).toBeCloseTo(4 * 0.4 * MONTH_S + 8 * 30, 3);
  });
});

describe("cost model: hub defaults", () => {
  it("assumes the hub's retention, raw flush and shard update cadences", () => {
    expect(HUB_DEFAULTS.retention.rawHours * HOUR_MS).toBe(RETENTION.raw);
    expect(HUB_DEFAULTS.retention.m1Hours * HOUR_MS).toBe(RETENTION["1m"]);
    expect(HUB_DEFAULTS.retention.h1Days * DAY_MS).toBe(RETENTION["1h"]);
    expect(HUB_DEFAULTS.segmentsPerHostHour).toBe(HOUR_MS / RAW_FLUSH_AGE_MS);
    expect(HUB_DEFAULTS.rowSpan.m1Hours * HOUR_MS).toBe(ROW_SPAN_MS["1m"]);
    expect(HUB_DEFAULTS.rowSpan.h1Days * DAY_MS).toBe(ROW_SPAN_MS["1h"]);
    expect(HUB_DEFAULTS.shardUpdatesPerS).toBe(1000 / BROADCAST_INTERVAL_MS);
  });
});
