import { checkHostView, tryDecodeStored } from "../db/stored-json";
import type { HostView } from "../metrics/types";
import { hostStatus } from "./status";
import type { Sql } from "./usage";

/**
 * The views of hosts that the fleet's ingest shards own, as the shards last
 * forwarded them: in memory for reads and broadcasts, in DO SQLite so the
 * host list survives eviction. A new host is written at once (rare); later
 * changes only on flush, as the fleet's own host rows are.
 */
export class ShardViews {
  private readonly views = new Map<string, HostView>();
  private readonly dirty = new Set<string>();

  constructor(private readonly sql: Sql) {}

  /** Creates the table; safe to call on every start. */
  static migrate(sql: Sql): void {
    sql.exec(
      "CREATE TABLE IF NOT EXISTS shard_views (id TEXT PRIMARY KEY, view TEXT NOT NULL) WITHOUT ROWID",
    );
  }

  /**
   * Loads every view into memory (called once, inside blockConcurrencyWhile).
   * A row that does not decode is skipped and logged with its key; the
   * shard's next update of that host brings the view back.
   */
  load(now: number): void {
    for (const r of this.sql.exec<{ id: string; view: string }>("SELECT id, view FROM shard_views")) {
      const decoded = tryDecodeStored(r.view, checkHostView, `shard_views row ${r.id}: view`);
      if (!decoded.ok) {
        console.error(`${decoded.error.message}; host skipped until its shard sends it again`);
        continue;
      }
      const v = decoded.value;
      // The stored copy may be older than the host's last status change.
      this.views.set(r.id, { ...v, status: hostStatus(v.lastSeen, v.info.intervalS, now) });
    }
  }

  get size(): number {
    return this.views.size;
  }

  get(id: string): HostView | undefined {
    return this.views.get(id);
  }

  all(): HostView[] {
    return [...this.views.values()];
  }

  /** Takes views a shard forwarded. */
  apply(views: HostView[]): void {
    for (const v of views) {
      const known = this.views.has(v.id);
      this.views.set(v.id, v);
      this.dirty.add(v.id);
      if (!known) this.flush(v.id);
    }
  }

  /** Forgets a host; false when it was not here. */
  delete(id: string): boolean {
    if (!this.views.delete(id)) return false;
    this.dirty.delete(id);
    this.sql.exec("DELETE FROM shard_views WHERE id = ?", id);
    return true;
  }

  /** True when some view changed since it was last written. */
  get hasDirty(): boolean {
    return this.dirty.size > 0;
  }

  /** Writes changed views (one row each). Returns rows written. */
  flush(only?: string): number {
    const ids = only === undefined ? [...this.dirty] : this.dirty.has(only) ? [only] : [];
    for (const id of ids) {
      this.dirty.delete(id);
      const v = this.views.get(id);
      if (!v) continue;
      this.sql.exec(
        "INSERT INTO shard_views (id, view) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET view = excluded.view",
        id,
        JSON.stringify(v),
      );
    }
    return ids.length;
  }
}
