/**
 * Cloudflare Workers Paid list prices (docs/DESIGN.md: Workers, Durable
 * Objects, D1 and DO SQLite) and the monthly bill they give. Pure:
 * `bench/cost.ts` feeds it counted operations and measured bytes.
 */
import { groupCount } from "../../worker/src/fleet/host-groups.ts";

/** Seconds in the 30-day month Cloudflare bills. */
export const MONTH_S = 30 * 24 * 3600;
/** Cloudflare bills storage in decimal gigabytes. */
export const GB = 1e9;

export const PRICES = {
  baseUsd: 5,
  included: {
    workerRequests: 10e6,
    doRequests: 1e6,
    doGbS: 400e3,
    d1RowsWritten: 50e6,
    doRowsWritten: 50e6,
    d1RowsRead: 25e9,
    doRowsRead: 25e9,
  },
  /** USD per million units beyond the included amount. */
  overagePerM: {
    workerRequests: 0.3,
    doRequests: 0.15,
    doGbS: 12.5,
    d1RowsWritten: 1,
    doRowsWritten: 1,
    // Not in DESIGN.md: Cloudflare's list price for rows read beyond 25 B is $0.001/M.
    d1RowsRead: 0.001,
    doRowsRead: 0.001,
  },
  /** Bytes stored, per GB-month beyond the included GB (account-wide, not per object or database). */
  storage: {
    doSqlite: { includedGb: 5, usdPerGbMonth: 0.2 },
    d1: { includedGb: 5, usdPerGbMonth: 0.75 },
  },
  /** Hard caps: a bigger D1 or object does not exist, so more of them must. */
  limits: { d1DatabaseBytes: 10 * GB, doObjectBytes: 10 * GB },
  /** Incoming WebSocket messages bill as DO requests at 20:1. */
  wsMessagesPerDoRequest: 20,
  /** A Durable Object's billed memory, whatever it uses. */
  doMemoryGb: 0.125,
} as const;

export type BillItem = keyof typeof PRICES.included;
export type StorageItem = keyof typeof PRICES.storage;

/** A month of billable operations, and the bytes stored at steady state. */
export interface MonthlyUsage {
  workerRequests: number;
  /** DO requests excluding WebSocket messages. */
  doRequests: number;
  wsMessagesIn: number;
  /** Seconds a DO is active (not hibernated), summed over objects. */
  doActiveSeconds: number;
  d1RowsWritten: number;
  doRowsWritten: number;
  d1RowsRead: number;
  doRowsRead: number;
  /** DO SQLite bytes held at full retention, summed over objects. */
  doSqliteBytes: number;
  /** D1 bytes held at full retention, summed over databases. */
  d1Bytes: number;
  /** Objects the hosts (and so the DO SQLite bytes) are spread over. */
  ingestObjects: number;
}

export interface BillLine {
  item: BillItem;
  included: number;
  used: number;
  overageUsd: number;
}

export interface StorageLine {
  item: StorageItem;
  storedGb: number;
  includedGb: number;
  overageUsd: number;
}

export interface Bill {
  lines: BillLine[];
  storage: StorageLine[];
  /** D1 databases the stored bytes need (10 GB each); extra ones cost nothing but must exist. */
  d1Databases: number;
  /** DO SQLite bytes of the fullest ingest object, against the 10 GB per-object cap. */
  bytesPerObject: number;
  baseUsd: number;
  totalUsd: number;
}

/** D1 databases needed to hold `bytes` under the 10 GB per-database cap (at least one). */
export function d1Databases(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / PRICES.limits.d1DatabaseBytes));
}

/** The storage line of `bytes` held all month in `item`. */
export function storageLine(item: StorageItem, bytes: number): StorageLine {
  const p = PRICES.storage[item];
  const storedGb = bytes / GB;
  return {
    item,
    storedGb,
    includedGb: p.includedGb,
    overageUsd: Math.max(0, storedGb - p.includedGb) * p.usdPerGbMonth,
  };
}

/** The monthly bill of `u` on Workers Paid. */
export function bill(u: MonthlyUsage): Bill {
  const used: Record<BillItem, number> = {
    workerRequests: u.workerRequests,
    doRequests: u.doRequests + u.wsMessagesIn / PRICES.wsMessagesPerDoRequest,
    doGbS: u.doActiveSeconds * PRICES.doMemoryGb,
    d1RowsWritten: u.d1RowsWritten,
    doRowsWritten: u.doRowsWritten,
    d1RowsRead: u.d1RowsRead,
    doRowsRead: u.doRowsRead,
  };
  const lines = (Object.keys(PRICES.included) as BillItem[]).map((item) => {
    const over = Math.max(0, used[item] - PRICES.included[item]);
    return {
      item,
      included: PRICES.included[item],
      used: used[item],
      overageUsd: (over / 1e6) * PRICES.overagePerM[item],
    };
  });
  const storage = [storageLine("doSqlite", u.doSqliteBytes), storageLine("d1", u.d1Bytes)];
  const overage = [...lines, ...storage].reduce((s, l) => s + l.overageUsd, 0);
  return {
    lines,
    storage,
    d1Databases: d1Databases(u.d1Bytes),
    bytesPerObject: u.doSqliteBytes / Math.max(1, u.ingestObjects),
    baseUsd: PRICES.baseUsd,
    totalUsd: PRICES.baseUsd + overage,
  };
}

