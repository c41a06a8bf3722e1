import { decodeTable, type Table } from "../codec/columns";
import { type Check, tryDecodeStored } from "../db/stored-json";
import { forEachSeries } from "../metrics/catalog";
import type { Metrics } from "../metrics/types";
import { groupCount, groupOf } from "./host-groups";
import { encodeSegment, type RawPoint, SEQ_COLUMN, unpackTable } from "./segment-codec";
import type { Sql } from "./usage";
import type { ValidSample } from "./validate-sample";

/** Raw points are what the segment codec reads; re-exported for the rollup math. */
export type { RawPoint };

/** Pending samples of a host are written once the oldest has waited this long. */
export const RAW_FLUSH_AGE_MS = 300_000;
/** ...or once a host has this many pending (hosts sampling faster than every 5 s). */
export const RAW_FLUSH_POINTS = 360;
/**
 * Largest encoded segment of one row. SQLite in a Durable Object caps a row
 * at 2 MB; a burst of replayed samples is split across several rows.
 */
export const SEGMENT_MAX_BYTES = 512 * 1024;
/**
 * A segment as stored: series keys once, then one array per sample,
 * `[seq, t, ...values]` in key order, `null` where the sample lacked a series.
 */
export interface PackedSegment {
  k: string[];
  p: (number | null)[][];
}

/**
 * Checks a parsed segment. Hand-written rather than zod: a history query
 * decodes every segment it touches. Measured on Node 22 with a segment of
 * 60 samples x 40 series: JSON.parse ~150 us, this check adds ~2 %, a zod
 * schema of the same shape ~35 %.
 */
export const checkSegment: Check<PackedSegment> = (v) => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("expected an object {k, p}");
  const { k, p } = v as { k?: unknown; p?: unknown };
  if (!Array.isArray(k)) throw new Error("k: expected an array of series keys");
  for (let i = 0; i < k.length; i++)
    if (typeof k[i] !== "string") throw new Error(`k.${i}: expected a series key (string)`);
  if (!Array.isArray(p)) throw new Error("p: expected an array of samples");
  for (let i = 0; i < p.length; i++) {
    const row: unknown = p[i];
    if (!Array.isArray(row) || row.length < 2 || row.length > k.length + 2)
      throw new Error(`p.${i}: expected [seq, t, ...up to ${k.length} values]`);
    if (typeof row[0] !== "number" || typeof row[1] !== "number")
      throw new Error(`p.${i}: seq and time must be numbers`);
    for (let j = 2; j < row.length; j++) {
      const x: unknown = row[j];
      if (x !== null && typeof x !== "number") throw new Error(`p.${i}.${j}: expected a number or null`);
    }
  }
  return v as PackedSegment;
};

/**
 * The columns of a per-host segment row (`raw_segments`, written before
 * rows were shared by a group of hosts) a read needs: its points and its
 * key (for errors). `points` holds a binary table (`codec/columns.ts`) or,
 * in the oldest rows, JSON text (`PackedSegment`).
 */
type SegmentRow = { points: string | ArrayBuffer; max_t: number; max_seq: number };

/** A group row as read: its directory, the hosts' segments back to back, and its key. */
type GroupRow = { dir: string; data: ArrayBuffer; groups: number; grp: number; max_t: number; id: number };

/**
 * One host's part of a group row: `[host id, min seq, max seq, min time,
 * max time, bytes]`, in the order the parts lie in `data`. A host may have
 * several parts in one row (a replayed burst split at the size cap).
 */
export type DirEntry = [
  host: string,
  minSeq: number,
  maxSeq: number,
  minT: number,
  maxT: number,
  bytes: number,
];

