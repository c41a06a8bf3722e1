import { Buffer } from "node:buffer";
import { and, eq, gte, inArray, lt, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { type HistoryDatabases, historyDatabase, placeHosts } from "../db/history";
import { rollups1h, rollups1m } from "../db/schema";
import { type Check, tryDecodeStored } from "../db/stored-json";
import type { RawWindow } from "./raw-window";
import {
  type Agg,
  bucketStart,
  combine,
  DAY_MS,
  decodeRollupBlocks,
  encodeRollupBlocks,
  HOUR_MS,
  MINUTE_MS,
  type RollupPoint,
  rollupRaw,
  seriesFamily,
  unpackPoints,
  unpackRollupRow,
  upsertPoint,
} from "./rollup";
import type { Sql, Usage } from "./usage";

/** Checks a `rollup_hours` row's host list. */
const checkHostList: Check<string[]> = (v) => {
  if (!Array.isArray(v) || !v.every((h) => typeof h === "string"))
    throw new Error("expected an array of host ids");
  return v as string[];
};

/** An hour is rolled up this long after it ends, so in-flight samples make it in. */
export const ROLLUP_GRACE_MS = 2 * MINUTE_MS;
/** D1 allows 100 bound parameters per statement. */
const PARAM_CHUNK = 90;

/** One host's closed hour (its start). */
type HostHour = { host: string; hour: number };

/** The tiers stored in D1. */
type RowTier = "1m" | "1h";

/**
 * What one stored row covers: a host's 1m points of 6 hours (~50 KB on the
 * corpus), its 1h points of a week (~30 KB). Rows this size fill D1's pages
 * (a row of a few KB leaves much of its page empty: the 1h rows of a day
 * took twice their bytes on disk), and a year at 1 h is 53 rows, not 365.
 * Earlier versions wrote an hour of 1m and a day of 1h per row: those are
 * read, and folded into the longer row when their span is next written.
 */
export const ROW_SPAN_MS: Record<RowTier, number> = { "1m": 6 * HOUR_MS, "1h": 7 * DAY_MS };

/** A span's stored points, and the starts of an earlier version's shorter rows in it. */
type StoredSpan = { points: RollupPoint[]; legacy: number[] };

/** `host|start` back into its parts (a host id may hold '|'; the start never does). */
function splitKey(key: string): [string, string] {
  const bar = key.lastIndexOf("|");
  return [key.slice(0, bar), key.slice(bar + 1)];
}

/**
 * Tracks which (host, hour) pairs have samples not yet rolled up into D1,
 * and writes their 1m rows (one per host per hour) and 1h rows (one per host
 * per day). The set lives in DO SQLite so an eviction loses nothing: one row
 * per hour listing its hosts (`rollup_hours`), written when the hour gains
 * a host (in practice as it begins) and when its rollups are written, so
 * rows written scale per hour, not per host. Late samples for an hour
 * already written mark it again and it is rewritten. Pairs of the per-pair
 * table of earlier versions (`rollup_pending`) are read and cleared.
 */
export class RollupStore {
  /** host -> hour starts pending; `true` once the pair is persisted. */
  private readonly dirty = new Map<string, Map<number, boolean>>();
  /** hour -> hosts pending in it: the content of its `rollup_hours` row. */
  private readonly byHour = new Map<number, Set<string>>();
  /** Hours whose row no longer matches `byHour`. */
  private readonly changedHours = new Set<number>();
  /** Whether pairs of the per-pair table remain. */
  private legacy = false;
  /** host -> binding of the database its rollups are placed in (placements never change). */
  private readonly placed = new Map<string, string>();

  constructor(
    private readonly sql: Sql,
    private readonly raw: RawWindow,
    private readonly usage: Usage,
  ) {}

  static migrate(sql: Sql): void {
    sql.exec(`CREATE TABLE IF NOT EXISTS rollup_pending (
      host_id TEXT NOT NULL,
      hour INTEGER NOT NULL,
      PRIMARY KEY (host_id, hour)
    ) WITHOUT ROWID`);
    sql.exec("CREATE TABLE IF NOT EXISTS rollup_hours (hour INTEGER PRIMARY KEY, hosts TEXT NOT NULL)");
  }

  load(): void {
    for (const r of this.sql.exec<{ host_id: string; hour: number }>(
      "SELECT host_id, hour FROM rollup_pending",
    )) {
      this.legacy = true;
      this.add(r.host_id, r.hour, true);
    }
    for (const r of this.sql.exec<{ hour: number; hosts: string }>("SELECT hour, hosts FROM rollup_hours")) {
      const hosts = tryDecodeStored(r.hosts, checkHostList, `rollup_hours row ${r.hour}`);
      if (!hosts.ok) {
        // The hour's raw samples stay in the window; only its rollup is missed.
        console.error(`${hosts.error.message}; hour not rolled up`);
        continue;
      }
      for (const host of hosts.value) this.add(host, r.hour, true);
    }
  }

  /** Notes that a sample at `t` landed for a host. */
  mark(hostId: string, t: number): void {
    const hour = bucketStart(t, HOUR_MS);
    if (this.dirty.get(hostId)?.has(hour)) return;
    this.add(hostId, hour, false);
    this.changedHours.add(hour);
  }

  private add(host: string, hour: number, saved: boolean): void {
    this.hostHours(host).set(hour, saved);
    const hosts = this.byHour.get(hour);
    if (hosts) hosts.add(host);
    else this.byHour.set(hour, new Set([host]));
  }

  private remove(host: string, hour: number): void {
    this.dirty.get(host)?.delete(hour);
    const hosts = this.byHour.get(hour);
    hosts?.delete(host);
    if (hosts?.size === 0) this.byHour.delete(hour);
    this.changedHours.add(hour);
    if (this.legacy) this.sql.exec("DELETE FROM rollup_pending WHERE host_id = ? AND hour = ?", host, hour);
  }

  /** Persists the hours whose hosts changed (called inside the DO's commits): one row each. */
  persist(): void {
    for (const hour of this.changedHours) {
      const hosts = this.byHour.get(hour);
      if (hosts === undefined) this.sql.exec("DELETE FROM rollup_hours WHERE hour = ?", hour);
      else {
        this.sql.exec(
          "INSERT INTO rollup_hours (hour, hosts) VALUES (?, ?) ON CONFLICT (hour) DO UPDATE SET hosts = excluded.hosts",
          hour,
          JSON.stringify([...hosts]),
        );
        for (const host of hosts) this.dirty.get(host)?.set(hour, true);
      }
    }
    this.changedHours.clear();
  }

  /** Hours of a host whose data is not (or not fully) in D1 yet. */
  pendingHours(hostId: string): number[] {
    return [...(this.dirty.get(hostId)?.keys() ?? [])];
  }

  /** Whether any closed hour waits to be written. */
  hasDue(now: number): boolean {
    for (const hours of this.dirty.values())
      for (const h of hours.keys()) if (h + HOUR_MS + ROLLUP_GRACE_MS <= now) return true;
    return false;
  }

  /** Earliest time a pending hour becomes due. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const hours of this.dirty.values()) {
      for (const h of hours.keys()) {
        const due = h + HOUR_MS + ROLLUP_GRACE_MS;
        next = next === undefined ? due : Math.min(next, due);
      }
    }
    return next;
  }

  /** (host, hour) pairs not yet written to D1. */
  pendingCount(): number {
    let n = 0;
    for (const hours of this.dirty.values()) n += hours.size;
    return n;
  }

  /** Start of the oldest hour not yet written to D1: the raw window keeps it until then. */
  oldestPending(): number | undefined {
    let oldest: number | undefined;
    for (const hours of this.dirty.values())
      for (const h of hours.keys()) oldest = oldest === undefined ? h : Math.min(oldest, h);
    return oldest;
  }

  forget(hostId: string): void {
    for (const hour of this.pendingHours(hostId)) this.remove(hostId, hour);
    this.dirty.delete(hostId);
    this.persist();
  }

  /**
   * Writes every closed pending hour to D1: its 1m row, and its point in the
   * day's 1h row, in the database its host is placed in (a host is placed,
   * and the placement recorded, on its first flush: db/history.ts). `db` is
   * the primary database, which holds the placement record; `history` the
   * databases rollups may live in (`historyDatabases(env)`). Returns the
   * number of (host, hour) pairs written. A D1 failure leaves the pairs of
   * that database pending for the next alarm (the other databases' are
   * written) and is thrown, naming the database.
   */
  async flush(
    db: DrizzleD1Database,
    fleetId: string,
    now: number,
    history: HistoryDatabases,
  ): Promise<number> {
    const due: HostHour[] = [];
    for (const [host, hours] of this.dirty) {
      for (const hour of hours.keys()) if (hour + HOUR_MS + ROLLUP_GRACE_MS <= now) due.push({ host, hour });
    }
    if (due.length === 0) return 0;

    const minutes = new Map<string, RollupPoint[]>();
    for (const d of due) {
      minutes.set(
        `${d.host}|${d.hour}`,
        rollupRaw(this.raw.range(d.host, d.hour, d.hour + HOUR_MS - 1), MINUTE_MS),
      );
    }
    const byDatabase = await this.placeDue(db, history, fleetId, due, now);
    let written = 0;
    let failure: Error | undefined;
    for (const [name, hostHours] of byDatabase) {
      try {
        await this.write(historyDatabase(history, name), fleetId, hostHours, minutes);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        failure ??= new Error(`rollups to ${name}: ${message}`, { cause: e });
        continue;
      }
      for (const d of hostHours) this.remove(d.host, d.hour);
      written += hostHours.length;
    }
    this.persist();
    if (failure) throw failure;
    return written;
  }

  /**
   * The due pairs grouped by the database of their host (by binding name),
   * placing hosts on their first flush. Placements never change, so those
   * found are kept for the object's life and read from D1 once.
   */
  private async placeDue(
    primary: DrizzleD1Database,
    databases: HistoryDatabases,
    fleetId: string,
    due: HostHour[],
    now: number,
  ): Promise<Map<string, HostHour[]>> {
    const unknown = [...new Set(due.map((d) => d.host))].filter((h) => !this.placed.has(h));
    if (unknown.length > 0) {
      const found = await placeHosts(primary, databases, fleetId, unknown, now, this.usage);
      for (const [host, name] of found) this.placed.set(host, name);
    }
    const out = new Map<string, HostHour[]>();
    for (const d of due) {
      const name = this.placed.get(d.host);
      if (name === undefined) throw new Error(`host ${d.host} of ${fleetId} could not be placed`);
      const group = out.get(name) ?? [];
      group.push(d);
      out.set(name, group);
    }
    return out;
  }

  /**
   * Writes the closed hours of `due` into their rows, in one database:
   * each hour's 1m points replace that hour in its host's 6 h row, its 1h
   * point goes into its host's week row (read, changed, written back).
   * Rows of the shorter spans earlier versions wrote (an hour of 1m, a day
   * of 1h) that fall in a touched span are folded into it and deleted in
   * the same batch, so a point is never in two rows.
   */
  private async write(
    db: DrizzleD1Database,
    fleetId: string,
    due: HostHour[],
    minutes: Map<string, RollupPoint[]>,
  ): Promise<void> {
    const spans = {
      "1m": await this.readSpans(db, "1m", fleetId, due),
      "1h": await this.readSpans(db, "1h", fleetId, due),
    };
    const touched = { "1m": new Set<string>(), "1h": new Set<string>() };
    const span = (tier: RowTier, host: string, hour: number): StoredSpan => {
      const key = `${host}|${bucketStart(hour, ROW_SPAN_MS[tier])}`;
      touched[tier].add(key);
      let s = spans[tier].get(key);
      if (!s) {
        s = { points: [], legacy: [] };
        spans[tier].set(key, s);
      }
      return s;
    };
    for (const d of due) {
      const points = minutes.get(`${d.host}|${d.hour}`) ?? [];
      if (points.length === 0) continue;
      const m = span("1m", d.host, d.hour);
      m.points = [...m.points.filter((p) => p.t < d.hour || p.t >= d.hour + HOUR_MS), ...points].sort(
        (a, b) => a.t - b.t,
      );
      const [hourPoint] = combine(points, HOUR_MS);
      if (!hourPoint) continue;
      const h = span("1h", d.host, d.hour);
      h.points = upsertPoint(h.points, hourPoint);
    }
    // Each span's write and the deletes of the rows it replaces go in one batch (one transaction).
    const groups: BatchItem<"sqlite">[][] = [];
    for (const tier of ["1m", "1h"] as const) {
      const t = tier === "1m" ? rollups1m : rollups1h;
      for (const key of touched[tier]) {
        const s = spans[tier].get(key) as StoredSpan;
        const [host, startText] = splitKey(key);
        const start = Number(startText);
        groups.push([
          db
            .insert(t)
            .values({ fleetId, hostId: host, start, ...storedRow(s.points) })
            .onConflictDoUpdate({
              target: [t.fleetId, t.hostId, t.start],
              // The row is bound once: the update takes the inserted values (and
              // empties the text of a row an older version wrote).
              set: { data: sql`excluded.data`, idx: sql`excluded.idx`, points: sql`excluded.points` },
            }),
          ...s.legacy.map((old) =>
            db.delete(t).where(and(eq(t.fleetId, fleetId), eq(t.hostId, host), eq(t.start, old))),
          ),
        ]);
      }
    }
    let batch: BatchItem<"sqlite">[] = [];
    const send = async () => {
      const [first, ...rest] = batch;
      if (first) await db.batch([first, ...rest]);
      this.usage.d1RowsWritten += batch.length;
      batch = [];
    };
    for (const g of groups) {
      if (batch.length > 0 && batch.length + g.length > 50) await send();
      batch.push(...g);
    }
    await send();
  }

  /**
   * The stored rows of the spans `due` touches in one tier, by
   * `host|span start`: their points merged (the span's own row wins over
   * rows of an earlier version's shorter span), and the starts of those
   * shorter rows, which the write deletes.
   */
  private async readSpans(
    db: DrizzleD1Database,
    tier: RowTier,
    fleetId: string,
    due: HostHour[],
  ): Promise<Map<string, StoredSpan>> {
    const t = tier === "1m" ? rollups1m : rollups1h;
    const length = ROW_SPAN_MS[tier];
    const bySpan = new Map<number, Set<string>>();
    for (const d of due) {
      const start = bucketStart(d.hour, length);
      const hosts = bySpan.get(start) ?? new Set();
      hosts.add(d.host);
      bySpan.set(start, hosts);
    }
    const out = new Map<string, StoredSpan>();
    for (const [start, hostSet] of bySpan) {
      const hosts = [...hostSet];
      for (let i = 0; i < hosts.length; i += PARAM_CHUNK) {
        const rows = await db
          .select({ hostId: t.hostId, start: t.start, data: dataHex(t), idx: t.idx, points: t.points })
          .from(t)
          .where(
            and(
              eq(t.fleetId, fleetId),
              gte(t.start, start),
              lt(t.start, start + length),
              inArray(t.hostId, hosts.slice(i, i + PARAM_CHUNK)),
            ),
          );
        this.usage.d1RowsRead += rows.length;
        const merged = new Map<string, { own: RollupPoint[]; older: RollupPoint[]; legacy: number[] }>();
        for (const r of rows) {
          const m = merged.get(r.hostId) ?? { own: [], older: [], legacy: [] };
          merged.set(r.hostId, m);
          // Read whole, binary or the JSON of an older version: it is written back binary.
          const points = rowPoints(r, `rollups_${tier} (${fleetId}, ${r.hostId}, ${r.start})`);
          if (r.start === start) m.own = points;
          else {
            m.older.push(...points);
            m.legacy.push(r.start);
          }
        }
        for (const [host, m] of merged) {
          const byTime = new Map<number, RollupPoint>();
          for (const p of [...m.older, ...m.own]) byTime.set(p.t, p);
          const points = [...byTime.values()].sort((a, b) => a.t - b.t);
          out.set(`${host}|${start}`, { points, legacy: m.legacy });
        }
      }
    }
    return out;
  }

  private hostHours(hostId: string): Map<number, boolean> {
    let h = this.dirty.get(hostId);
    if (!h) {
      h = new Map();
      this.dirty.set(hostId, h);
    }
    return h;
  }
}

/** The columns of a rollup row as written now: blocks per series family, their index, the legacy text emptied. */
function storedRow(points: RollupPoint[]): { data: Uint8Array; idx: string; points: string } {
  const { data, idx } = encodeRollupBlocks(points);
  return { data, idx, points: "" };
}

/**
 * One series family's block of a row, cut by SQL with the offsets of the
 * row's index, as hex ('' when the row lacks the family); a row of one
 * table (no index) whole; NULL for legacy text rows. `family` must not hold
 * a character the JSON path syntax cannot quote (see `seriesPath`).
 */
function familyHex(t: typeof rollups1m | typeof rollups1h, family: string) {
  const at = `$."${family}"`;
  return sql<string | null>`CASE WHEN ${t.data} IS NULL THEN NULL
    WHEN ${t.idx} IS NULL THEN hex(${t.data})
    ELSE hex(substr(${t.data}, json_extract(${t.idx}, ${`${at}[0]`}) + 1, json_extract(${t.idx}, ${`${at}[1]`}))) END`;
}

/**
 * A row's binary column as hex text (NULL for legacy rows). D1 hands a BLOB
 * to the Worker as a JSON array of numbers (~3.6 characters a byte, then an
 * array of that many elements to build); hex is 2 characters a byte and
 * parses as one string. Measured with three real hubs side by side (24 h at
 * 1 m of a realistic host, 120 interleaved queries): p50 52 ms reading the
 * BLOB, 42 ms reading hex; 38 ms for JSON text rows cut down in SQL.
 */
function dataHex(t: typeof rollups1m | typeof rollups1h) {
  return sql<string | null>`CASE WHEN ${t.data} IS NULL THEN NULL ELSE hex(${t.data}) END`;
}

/**
 * Bytes of SQLite's `hex()` text (node:buffer's native decoder: ~10x a JS
 * loop on a 1h row). Throws a RangeError on text that is not hex.
 */
export function fromHex(hex: string): Uint8Array {
  const bytes = Buffer.from(hex, "hex");
  // Buffer stops at the first character that is not hex.
  if (bytes.length * 2 !== hex.length) throw new RangeError(`not hex at ${bytes.length * 2}`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * A stored row as read: `data` as hex (`dataHex`, or one family's block
 * cut by `familyHex` when `cut` is 1), its block index when read whole,
 * and the legacy text.
 */
interface ReadRow {
  data: string | null;
  points: string | null;
  idx?: string | null;
  cut?: number;
}

/**
 * Points of a stored row: the binary row (in blocks with its index, one
 * family's block cut by SQL, or one table), else the JSON text of an older
 * version (packed or point-per-object). A row that does not decode is
 * logged and reads as no points. With `metric`, only that series.
 */
function rowPoints(row: ReadRow, where: string, metric?: string): RollupPoint[] {
  if (row.data === null) return unpackPoints(row.points ?? "", where);
  let bytes: Uint8Array;
  try {
    bytes = fromHex(row.data);
  } catch (e) {
    console.error(`${where}: ${e instanceof Error ? e.message : String(e)}; read as no points`);
    return [];
  }
  // One family's block, or nothing when the row lacks the family.
  if (row.cut) return bytes.length === 0 ? [] : unpackRollupRow(bytes, where, metric);
  if (row.idx === null || row.idx === undefined) return unpackRollupRow(bytes, where, metric);
  try {
    const points = decodeRollupBlocks(bytes, row.idx);
    if (metric === undefined) return points;
    return points.map((p) => ({ t: p.t, n: p.n, v: p.v[metric] ? { [metric]: p.v[metric] as Agg } : {} }));
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    console.error(`${where}: ${e.message}; read as no points`);
    return [];
  }
}

/**
 * The JSON path of one series in a legacy text row (`$.s."cpu"`), or null
 * when the name holds a character the path syntax cannot quote.
 */
function seriesPath(metric: string): string | null {
  return /["\\]/.test(metric) ? null : `$.s."${metric}"`;
}

/**
 * Reads rollup rows of one host overlapping [from, to]. With `metric`,
 * SQLite cuts a row in blocks down to the series' family block (and a
 * legacy text row to that series, one JSON path into the columnar text),
 * and only that series' columns are decoded (the others are skipped
 * unread), so a year's query moves and decodes one family instead of
 * every series of the host.
 */
export async function readRollups(
  db: DrizzleD1Database,
  table: "1m" | "1h",
  fleetId: string,
  hostId: string,
  from: number,
  to: number,
  metric?: string,
): Promise<RollupPoint[]> {
  const found = await readRollupsOf(db, table, fleetId, [hostId], from, to, metric);
  return found.get(hostId) ?? [];
}

/** Hosts one statement of `readRollupsOf` names (D1 binds at most 100 parameters). */
const HOSTS_PER_READ = 90;

/**
 * Rollup points of several hosts of one database over [from, to], as
 * `readRollups` reads one host's, in one statement per 90 hosts: a
 * fleet-wide chart costs a handful of queries, not one per host. Hosts with
 * no rows are absent from the answer.
 */
export async function readRollupsOf(
  db: DrizzleD1Database,
  table: "1m" | "1h",
  fleetId: string,
  hostIds: readonly string[],
  from: number,
  to: number,
  metric?: string,
): Promise<Map<string, RollupPoint[]>> {
  const t = table === "1m" ? rollups1m : rollups1h;
  // Rows of an earlier version's shorter span start within this one too.
  const span = ROW_SPAN_MS[table];
  const path = metric === undefined ? null : seriesPath(metric);
  // Binary rows hold '' here. Legacy rows of the point-per-object form (a
  // JSON array) come back whole; packed ones as the one series.
  const points =
    path === null
      ? t.points
      : sql<string>`CASE WHEN ${t.data} IS NOT NULL THEN ''
          WHEN substr(${t.points}, 1, 1) = '[' THEN ${t.points}
          ELSE json_object('t', ${t.points} -> '$.t', 'n', ${t.points} -> '$.n', 's', json_object(${metric}, ${t.points} -> ${path})) END`;
  const cut = path !== null && metric !== undefined;
  const out = new Map<string, RollupPoint[]>();
  for (let i = 0; i < hostIds.length; i += HOSTS_PER_READ) {
    const ids = hostIds.slice(i, i + HOSTS_PER_READ);
    const rows: (ReadRow & { hostId: string; start: number })[] = await db
      .select({
        hostId: t.hostId,
        start: t.start,
        data: cut ? familyHex(t, seriesFamily(metric)) : dataHex(t),
        points,
        // A cut row needs no index; a whole one does.
        idx: cut ? sql<string | null>`NULL` : sql<string | null>`${t.idx}`,
        cut: cut ? sql<number>`${t.idx} IS NOT NULL` : sql<number>`0`,
      })
      .from(t)
      .where(
        and(
          eq(t.fleetId, fleetId),
          ids.length === 1 ? eq(t.hostId, ids[0] as string) : inArray(t.hostId, ids),
          gte(t.start, bucketStart(from, span)),
          lte(t.start, to),
        ),
      );
    for (const r of rows) {
      const where = `rollups_${table} (${fleetId}, ${r.hostId}, ${r.start})`;
      const list = out.get(r.hostId) ?? [];
      out.set(r.hostId, list);
      for (const p of rowPoints(r, where, metric)) {
        if (p.t < from || p.t > to) continue;
        if (metric === undefined) list.push(p);
        else if (p.v[metric]) list.push({ t: p.t, n: p.n, v: { [metric]: p.v[metric] } });
      }
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.t - b.t);
  return out;
}

/** Deletes rollup rows older than the retention of each tier. Returns rows deleted. */
export async function pruneRollups(
  db: DrizzleD1Database,
  before1m: number,
  before1h: number,
): Promise<number> {
  const [a, b] = await db.batch([
    // A row goes once all of its span is past retention.
    db.delete(rollups1m).where(lte(rollups1m.start, before1m - ROW_SPAN_MS["1m"])),
    db.delete(rollups1h).where(lte(rollups1h.start, before1h - ROW_SPAN_MS["1h"])),
  ]);
  return (a.meta.changes ?? 0) + (b.meta.changes ?? 0);
}
