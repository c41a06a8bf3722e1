import { decodeTable, type Table } from "../codec/columns";
import { type Check, tryDecodeStored } from "../db/stored-json";
import { flattenMetrics } from "../metrics/catalog";
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
 * The columns of a segment row a read needs: its points and its key (for
 * errors). `points` holds a binary table (`codec/columns.ts`) in rows
 * written since the binary format, JSON text (`PackedSegment`) in older rows.
 */
type SegmentRow = { points: string | ArrayBuffer; max_t: number; max_seq: number };

/** Samples of one host waiting to be written, already in packed (columnar) form. */
class PendingSegment {
  readonly keys: string[] = [];
  private readonly index = new Map<string, number>();
  readonly rows: (number | null)[][] = [];
  readonly seqs = new Set<number>();

  constructor(readonly firstAt: number) {}

  add(seq: number, t: number, values: Record<string, number>): void {
    const row: (number | null)[] = [seq, t];
    for (const key in values) {
      let i = this.index.get(key);
      if (i === undefined) {
        i = this.keys.length;
        this.keys.push(key);
        this.index.set(key, i);
      }
      while (row.length < i + 2) row.push(null);
      row[i + 2] = values[key] as number;
    }
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
 * The 5 s raw window in DO SQLite, PACKED: a host's samples are held in
 * memory (columnar, keys once) and written as one segment row per host every
 * RAW_FLUSH_AGE_MS, at the end of each ingest request, or when a segment
 * reaches its size cap. Billing counts rows written, so a row per sample
 * would cost ~60x more. Rows are append-only segments clustered by (host,
 * newest time, max seq): one b-tree and no secondary index, so a segment
 * costs exactly one row written and a time-range read touches only the
 * segments it needs. Each seq is stored once, so max seq is unique per host.
 */
export class RawWindow {
  private readonly pending = new Map<string, PendingSegment>();
  /** Highest seq stored per host, so the common in-order case needs no read to dedupe. */
  private readonly maxSeq = new Map<string, number>();

  constructor(private readonly sql: Sql) {}

  /** Creates the table; safe to call on every start. */
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
  }

  /**
   * Adds a sample unless (host, seq) is already held, pending or stored.
   * Returns false for a duplicate.
   */
  add(hostId: string, s: ValidSample, now = Date.now()): boolean {
    const pending = this.pending.get(hostId);
    if (pending?.seqs.has(s.seq)) return false;
    if (s.seq <= this.storedMaxSeq(hostId) && this.isStored(hostId, s.seq)) return false;
    const seg = pending ?? new PendingSegment(now);
    seg.add(s.seq, s.timeMs, flattenMetrics(s.metrics));
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

  /** Writes the pending samples of hosts whose oldest has waited RAW_FLUSH_AGE_MS. */
  flushDue(now: number): number {
    let rows = 0;
    for (const [id, p] of this.pending) {
      if (now - p.firstAt >= RAW_FLUSH_AGE_MS || p.rows.length >= RAW_FLUSH_POINTS) rows += this.flush(id);
    }
    return rows;
  }

  /** Writes pending samples of one host (or all hosts): one row per host, split at SEGMENT_MAX_BYTES. */
  flush(hostId?: string): number {
    const ids = hostId === undefined ? [...this.pending.keys()] : [hostId];
    let rows = 0;
    for (const id of ids) {
      const seg = this.pending.get(id);
      if (!seg || seg.rows.length === 0) continue;
      const sorted = [...seg.rows].sort((a, b) => (a[1] as number) - (b[1] as number));
      rows += this.writeRows(id, seg.keys, sorted);
      this.pending.delete(id);
    }
    return rows;
  }

  /** Writes samples as one segment row, or as several when one would pass SEGMENT_MAX_BYTES. */
  private writeRows(id: string, keys: readonly string[], rows: (number | null)[][]): number {
    const bytes = encodeSegment(keys, rows);
    if (bytes.length <= SEGMENT_MAX_BYTES || rows.length === 1) {
      this.writeSegment(id, bytes, rows);
      return 1;
    }
    const half = Math.ceil(rows.length / 2);
    return this.writeRows(id, keys, rows.slice(0, half)) + this.writeRows(id, keys, rows.slice(half));
  }

  /**
   * Raw points of a host in [from, to], stored and pending, sorted by time;
   * with `only`, just that series (and only the samples that have it).
   */
  range(hostId: string, from: number, to: number, only?: string): RawPoint[] {
    const out: RawPoint[] = [];
    const cursor = this.sql.exec<SegmentRow>(
      "SELECT points, max_t, max_seq FROM raw_segments WHERE host_id = ? AND max_t >= ? AND min_t <= ?",
      hostId,
      from,
      to,
    );
    const wanted = only === undefined ? undefined : new Set([SEQ_COLUMN, only]);
    for (const row of cursor) {
      const seg = this.decode(hostId, row, wanted);
      if (seg === undefined) continue;
      if ("cols" in seg) unpackTable(seg, from, to, out, only);
      else unpack(seg, from, to, out, only);
    }
    const seg = this.pending.get(hostId);
    if (seg) unpack({ k: seg.keys, p: seg.rows }, from, to, out, only);
    return out.sort((a, b) => a.t - b.t);
  }

  /** Drops segments whose newest sample is older than `before`. */
  prune(before: number): void {
    this.sql.exec("DELETE FROM raw_segments WHERE max_t < ?", before);
  }

  /** Forgets a host entirely. */
  forget(hostId: string): void {
    this.pending.delete(hostId);
    this.maxSeq.delete(hostId);
    this.sql.exec("DELETE FROM raw_segments WHERE host_id = ?", hostId);
  }

  private writeSegment(id: string, bytes: Uint8Array, rows: (number | null)[][]): void {
    let minSeq = Number.POSITIVE_INFINITY;
    let maxSeq = 0;
    let minT = Number.POSITIVE_INFINITY;
    let maxT = Number.NEGATIVE_INFINITY;
    for (const r of rows) {
      const seq = r[0] as number;
      const t = r[1] as number;
      minSeq = Math.min(minSeq, seq);
      maxSeq = Math.max(maxSeq, seq);
      minT = Math.min(minT, t);
      maxT = Math.max(maxT, t);
    }
    this.sql.exec(
      "INSERT INTO raw_segments (host_id, min_t, max_t, min_seq, max_seq, points) VALUES (?, ?, ?, ?, ?, ?)",
      id,
      minT,
      maxT,
      minSeq,
      maxSeq,
      bytes,
    );
    this.maxSeq.set(id, Math.max(this.storedMaxSeq(id), maxSeq));
  }

  private storedMaxSeq(hostId: string): number {
    let v = this.maxSeq.get(hostId);
    if (v === undefined) {
      const row = this.sql
        .exec<{ m: number | null }>("SELECT MAX(max_seq) AS m FROM raw_segments WHERE host_id = ?", hostId)
        .one();
      v = row.m ?? 0;
      this.maxSeq.set(hostId, v);
    }
    return v;
  }

  private isStored(hostId: string, seq: number): boolean {
    const cursor = this.sql.exec<SegmentRow>(
      "SELECT points, max_t, max_seq FROM raw_segments WHERE host_id = ? AND min_seq <= ? AND max_seq >= ?",
      hostId,
      seq,
      seq,
    );
    for (const row of cursor) {
      const seg = this.decode(hostId, row, new Set([SEQ_COLUMN]));
      if (seg === undefined) continue;
      if ("cols" in seg ? seg.cols.get(SEQ_COLUMN)?.includes(seq) : seg.p.some((r) => r[0] === seq))
        return true;
    }
    return false;
  }

  /**
   * A stored segment (binary, or JSON text in rows written before the
   * binary format), or undefined (logged with the row's key) when it does
   * not decode: one bad row must not fail every query of the host. Its
   * samples read as absent. `only` limits a binary segment to those columns.
   */
  private decode(
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