/** Checks a parsed directory: every read of a group row goes through it. */
export const checkDirectory: Check<DirEntry[]> = (v) => {
  if (!Array.isArray(v)) throw new Error("expected an array of [host, minSeq, maxSeq, minT, maxT, bytes]");
  for (let i = 0; i < v.length; i++) {
    const e: unknown = v[i];
    if (!Array.isArray(e) || e.length !== 6 || typeof e[0] !== "string")
      throw new Error(`${i}: expected [host, minSeq, maxSeq, minT, maxT, bytes]`);
    for (let j = 1; j < 6; j++)
      if (typeof e[j] !== "number" || !Number.isFinite(e[j])) throw new Error(`${i}.${j}: expected a number`);
  }
  return v as DirEntry[];
};

/** What a raw window needs of the fleet around it. */
export interface RawWindowOptions {
  /** Hosts in the fleet, which sets the group count (default 1). */
  hostCount?: () => number;
  /**
   * A seq at or above every stored seq of the host (the live state's last
   * seq, which `onWrite` keeps durable with every row): a higher seq is new
   * without a read. Default: unknown, so every sample is checked.
   */
  seqBound?: (hostId: string) => number;
  /** Called inside the transaction that writes a group's row, before the write. */
  onWrite?: (groups: number, grp: number) => void;
}

/** A part of a row being written: one host's samples, encoded. */
interface Part {
  host: string;
  bytes: Uint8Array;
  rows: (number | null)[][];
}

/** Samples of one host waiting to be written, already in packed (columnar) form. */
class PendingSegment {
  readonly keys: string[] = [];
  private readonly index = new Map<string, number>();
  readonly rows: (number | null)[][] = [];
  readonly seqs = new Set<number>();

  constructor(readonly firstAt: number) {}

  add(seq: number, t: number, metrics: Metrics): void {
    const row: (number | null)[] = [seq, t];
    forEachSeries(metrics, (key, value) => {
      let i = this.index.get(key);
      if (i === undefined) {
        i = this.keys.length;
        this.keys.push(key);
        this.index.set(key, i);
      }
      while (row.length < i + 2) row.push(null);
      row[i + 2] = value;
    });
    this.rows.push(row);
    this.seqs.add(seq);
  }
}

function unpack(seg: PackedSegment, from: number, to: number, out: RawPoint[], only?: string): void {
  // One series: its column alone; a sample without it yields no point.
  const col = only === undefined ? -1 : seg.k.indexOf(only) + 2;
  if (col === 1) return;
  for (const row of seg.p) {
    const t = row[1] as number;
    if (t < from || t > to) continue;
    const v: Record<string, number> = {};
    if (col > 1) {
      const x = row[col];
      if (x === null || x === undefined) continue;
      v[only as string] = x;
    } else {
      for (let i = 2; i < row.length; i++) {
        const x = row[i];
        if (x !== null && x !== undefined) v[seg.k[i - 2] as string] = x;
      }
    }
    out.push({ seq: row[0] as number, t, v });
  }
}

/**
 * The 5 s raw window in DO SQLite, PACKED and SHARED: a host's samples are
 * held in memory (columnar, keys once) and written with those of the other
 * hosts of its group (`host-groups.ts`) as one row: when the group's oldest
 * pending sample has waited RAW_FLUSH_AGE_MS, when one of its hosts commits
 * (the end of an ingest request: samples are durable before they are
 * acknowledged), or when a host reaches RAW_FLUSH_POINTS. Billing counts
 * rows written, so rows scale per group, not per host or per sample.
 *
 * A row is (group count, group, newest time, write id) -> a directory of
 * its hosts' parts and the parts back to back, each a binary table with its
 * own keys, so reading one host decodes its part alone. One b-tree, no
 * secondary index: a row costs exactly one row written, and a time-range
 * read of a host touches only its group's rows in that range. Duplicates
 * are found by time: a replayed sample carries its original time, so only
 * the rows that cover it can hold it.
 *
 * Rows of the per-host table before groups (`raw_segments`) are still read
 * and deduplicated against until they age out of the window.
 */
