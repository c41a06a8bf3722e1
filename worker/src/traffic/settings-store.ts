import type { Sql } from "../fleet/usage";
import { DEFAULT_TRAFFIC_SETTINGS, type TrafficSettings } from "./period";

/** A fleet's traffic settings and the hosts that override them. */
export interface FleetTrafficSettings {
  fleet: TrafficSettings;
  hosts: Record<string, TrafficSettings>;
}

/** The settings that apply to a host: its own, else the fleet's. */
export function settingsFor(all: FleetTrafficSettings, hostId: string): TrafficSettings {
  return Object.hasOwn(all.hosts, hostId) ? (all.hosts[hostId] as TrafficSettings) : all.fleet;
}

/**
 * Traffic settings in the fleet object's SQLite (one row per host override,
 * host_id '' for the fleet's): read with every traffic request and alert
 * evaluation, changed rarely, so they live beside the hosts, not in D1.
 */
export class TrafficSettingsStore {
  constructor(private readonly sql: Sql) {
    sql.exec(
      "CREATE TABLE IF NOT EXISTS traffic_settings (host_id TEXT PRIMARY KEY, reset_day INTEGER NOT NULL, time_zone TEXT NOT NULL)",
    );
  }

  read(): FleetTrafficSettings {
    const out: FleetTrafficSettings = { fleet: DEFAULT_TRAFFIC_SETTINGS, hosts: {} };
    for (const r of this.sql.exec<{ host_id: string; reset_day: number; time_zone: string }>(
      "SELECT host_id, reset_day, time_zone FROM traffic_settings",
    )) {
      const s = { resetDay: r.reset_day, timeZone: r.time_zone };
      if (r.host_id === "") out.fleet = s;
      else out.hosts[r.host_id] = s;
    }
    return out;
  }

  /** Sets the fleet's settings (`hostId` '') or a host's; `null` removes a host's override. */
  write(hostId: string, s: TrafficSettings | null): void {
    if (s === null) {
      this.sql.exec("DELETE FROM traffic_settings WHERE host_id = ?", hostId);
      return;
    }
    this.sql.exec(
      "INSERT INTO traffic_settings (host_id, reset_day, time_zone) VALUES (?, ?, ?) ON CONFLICT (host_id) DO UPDATE SET reset_day = excluded.reset_day, time_zone = excluded.time_zone",
      hostId,
      s.resetDay,
      s.timeZone,
    );
  }
}