/** Average hosts per group in a fleet (object) of `hosts`: groups share rows (worker/src/fleet/host-groups.ts). */
export function hostsPerGroup(hosts: number): number {
  return Math.max(1, hosts) / groupCount(hosts);
}

/** How long each stored tier is kept (the hub's defaults: worker/src/fleet/series.ts RETENTION). */
export interface Retention {
  rawHours: number;
  m1Hours: number;
  h1Days: number;
}

/**
 * The hub's defaults the bill assumes: retention (worker/src/fleet/series.ts
 * RETENTION), one raw segment per host per RAW_FLUSH_AGE_MS (300 s,
 * worker/src/fleet/raw-window.ts), one shard update per BROADCAST_INTERVAL_MS
 * (1 s, worker/src/fleet/broadcaster.ts). Copied because bench/ neither
 * type-checks with the Workers types those modules need nor runs them
 * (Node strips types only); tests/unit/bench-cost.test.ts fails when they drift.
 */
export const HUB_DEFAULTS = {
  retention: { rawHours: 24, m1Hours: 30 * 24, h1Days: 2 * 365 } satisfies Retention,
  segmentsPerHostHour: 3600 / 300,
  shardUpdatesPerS: 1,
  /** Hours of 1 m points and days of 1 h points per D1 row (worker/src/fleet/rollup-store.ts ROW_SPAN_MS). */
  rowSpan: { m1Hours: 6, h1Days: 7 },
} as const;

/** Bytes on disk per host and tier, measured by `bench/storage` (pages, b-tree overhead included). */
export interface StoredPerHost {
  /** DO SQLite bytes of one host-day of raw samples. */
  rawBytesPerHostDay: number;
  /** D1 bytes of an hour of one host's 1 m rollups. */
  d1BytesPerHostHour1m: number;
  /** D1 bytes of a day of one host's 1 h rollups. */
  d1BytesPerHostDay1h: number;
}

/** Bytes one host keeps at full retention: the raw window in DO SQLite, both rollup tiers in D1. */
export function bytesPerHost(b: StoredPerHost, r: Retention): { doSqlite: number; d1: number } {
  return {
    doSqlite: (b.rawBytesPerHostDay * r.rawHours) / 24,
    d1: b.d1BytesPerHostHour1m * r.m1Hours + b.d1BytesPerHostDay1h * r.h1Days,
  };
}

/** Rows one host costs per hour of its life. */
export interface RowsPerHostHour {
  doRowsWritten: number;
  doRowsRead: number;
  d1RowsWritten: number;
  d1RowsRead: number;
}

/** The hub's hourly work per host, at steady state (every tier full). */
export interface HourlyWork {
  retention: Retention;
  /** Raw rows a group of hosts writes an hour (one per raw flush). */
  segmentsPerHostHour: number;
  /** Hosts sharing a raw row (worker/src/fleet/host-groups.ts). */
  hostsPerGroup: number;
  /** What one D1 row of each tier holds: hours of 1 m points, days of 1 h points. */
  rowSpan: { m1Hours: number; h1Days: number };
}

/**
 * Rows per host-hour that a window shorter than an hour (or a day) cannot
 * see: closing the hour into D1, and pruning each tier once it is full.
 * Both prunes run hourly and filter on time, which no key leads with, so
 * each scans its whole table (every host's rows, every hour).
 */
export function steadyRowsPerHostHour(w: HourlyWork): RowsPerHostHour {
  const { retention: r, segmentsPerHostHour: seg, hostsPerGroup: g, rowSpan: span } = w;
  return {
    // The hour written into its 1 m row and its week's 1 h row (upserts); the
    // prune deletes a 1 m row every span and a 1 h row every span of days.
    d1RowsWritten: 2 + 1 / span.m1Hours + 1 / (24 * span.h1Days),
    // Both rows read before they are rewritten, and the prune's scan of both tables.
    d1RowsRead: 2 + r.m1Hours / span.m1Hours + r.h1Days / span.h1Days,
    // The prune deletes the group rows that leave the raw window as fast as
    // new ones arrive (pending rollup hours are one row per hour of the fleet: nothing per host).
    doRowsWritten: seg / g,
    // The host's group rows of the hour, read to roll it up; the prune's scan of the window.
    doRowsRead: seg + (seg * r.rawHours) / g,
  };
}