export class RawWindow {
  private readonly pending = new Map<string, PendingSegment>();
  /** Group counts rows were written with (a fleet that grew has rows of two). */
  private readonly counts = new Set<number>();
  /** Newest time stored per group (`${groups}/${grp}`), read once per group, then kept current. */
  private readonly newest = new Map<string, number>();
  /** Whether per-host rows of the earlier layout remain. */
  private legacy = false;
  /** Highest seq per host in the per-host rows, so the common case needs no read to dedupe. */
  private readonly legacyMaxSeq = new Map<string, number>();
  private loaded = false;
  /** Group of each host under `memoGroups` (see `groupIdOf`). */
  private readonly groupMemo = new Map<string, number>();
  private memoGroups = 0;
  /** Write ids: unique per row with its key (time-based, so a restarted object never reuses one). */
  private nextId = Date.now() * 1000;

  private readonly hostCount: () => number;
  private readonly seqBound: (hostId: string) => number;
  private readonly onWrite: (groups: number, grp: number) => void;

  constructor(
    private readonly sql: Sql,
    opts: RawWindowOptions = {},
  ) {
    this.hostCount = opts.hostCount ?? (() => 1);
    this.seqBound = opts.seqBound ?? (() => Number.POSITIVE_INFINITY);
    this.onWrite = opts.onWrite ?? (() => {});
  }

  /** Creates the tables; safe to call on every start. */
  static migrate(sql: Sql): void {
    sql.exec(`CREATE TABLE IF NOT EXISTS raw_segments (
      host_id TEXT NOT NULL,
      min_t INTEGER NOT NULL,
      max_t INTEGER NOT NULL,
      min_seq INTEGER NOT NULL,
      max_seq INTEGER NOT NULL,
      points TEXT NOT NULL,
      PRIMARY KEY (host_id, max_t, max_seq)
    ) WITHOUT ROWID`);
    sql.exec(`CREATE TABLE IF NOT EXISTS raw_groups (
      groups INTEGER NOT NULL,
      grp INTEGER NOT NULL,
      max_t INTEGER NOT NULL,
      id INTEGER NOT NULL,
      min_t INTEGER NOT NULL,
      dir TEXT NOT NULL,
      data BLOB NOT NULL,
      PRIMARY KEY (groups, grp, max_t, id)
    ) WITHOUT ROWID`);
  }

  /**
   * Adds a sample unless (host, seq) is already held, pending or stored.
   * Returns false for a duplicate.
   */
  add(hostId: string, s: ValidSample, now = Date.now()): boolean {
    const pending = this.pending.get(hostId);
    if (pending?.seqs.has(s.seq)) return false;
    if (this.isStored(hostId, s.seq, s.timeMs)) return false;
    const seg = pending ?? new PendingSegment(now);
    seg.add(s.seq, s.timeMs, s.metrics);
    if (!pending) this.pending.set(hostId, seg);
    return true;
  }

  /** Number of samples not yet written. */
  get pendingCount(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.rows.length;
    return n;
  }

  /** True when a host holds enough pending samples that they should be written now. */
  isFull(hostId: string): boolean {
    return (this.pending.get(hostId)?.rows.length ?? 0) >= RAW_FLUSH_POINTS;
  }

  /** When the oldest pending segment is due for writing, if any is pending. */
  nextFlushAt(): number | undefined {
    let first: number | undefined;
    for (const p of this.pending.values())
      first = first === undefined ? p.firstAt : Math.min(first, p.firstAt);
    return first === undefined ? undefined : first + RAW_FLUSH_AGE_MS;
  }

  /** Writes the groups that hold a host whose oldest pending sample has waited RAW_FLUSH_AGE_MS. */
  flushDue(now: number): number {
    const groups = groupCount(this.hostCount());
    const due = new Set<number>();
    for (const [id, p] of this.pending) {
      if (now - p.firstAt >= RAW_FLUSH_AGE_MS || p.rows.length >= RAW_FLUSH_POINTS)
        due.add(this.groupIdOf(id, groups));
    }
    if (due.size === 0) return 0;
    let rows = 0;
    for (const [grp, ids] of this.pendingByGroup(groups))
      if (due.has(grp)) rows += this.flushGroup(groups, grp, ids);
    return rows;
  }

