import type { Sql } from "./usage";

/**
 * What a fleet object knows about itself, kept in DO SQLite so it survives
 * eviction: the fleet it serves (learned from the Worker's first request)
 * and whether it is one of that fleet's ingest shards.
 */
export class FleetMeta {
  fleetId = "";
  shard = false;

  constructor(private readonly sql: Sql) {}

  /** Creates the table and reads it (called once, at start-up). */
  load(): void {
    this.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    for (const r of this.sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta")) {
      if (r.key === "fleet") this.fleetId = r.value;
      if (r.key === "role") this.shard = r.value === "shard";
    }
  }

  /** Remembers the fleet this object serves (the Worker names it on every request). */
  rememberFleet(fleet: string | null): void {
    if (!fleet || fleet === this.fleetId) return;
    this.fleetId = fleet;
    this.set("fleet", fleet);
  }

  /** Makes this object an ingest shard for good. */
  becomeShard(): void {
    if (this.shard) return;
    this.shard = true;
    this.set("role", "shard");
  }

  private set(key: string, value: string): void {
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  }
}
