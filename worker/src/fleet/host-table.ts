import {
  type Check,
  checkHostInfo,
  checkMetrics,
  decodeStored,
  StoredJsonError,
  tryDecodeStored,
} from "../db/stored-json";
import type { HostInfoView, HostStatus, HostView, Metrics } from "../metrics/types";
import { groupCount, groupOf } from "./host-groups";
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

/** One host's live state in a state row: `[lastSeen, stateTime, lastSeq, metrics]`. */
type StateEntry = [lastSeen: number, stateTime: number, lastSeq: number, metrics: unknown];

/** Checks a parsed state row's shape; each entry's metrics are checked on their own, so one bad host skips alone. */
const checkStateRow: Check<Record<string, StateEntry>> = (v) => {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new Error("expected an object of host states");
  for (const [id, e] of Object.entries(v)) {
    if (!Array.isArray(e) || e.length !== 4 || ![0, 1, 2].every((i) => typeof e[i] === "number"))
      throw new Error(`${id}: expected [lastSeen, stateTime, lastSeq, metrics]`);
  }
  return v as Record<string, StateEntry>;
};

/**
 * Live state of every host of the fleet: in memory for speed, in DO SQLite
 * so it survives eviction. A host's identity and info are its `hosts` row,
 * written at Hello; its live state is written with the other hosts of its
 * group (`host-groups.ts`) as one `host_state` row, on flush, never per
 * sample. Rows of `hosts` from before state rows carry the state they had
 * then; a newer state row wins.
 */
export class HostTable {
  private readonly hosts = new Map<string, HostRecord>();
  private readonly dirty = new Set<string>();
  /** Group count the state rows were written with (0: none yet, or several after a crash mid-change). */
  private stateGroups = 0;
  /** Hosts by group under one group count (see `members`); dropped when a host comes or goes. */
  private groupIndex: { groups: number; byGroup: Map<number, HostRecord[]> } | undefined;

  constructor(private readonly sql: Sql) {}

  /** Creates the tables; safe to call on every start. */
  static migrate(sql: Sql): void {
    sql.exec(`CREATE TABLE IF NOT EXISTS host_state (
      groups INTEGER NOT NULL,
      grp INTEGER NOT NULL,
      data TEXT NOT NULL,
      PRIMARY KEY (groups, grp)
    ) WITHOUT ROWID`);
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
    this.loadStates(now);
  }

