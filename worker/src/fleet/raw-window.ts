import { flattenMetrics } from "../metrics/catalog";
import type { Sql } from "./usage";
import type { ValidSample } from "./validate-sample";

/** One raw sample as packed into a segment row: seq, time and flat series values. */
export interface RawPoint {
  seq: number;
  t: number;
  v: Record<string, number>;
}

/**
 * The 5 s raw window in DO SQLite, PACKED: each flush writes one row per host
 * holding every sample that arrived since the previous flush (billing counts
 * rows written, so a row per sample would cost ~N x more). Rows are
 * append-only segments keyed by (host, max seq): one b-tree and no secondary
 * index, so a segment costs exactly one row written. Each seq is stored once,
 * so max seq is unique per host.
 */
export class RawWindow {
  private readonly pending = new Map<string, RawPoint[]>();
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
      PRIMARY KEY (host_id, max_seq)
    ) WITHOUT ROWID`);
  }

  /**
   * Adds a sample unless (host, seq) is already held, pending or stored.
   * Returns false for a duplicate.
   */
  add(hostId: string, s: ValidSample): boolean {
    const pending = this.pending.get(hostId) ?? [];
    if (pending.some((p) => p.seq === s.seq)) return false;
    if (s.seq <= this.storedMaxSeq(hostId) && this.isStored(hostId, s.seq)) return false;
    pending.push({ seq: s.seq, t: s.timeMs, v: flattenMetrics(s.metrics) });
    this.pending.set(hostId, pending);
    return true;
  }

  /** Number of samples not yet written. */
  get pendingCount(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.length;
    return n;
  }

  /** Writes pending samples of one host (or all hosts) as one segment row per host. */
  flush(hostId?: string): number {
    const ids = hostId === undefined ? [...this.pending.keys()] : [hostId];
    let rows = 0;
    for (const id of ids) {
      const points = this.pending.get(id);
      if (!points || points.length === 0) continue;
      points.sort((a, b) => a.t - b.t);
      let minSeq = Number.POSITIVE_INFINITY;
      let maxSeq = 0;
      for (const p of points) {
        minSeq = Math.min(minSeq, p.seq);
        maxSeq = Math.max(maxSeq, p.seq);
      }
      this.sql.exec(
        "INSERT INTO raw_segments (host_id, min_t, max_t, min_seq, max_seq, points) VALUES (?, ?, ?, ?, ?, ?)",
        id,
        points[0]?.t ?? 0,
        points[points.length - 1]?.t ?? 0,
        minSeq,
        maxSeq,
        JSON.stringify(points),
      );
      this.maxSeq.set(id, Math.max(this.storedMaxSeq(id), maxSeq));
      this.pending.delete(id);
      rows++;
    }
    return rows;
  }

  /** Raw points of a host in [from, to], stored and pending, sorted by time. */
  range(hostId: string, from: number, to: number): RawPoint[] {
    const out: RawPoint[] = [];
    const cursor = this.sql.exec<{ points: string }>(
      "SELECT points FROM raw_segments WHERE host_id = ? AND max_t >= ? AND min_t <= ?",
      hostId,
      from,
      to,
    );
    for (const row of cursor) {
      for (const p of JSON.parse(row.points) as RawPoint[]) if (p.t >= from && p.t <= to) out.push(p);
    }
    for (const p of this.pending.get(hostId) ?? []) if (p.t >= from && p.t <= to) out.push(p);
    return out.sort((a, b) => a.t - b.t);
  }

  /** Drops segments whose newest sample is older than `before`. Returns rows deleted. */
  prune(before: number): void {
    this.sql.exec("DELETE FROM raw_segments WHERE max_t < ?", before);
  }

  /** Forgets a host entirely. */
  forget(hostId: string): void {
    this.pending.delete(hostId);
    this.maxSeq.delete(hostId);
    this.sql.exec("DELETE FROM raw_segments WHERE host_id = ?", hostId);
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
    const cursor = this.sql.exec<{ points: string }>(
      "SELECT points FROM raw_segments WHERE host_id = ? AND min_seq <= ? AND max_seq >= ?",
      hostId,
      seq,
      seq,
    );
    for (const row of cursor) {
      if ((JSON.parse(row.points) as RawPoint[]).some((p) => p.seq === seq)) return true;
    }
    return false;
  }
}
