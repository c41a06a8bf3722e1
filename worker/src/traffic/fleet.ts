import { fleetObjects, fleetStub } from "../fleet/stub";
import type { TrafficReadOptions } from "./cache";
import type { FleetTrafficSettings } from "./settings-store";
import type { HostTraffic } from "./totals";

/** A fleet's traffic this period: its settings and every host, most traffic first. */
export interface FleetTraffic {
  settings: FleetTrafficSettings;
  hosts: HostTraffic[];
}

/**
 * Traffic of every host of a fleet: the settings from the fleet's object,
 * then each ingesting object (the fleet's and its shards) integrates its
 * own hosts. A host a shard took over since appears once.
 */
export async function fleetTraffic(
  env: Env,
  fleetId: string,
  opts?: TrafficReadOptions,
): Promise<FleetTraffic> {
  const settings = await fleetStub(env, fleetId).trafficSettings();
  const parts = await Promise.all(
    fleetObjects(env, fleetId).map((s) => s.traffic(settings, undefined, opts)),
  );
  const seen = new Set<string>();
  const hosts = parts
    .flat()
    .filter((h) => !seen.has(h.hostId) && seen.add(h.hostId))
    .sort((a, b) => b.txBytes + b.rxBytes - (a.txBytes + a.rxBytes));
  return { settings, hosts };
}