  /**
   * Writes the pending samples of a host's group (the host's with those of
   * the hosts that share its row), or of every group. Returns rows written.
   */
  flush(hostId?: string): number {
    const groups = groupCount(this.hostCount());
    if (hostId !== undefined) {
      if (!this.pending.has(hostId)) return 0;
      const grp = this.groupIdOf(hostId, groups);
      const ids = [...this.pending.keys()].filter((id) => this.groupIdOf(id, groups) === grp);
      return this.flushGroup(groups, grp, ids);
    }
    let rows = 0;
    for (const [grp, ids] of this.pendingByGroup(groups)) rows += this.flushGroup(groups, grp, ids);
    return rows;
  }

  /** A host's group among `groups`, remembered: flushes ask for every pending host's. */
  private groupIdOf(hostId: string, groups: number): number {
    if (groups !== this.memoGroups) {
      this.groupMemo.clear();
      this.memoGroups = groups;
    }
    let g = this.groupMemo.get(hostId);
    if (g === undefined) {
      g = groupOf(hostId, groups);
      this.groupMemo.set(hostId, g);
    }
    return g;
  }

  /** Pending hosts by group: one pass, so flushing every group is linear in the hosts. */
  private pendingByGroup(groups: number): Map<number, string[]> {
    const out = new Map<number, string[]>();
    for (const id of this.pending.keys()) {
      const grp = this.groupIdOf(id, groups);
      const ids = out.get(grp);
      if (ids) ids.push(id);
      else out.set(grp, [id]);
    }
    return out;
  }

  private flushGroup(groups: number, grp: number, ids: readonly string[]): number {
    const parts: Part[] = [];
    for (const id of ids) {
      const seg = this.pending.get(id);
      if (!seg || seg.rows.length === 0) continue;
      const sorted = [...seg.rows].sort((a, b) => (a[1] as number) - (b[1] as number));
      this.split(id, seg.keys, sorted, parts);
    }
    // Parts into rows under the size cap, in order.
    let rows = 0;
    let batch: Part[] = [];
    let size = 0;
    for (const part of parts) {
      if (batch.length > 0 && size + part.bytes.length > SEGMENT_MAX_BYTES) {
        this.writeRow(groups, grp, batch);
        rows++;
        batch = [];
        size = 0;
      }
      batch.push(part);
      size += part.bytes.length;
    }
    if (batch.length > 0) {
      this.writeRow(groups, grp, batch);
      rows++;
    }
    for (const part of parts) this.pending.delete(part.host);
    return rows;
  }

  /** A host's samples as parts of at most SEGMENT_MAX_BYTES (a replayed burst is halved until each fits). */
  private split(host: string, keys: readonly string[], rows: (number | null)[][], out: Part[]): void {
    const bytes = encodeSegment(keys, rows);
    if (bytes.length <= SEGMENT_MAX_BYTES || rows.length === 1) {
      out.push({ host, bytes, rows });
      return;
    }
    const half = Math.ceil(rows.length / 2);
    this.split(host, keys, rows.slice(0, half), out);
    this.split(host, keys, rows.slice(half), out);
  }

