import { checkHostInfo, checkMetrics, decodeStored, StoredJsonError } from "../db/stored-json";
import type { HostInfoView, HostStatus, HostView, Metrics } from "../metrics/types";
import { mergeMetrics } from "./merge";
import { hostStatus, STALE_AFTER_INTERVALS } from "./status";
import type { Sql } from "./usage";

interface HostRecord {
  id: string;
  info: HostInfoView;
  metrics: Metrics;
  /** Hub time of the newest accepted sample (the agent's clock may be off). */
  lastSeen: number;
  /** Sample time of the state in `metrics`, so late samples never overwrite newer state. */
  stateTime: number;
  lastSeq: number;
  createdAt: number;
  status: HostStatus;
}

/**
 * Live state of every host of the fleet: in memory for speed, in DO SQLite
 * so it survives eviction. Rows are written on flush, not per sample.
 */
export class HostTable {
  private readonly hosts = new Map<string, HostRecord>();
  private readonly dirty = new Set<string>();

  constructor(private readonly sql: Sql) {}

  /** Creates the table; safe to call on every start. */
  static migrate(sql: Sql): void {
    sql.exec(`CREATE TABLE IF NOT EXISTS hosts (
      id TEXT PRIMARY KEY,
      info TEXT NOT NULL,
      metrics TEXT NOT NULL,
      last_seen INTEGER NOT NULL,
      state_time INTEGER NOT NULL,
      last_seq INTEGER NOT NULL,
      created_at INTEGER NOT NULL
    ) WITHOUT ROWID`);
  }

  /**
   * Loads every host into memory (called once, inside blockConcurrencyWhile).
   * A row whose JSON does not decode is skipped and logged with its key, so
   * one bad row cannot keep the fleet's object from starting; the host comes
   * back (and its row is rewritten) at its agent's next Hello.
   */
  load(now: number): void {
    const rows = this.sql.exec<{
      id: string;
      info: string;
      metrics: string;
      last_seen: number;
      state_time: number;
      last_seq: number;
      created_at: number;
    }>("SELECT * FROM hosts");
    for (const r of rows) {
      let info: HostInfoView;
      let metrics: Metrics;
      try {
        info = decodeStored(r.info, checkHostInfo, `hosts row ${r.id}: info`);
        metrics = decodeStored(r.metrics, checkMetrics, `hosts row ${r.id}: metrics`);
      } catch (e) {
        if (!(e instanceof StoredJsonError)) throw e;
        console.error(`${e.message}; host skipped until its next Hello`);
        continue;
      }
      this.hosts.set(r.id, {
        id: r.id,
        info,
        metrics,
        lastSeen: r.last_seen,
        stateTime: r.state_time,
        lastSeq: r.last_seq,
        createdAt: r.created_at,
        status: hostStatus(r.last_seen, info.intervalS, now),
      });
    }
  }

  get(id: string): HostRecord | undefined {
    return this.hosts.get(id);
  }

  get size(): number {
    return this.hosts.size;
  }

  ids(): string[] {
    return [...this.hosts.keys()];
  }

  /** Registers a host or refreshes its info (Hello). Persists at once: Hello is rare. */
  upsertInfo(id: string, info: HostInfoView, now: number): void {
    const h = this.hosts.get(id);
    if (h) h.info = info;
    else {
      this.hosts.set(id, {
        id,
        info,
        metrics: {},
        lastSeen: 0,
        stateTime: 0,
        lastSeq: 0,
        createdAt: now,
        status: "offline",
      });
    }
    this.dirty.add(id);
    this.flush(id);
  }

  /**
   * Applies an accepted sample. Newer samples merge into the state; late
   * ones (replay after an outage) only count as a sign of life.
   */
  applySample(id: string, seq: number, timeMs: number, metrics: Metrics, now: number): void {
    const h = this.hosts.get(id);
    if (!h) return;
    if (timeMs >= h.stateTime) {
      h.metrics = mergeMetrics(h.metrics, metrics);
      h.stateTime = timeMs;
    }
    h.lastSeq = Math.max(h.lastSeq, seq);
    h.lastSeen = now;
    h.status = "online";
    this.dirty.add(id);
  }

  /** Recomputes statuses; returns the ids whose status changed. */
  refreshStatuses(now: number): string[] {
    const changed: string[] = [];
    for (const h of this.hosts.values()) {
      const s = hostStatus(h.lastSeen, h.info.intervalS, now);
      if (s !== h.status) {
        h.status = s;
        changed.push(h.id);
      }
    }
    return changed;
  }

  /** When this host turns stale unless another sample arrives. */
  deadlineOf(id: string): number | undefined {
    const h = this.hosts.get(id);
    return h ? h.lastSeen + STALE_AFTER_INTERVALS * Math.max(1, h.info.intervalS) * 1000 + 1 : undefined;
  }

  /** Earliest time a currently online host turns stale, if any. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const h of this.hosts.values()) {
      if (h.status !== "online") continue;
      const d = h.lastSeen + STALE_AFTER_INTERVALS * Math.max(1, h.info.intervalS) * 1000 + 1;
      next = next === undefined ? d : Math.min(next, d);
    }
    return next;
  }

  view(id: string): HostView | undefined {
    const h = this.hosts.get(id);
    if (!h) return undefined;
    return {
      id: h.id,
      info: h.info,
      status: h.status,
      lastSeen: h.lastSeen,
      lastSeq: h.lastSeq,
      metrics: h.metrics,
    };
  }

  views(): HostView[] {
    return this.ids()
      .map((id) => this.view(id))
      .filter((v): v is HostView => v !== undefined);
  }

  /** Writes dirty hosts (one row each). Returns rows written. */
  flush(only?: string): number {
    const ids = only === undefined ? [...this.dirty] : this.dirty.has(only) ? [only] : [];
    for (const id of ids) {
      const h = this.hosts.get(id);
      this.dirty.delete(id);
      if (!h) continue;
      this.sql.exec(
        `INSERT INTO hosts (id, info, metrics, last_seen, state_time, last_seq, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET info = excluded.info, metrics = excluded.metrics,
           last_seen = excluded.last_seen, state_time = excluded.state_time, last_seq = excluded.last_seq`,
        h.id,
        JSON.stringify(h.info),
        JSON.stringify(h.metrics),
        h.lastSeen,
        h.stateTime,
        h.lastSeq,
        h.createdAt,
      );
    }
    return ids.length;
  }

  delete(id: string): boolean {
    this.dirty.delete(id);
    this.sql.exec("DELETE FROM hosts WHERE id = ?", id);
    return this.hosts.delete(id);
  }
}