  /** Overlays the state rows: a host's entry wins over an older one (and over its `hosts` row's). */
  private loadStates(now: number): void {
    const counts = new Set<number>();
    for (const r of this.sql.exec<{ groups: number; grp: number; data: string }>(
      "SELECT * FROM host_state",
    )) {
      counts.add(r.groups);
      const where = `host_state row (${r.groups}, ${r.grp})`;
      const row = tryDecodeStored(r.data, checkStateRow, where);
      if (!row.ok) {
        console.error(`${row.error.message}; its hosts keep their older state`);
        continue;
      }
      for (const [id, [lastSeen, stateTime, lastSeq, m]] of Object.entries(row.value)) {
        const h = this.hosts.get(id);
        if (!h || lastSeen < h.lastSeen) continue;
        let metrics: Metrics;
        try {
          metrics = checkMetrics(m);
        } catch (e) {
          console.error(
            `${where}: ${id}: ${e instanceof Error ? e.message : String(e)}; host keeps its older state`,
          );
          continue;
        }
        Object.assign(h, { metrics, lastSeen, stateTime, lastSeq: Math.max(h.lastSeq, lastSeq) });
        h.status = hostStatus(lastSeen, h.info.intervalS, now);
      }
    }
    this.stateGroups = counts.size === 1 ? ([...counts][0] as number) : 0;
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

  /** Registers a host or refreshes its info (Hello). Persists its `hosts` row at once: Hello is rare. */
  upsertInfo(id: string, info: HostInfoView, now: number): void {
    let h = this.hosts.get(id);
    if (h) h.info = info;
    else {
      h = { id, info, metrics: {}, lastSeen: 0, stateTime: 0, lastSeq: 0, createdAt: now, status: "offline" };
      this.hosts.set(id, h);
      this.groupIndex = undefined;
    }
    this.sql.exec(
      `INSERT INTO hosts (id, info, metrics, last_seen, state_time, last_seq, created_at)
       VALUES (?, ?, '{}', 0, 0, 0, ?)
       ON CONFLICT (id) DO UPDATE SET info = excluded.info`,
      id,
      JSON.stringify(info),
      h.createdAt,
    );
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

  /**
   * Writes the state of dirty hosts: one row per group that holds one (with
   * only, that host's group, if it is dirty). A fleet whose group count
   * changed since the last write rewrites every group under the new count.
   * Returns rows written.
   */
  flush(only?: string): number {
    if (only !== undefined && !this.dirty.has(only)) return 0;
    const groups = groupCount(this.hosts.size);
    if (groups !== this.stateGroups) return this.rewriteAll(groups);
    const due = new Set<number>();
    for (const id of only === undefined ? this.dirty : [only]) due.add(groupOf(id, groups));
    for (const grp of due) this.writeGroup(groups, grp, this.members(groups, grp));
    return due.size;
  }

  /**
   * Writes one group's state: called in the transaction that writes the
   * group's raw row, so a host's durable last seq is never below a stored
   * one (the raw window dedupes against it).
   */
  flushGroup(groups: number, grp: number): number {
    if (groups !== this.stateGroups) return this.rewriteAll(groups);
    this.writeGroup(groups, grp, this.members(groups, grp));
    return 1;
  }

  private rewriteAll(groups: number): number {
    const byGroup = this.byGroup(groups);
    this.sql.exec("DELETE FROM host_state WHERE groups != ?", groups);
    for (const [grp, members] of byGroup) this.writeGroup(groups, grp, members);
    this.stateGroups = groups;
    return byGroup.size;
  }

  /**
   * Hosts of one group, from an index built once per group count and kept
   * until a host comes or goes: a fleet's alarm may write every group.
   */
  private members(groups: number, grp: number): HostRecord[] {
    return this.byGroup(groups).get(grp) ?? [];
  }

  /** Every host by group under `groups` (the index `members` reads). */
  private byGroup(groups: number): Map<number, HostRecord[]> {
    if (this.groupIndex?.groups !== groups) {
      const byGroup = new Map<number, HostRecord[]>();
      for (const h of this.hosts.values()) {
        const g = groupOf(h.id, groups);
        const list = byGroup.get(g);
        if (list) list.push(h);
        else byGroup.set(g, [h]);
      }
      this.groupIndex = { groups, byGroup };
    }
    return this.groupIndex.byGroup;
  }

  private writeGroup(groups: number, grp: number, members: HostRecord[]): void {
    const data: Record<string, StateEntry> = {};
    for (const h of members) {
      data[h.id] = [h.lastSeen, h.stateTime, h.lastSeq, h.metrics];
      this.dirty.delete(h.id);
    }
    if (members.length === 0) {
      this.sql.exec("DELETE FROM host_state WHERE groups = ? AND grp = ?", groups, grp);
      return;
    }
    this.sql.exec(
      `INSERT INTO host_state (groups, grp, data) VALUES (?, ?, ?)
       ON CONFLICT (groups, grp) DO UPDATE SET data = excluded.data`,
      groups,
      grp,
      JSON.stringify(data),
    );
  }

  /** Forgets a host: its `hosts` row, and its entry in its group's state row. */
  delete(id: string): boolean {
    this.dirty.delete(id);
    this.sql.exec("DELETE FROM hosts WHERE id = ?", id);
    const had = this.hosts.delete(id);
    this.groupIndex = undefined;
    if (had && this.stateGroups > 0) {
      const grp = groupOf(id, this.stateGroups);
      this.writeGroup(this.stateGroups, grp, this.members(this.stateGroups, grp));
    }
    return had;
  }
}