  private writeRow(groups: number, grp: number, parts: Part[]): void {
    this.ready();
    this.onWrite(groups, grp);
    const dir: DirEntry[] = [];
    const data = new Uint8Array(parts.reduce((n, p) => n + p.bytes.length, 0));
    let at = 0;
    let minT = Number.POSITIVE_INFINITY;
    let maxT = Number.NEGATIVE_INFINITY;
    for (const p of parts) {
      let minSeq = Number.POSITIVE_INFINITY;
      let maxSeq = Number.NEGATIVE_INFINITY;
      const first = p.rows[0]?.[1] as number;
      const last = p.rows[p.rows.length - 1]?.[1] as number;
      for (const r of p.rows) {
        minSeq = Math.min(minSeq, r[0] as number);
        maxSeq = Math.max(maxSeq, r[0] as number);
      }
      dir.push([p.host, minSeq, maxSeq, first, last, p.bytes.length]);
      data.set(p.bytes, at);
      at += p.bytes.length;
      minT = Math.min(minT, first);
      maxT = Math.max(maxT, last);
    }
    this.sql.exec(
      "INSERT INTO raw_groups (groups, grp, max_t, id, min_t, dir, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
      groups,
      grp,
      maxT,
      this.nextId++,
      minT,
      JSON.stringify(dir),
      data,
    );
    this.counts.add(groups);
    const key = `${groups}/${grp}`;
    this.newest.set(key, Math.max(this.newestOf(groups, grp), maxT));
  }

  /**
   * Raw points of a host in [from, to], stored and pending, sorted by time;
   * with `only`, just that series (and only the samples that have it).
   */
  range(hostId: string, from: number, to: number, only?: string): RawPoint[] {
    this.ready();
    const out: RawPoint[] = [];
    const wanted = only === undefined ? undefined : new Set([SEQ_COLUMN, only]);
    for (const groups of this.counts) {
      const grp = groupOf(hostId, groups);
      const rows = this.sql.exec<GroupRow>(
        "SELECT dir, data, groups, grp, max_t, id FROM raw_groups WHERE groups = ? AND grp = ? AND max_t >= ? AND min_t <= ?",
        groups,
        grp,
        from,
        to,
      );
      for (const row of rows) {
        for (const table of this.partsOf(row, hostId, from, to, wanted))
          unpackTable(table, from, to, out, only);
      }
    }
    if (this.legacy) {
      const cursor = this.sql.exec<SegmentRow>(
        "SELECT points, max_t, max_seq FROM raw_segments WHERE host_id = ? AND max_t >= ? AND min_t <= ?",
        hostId,
        from,
        to,
      );
      for (const row of cursor) {
        const seg = this.decodeLegacy(hostId, row, wanted);
        if (seg === undefined) continue;
        if ("cols" in seg) unpackTable(seg, from, to, out, only);
        else unpack(seg, from, to, out, only);
      }
    }
    const seg = this.pending.get(hostId);
    if (seg) unpack({ k: seg.keys, p: seg.rows }, from, to, out, only);
    return out.sort((a, b) => a.t - b.t);
  }

  /** Drops rows whose newest sample is older than `before`. */
  prune(before: number): void {
    this.sql.exec("DELETE FROM raw_groups WHERE max_t < ?", before);
    this.sql.exec("DELETE FROM raw_segments WHERE max_t < ?", before);
    this.loaded = false;
  }

  /** Forgets a host entirely: its pending samples and its parts of every stored row. */
  forget(hostId: string): void {
    this.ready();
    this.pending.delete(hostId);
    this.groupMemo.delete(hostId);
    this.legacyMaxSeq.delete(hostId);
    if (this.legacy) this.sql.exec("DELETE FROM raw_segments WHERE host_id = ?", hostId);
    for (const groups of this.counts) {
      const grp = groupOf(hostId, groups);
      const rows = this.sql
        .exec<GroupRow>(
          "SELECT dir, data, groups, grp, max_t, id FROM raw_groups WHERE groups = ? AND grp = ?",
          groups,
          grp,
        )
        .toArray();
      for (const row of rows) this.dropParts(row, hostId);
    }
  }