/**
 * What drives each operation, measured through the real hub (`perHostS`,
 * `perStream`, `fleetDoRequestsPerS`) or by `bench/storage` (`stored`), and
 * modelled where a short window cannot see it (`perHostHour`): the DO's
 * own periodic work (alarms) per object-second; packed row writes and reads
 * per host-second (flush cadences are timers, not sample counts); stream
 * rotation per stream; viewers per connection.
 */
export interface MeasuredRates {
  /** DO requests per second of an object's life that no client made (alarms). */
  fleetDoRequestsPerS: number;
  /** Measured at `hostsPerGroup` hosts a row: scaled to the priced fleet's groups. */
  perHostS: { doRowsWritten: number; doRowsRead: number };
  /** Hosts per group (rows shared) in the fleet `perHostS` was measured on. */
  hostsPerGroup: number;
  perHostHour: RowsPerHostHour;
  /** Operations of one stream's end-of-stream commit, per stream. */
  perStream: { doRowsWritten: number; doRowsRead: number };
  /** Worker requests (and DO requests) per stream opened. */
  workerRequestsPerStream: number;
  stored: StoredPerHost;
}

/** How the fleet runs for a month. */
export interface Scenario {
  hosts: number;
  intervalS: number;
  viewers: number;
  /** An agent rotates its stream this often (hub config). */
  streamRotateS: number;
  /** Hellos per host per month (agent restarts and reconnects). */
  hellosPerHost: number;
  /** Dashboard connections per viewer per month (reconnects). */
  connectionsPerViewer: number;
  /** Incoming messages per viewer per month (keep-alive pings, resyncs). */
  messagesInPerViewer: number;
  /** Cron runs a month: each is a Worker invocation and one DO request to the fleet's object (alerts). */
  cronRuns: number;
  retention: Retention;
  /** Ingest shards (FLEET_SHARDS); absent or 1 keeps every host in the fleet's object. */
  shards?: number;
  /** Most updates a second one shard sends the fleet's object (coalesced host views). */
  shardUpdatesPerS: number;
}

/**
 * Objects active all month: the fleet's object, and each ingest shard when
 * there are several. Streams (and shard updates) never let one hibernate.
 */
export function activeObjects(s: Scenario): number {
  const shards = s.shards ?? 1;
  return shards > 1 ? shards + 1 : 1;
}

/** A month of operations and steady-state bytes for `s`, scaled from `r`. */
export function monthlyUsage(r: MeasuredRates, s: Scenario): MonthlyUsage {
  const shards = s.shards ?? 1;
  const sharded = shards > 1;
  const objects = activeObjects(s);
  const streams = s.hosts * (MONTH_S / s.streamRotateS);
  const hostS = s.hosts * MONTH_S;
  const hostHours = hostS / 3600;
  const hellos = s.hosts * s.hellosPerHost;
  const clientRequests = streams * r.workerRequestsPerStream + hellos;
  const viewerRequests = s.viewers * s.connectionsPerViewer;
  // A shard forwards changed host views at most `shardUpdatesPerS`, and only as often as its hosts change.
  const shardUpdates = sharded
    ? shards * Math.min(s.shardUpdatesPerS, s.hosts / shards / s.intervalS) * MONTH_S
    : 0;
  // A sharded fleet's Hello reaches the fleet's object, which registers the host in its shard (one RPC).
  const registrations = sharded ? hellos : 0;
  const stored = bytesPerHost(r.stored, s.retention);
  // Timer-driven rows are written per group of hosts: fewer hosts a group, more rows a host.
  const groupScale = r.hostsPerGroup / hostsPerGroup(sharded ? Math.ceil(s.hosts / shards) : s.hosts);
  return {
    workerRequests: clientRequests + viewerRequests + s.cronRuns,
    // Each Worker request of a stream, a Hello or a socket is one DO request too.
    doRequests:
      clientRequests +
      viewerRequests +
      s.cronRuns +
      r.fleetDoRequestsPerS * MONTH_S * objects +
      shardUpdates +
      registrations,
    wsMessagesIn: s.viewers * s.messagesInPerViewer,
    doActiveSeconds: objects * MONTH_S,
    d1RowsWritten: r.perHostHour.d1RowsWritten * hostHours,
    doRowsWritten:
      r.perHostS.doRowsWritten * groupScale * hostS +
      r.perHostHour.doRowsWritten * hostHours +
      r.perStream.doRowsWritten * streams,
    d1RowsRead: r.perHostHour.d1RowsRead * hostHours,
    doRowsRead:
      r.perHostS.doRowsRead * groupScale * hostS +
      r.perHostHour.doRowsRead * hostHours +
      r.perStream.doRowsRead * streams,
    doSqliteBytes: s.hosts * stored.doSqlite,
    d1Bytes: s.hosts * stored.d1,
    ingestObjects: shards,
  };
}