  /** Rewrites a row without a host's parts, or deletes it when nothing else is left. */
  private dropParts(row: GroupRow, hostId: string): void {
    const dir = this.directory(row);
    if (dir === undefined || !dir.some((e) => e[0] === hostId)) return;
    const keep: DirEntry[] = [];
    const chunks: Uint8Array[] = [];
    let at = 0;
    for (const e of dir) {
      if (e[0] !== hostId) {
        keep.push(e);
        chunks.push(new Uint8Array(row.data, at, e[5]));
      }
      at += e[5];
    }
    const key = [row.groups, row.grp, row.max_t, row.id];
    if (keep.length === 0) {
      this.sql.exec("DELETE FROM raw_groups WHERE groups = ? AND grp = ? AND max_t = ? AND id = ?", ...key);
      return;
    }
    const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of chunks) {
      data.set(c, o);
      o += c.length;
    }
    // Bounds stay as they were: a wider range only costs a read that finds nothing.
    this.sql.exec(
      "UPDATE raw_groups SET dir = ?, data = ? WHERE groups = ? AND grp = ? AND max_t = ? AND id = ?",
      JSON.stringify(keep),
      data,
      ...key,
    );
  }

  /** Reads what survives a restart: group counts present, and whether per-host rows remain. */
  private ready(): void {
    if (this.loaded) return;
    this.counts.clear();
    this.newest.clear();
    // Distinct counts by seeks on the key, not a scan of the window.
    let after = 0;
    for (;;) {
      const next = this.sql
        .exec<{ groups: number }>(
          "SELECT groups FROM raw_groups WHERE groups > ? ORDER BY groups LIMIT 1",
          after,
        )
        .toArray()[0];
      if (next === undefined) break;
      this.counts.add(next.groups);
      after = next.groups;
    }
    this.legacy = this.sql.exec("SELECT 1 AS x FROM raw_segments LIMIT 1").toArray().length > 0;
    this.loaded = true;
  }

  private newestOf(groups: number, grp: number): number {
    const key = `${groups}/${grp}`;
    let v = this.newest.get(key);
    if (v === undefined) {
      const row = this.sql
        .exec<{ max_t: number }>(
          "SELECT max_t FROM raw_groups WHERE groups = ? AND grp = ? ORDER BY max_t DESC LIMIT 1",
          groups,
          grp,
        )
        .toArray()[0];
      v = row?.max_t ?? Number.NEGATIVE_INFINITY;
      this.newest.set(key, v);
    }
    return v;
  }

  /**
   * Whether (host, seq) is stored. A seq above the host's bound is new
   * without a read. Otherwise the rows that cover the sample's time are
   * looked at first (a replay carries its original time), then the
   * directories of all its group's rows (a resent seq with another time).
   */
  private isStored(hostId: string, seq: number, t: number): boolean {
    this.ready();
    if (this.legacy && this.legacyHas(hostId, seq)) return true;
    if (seq > this.seqBound(hostId)) return false;
    const only = new Set([SEQ_COLUMN]);
    for (const groups of this.counts) {
      const grp = groupOf(hostId, groups);
      const near =
        this.newestOf(groups, grp) < t
          ? []
          : this.sql.exec<GroupRow>(
              "SELECT dir, data, groups, grp, max_t, id FROM raw_groups WHERE groups = ? AND grp = ? AND max_t >= ? AND min_t <= ?",
              groups,
              grp,
              t,
              t,
            );
      for (const row of near) {
        for (const table of this.partsOf(row, hostId, t, t, only, seq))
          if (table.cols.get(SEQ_COLUMN)?.includes(seq)) return true;
      }
      const all = this.sql.exec<Omit<GroupRow, "data">>(
        "SELECT dir, groups, grp, max_t, id FROM raw_groups WHERE groups = ? AND grp = ?",
        groups,
        grp,
      );
      for (const head of all) {
        const dir = this.directory(head);
        if (!dir?.some((e) => e[0] === hostId && e[1] <= seq && seq <= e[2])) continue;
        const row = this.sql
          .exec<GroupRow>(
            "SELECT dir, data, groups, grp, max_t, id FROM raw_groups WHERE groups = ? AND grp = ? AND max_t = ? AND id = ?",
            head.groups,
            head.grp,
            head.max_t,
            head.id,
          )
          .one();
        for (const table of this.partsOf(
          row,
          hostId,
          Number.NEGATIVE_INFINITY,
          Number.POSITIVE_INFINITY,
          only,
          seq,
        ))
          if (table.cols.get(SEQ_COLUMN)?.includes(seq)) return true;
      }
    }
    return false;
  }

  /** A row's directory, or undefined (logged with the row's key) when it does not decode. */
  private directory(row: Omit<GroupRow, "data">): DirEntry[] | undefined {
    const where = `raw_groups row (${row.groups}, ${row.grp}, max_t ${row.max_t}, id ${row.id}): dir`;
    const r = tryDecodeStored(row.dir, checkDirectory, where);
    if (r.ok) return r.value;
    console.error(`${r.error.message}; row skipped`);
    return undefined;
  }

  /**
   * The decoded parts of a host in a group row that may hold points in
   * [from, to] (and, with `seq`, that seq). A part that does not decode is
   * logged with its row's key and read as absent: one bad row must not
   * fail every query of the host.
   */
  private partsOf(
    row: GroupRow,
    hostId: string,
    from: number,
    to: number,
    only?: ReadonlySet<string>,
    seq?: number,
  ): Table[] {
    const dir = this.directory(row);
    if (dir === undefined) return [];
    const out: Table[] = [];
    let at = 0;
    for (const [host, minSeq, maxSeq, minT, maxT, bytes] of dir) {
      const start = at;
      at += bytes;
      if (host !== hostId || maxT < from || minT > to) continue;
      if (seq !== undefined && (seq < minSeq || seq > maxSeq)) continue;
      try {
        if (at > row.data.byteLength) throw new RangeError("part runs past the row's data");
        out.push(decodeTable(new Uint8Array(row.data, start, bytes), only));
      } catch (e) {
        console.error(
          `raw_groups row (${row.groups}, ${row.grp}, max_t ${row.max_t}, id ${row.id}), host ${hostId}: ${e instanceof Error ? e.message : String(e)}; part skipped`,
        );
      }
    }
    return out;
  }

  private legacyHas(hostId: string, seq: number): boolean {
    let max = this.legacyMaxSeq.get(hostId);
    if (max === undefined) {
      const row = this.sql
        .exec<{ m: number | null }>("SELECT MAX(max_seq) AS m FROM raw_segments WHERE host_id = ?", hostId)
        .one();
      max = row.m ?? 0;
      this.legacyMaxSeq.set(hostId, max);
    }
    if (seq > max) return false;
    const cursor = this.sql.exec<SegmentRow>(
      "SELECT points, max_t, max_seq FROM raw_segments WHERE host_id = ? AND min_seq <= ? AND max_seq >= ?",
      hostId,
      seq,
      seq,
    );
    for (const row of cursor) {
      const seg = this.decodeLegacy(hostId, row, new Set([SEQ_COLUMN]));
      if (seg === undefined) continue;
      if ("cols" in seg ? seg.cols.get(SEQ_COLUMN)?.includes(seq) : seg.p.some((r) => r[0] === seq))
        return true;
    }
    return false;
  }

  /**
   * A per-host segment (binary, or JSON text in the oldest rows), or
   * undefined (logged with the row's key) when it does not decode. `only`
   * limits a binary segment to those columns.
   */
  private decodeLegacy(
    hostId: string,
    row: SegmentRow,
    only?: ReadonlySet<string>,
  ): PackedSegment | Table | undefined {
    const where = `raw_segments row (${hostId}, max_t ${row.max_t}, max_seq ${row.max_seq})`;
    if (row.points instanceof ArrayBuffer) {
      try {
        return decodeTable(new Uint8Array(row.points), only);
      } catch (e) {
        console.error(`${where}: ${e instanceof Error ? e.message : String(e)}; segment skipped`);
        return undefined;
      }
    }
    const r = tryDecodeStored(row.points, checkSegment, where);
    if (r.ok) return r.value;
    console.error(`${r.error.message}; segment skipped`);
    return undefined;
  }
}
