import type { SeriesSource } from "../fleet/series";
import { trafficPeriod } from "./period";
import { type FleetTrafficSettings, settingsFor } from "./settings-store";
import { type HostTraffic, hostTraffic } from "./totals";

/**
 * How old a host's totals may be for quota rules and Prometheus scrapes: a
 * month's total is one D1 read of up to five packed hour rows plus the
 * pending hours from the raw window per host, too much to redo for every
 * host each minute and each scrape. Five minutes late is nothing against a
 * monthly quota; the REST API always computes afresh.
 */
export const TRAFFIC_MAX_AGE_MS = 5 * 60_000;

interface Entry {
  at: number;
  traffic: HostTraffic;
}

/**
 * The last totals of each host an object computed, kept in memory (an
 * evicted object computes them again). Within one period the totals it
 * hands out never go down: an hour's pending minutes and the same hour read
 * back from D1 round differently by a few bytes, and a Prometheus counter
 * that dips reads as a reset (`increase()` would count the month twice).
 */
export class TrafficCache {
  private readonly entries = new Map<string, Entry>();

  /** The host's totals if computed for this period at most `maxAgeMs` before `now`. */
  get(hostId: string, periodStart: number, now: number, maxAgeMs: number): HostTraffic | undefined {
    const e = this.entries.get(hostId);
    if (!e || e.traffic.periodStart !== periodStart || now < e.at || now - e.at > maxAgeMs) return undefined;
    return e.traffic;
  }

  /** Keeps fresh totals and returns them, raised to what this period already showed. */
  put(fresh: HostTraffic, now: number): HostTraffic {
    const prev = this.entries.get(fresh.hostId)?.traffic;
    const traffic = prev && prev.periodStart === fresh.periodStart ? monotonic(prev, fresh) : fresh;
    this.entries.set(fresh.hostId, { at: now, traffic });
    return traffic;
  }
}

/** `next` with every total at least what `prev` showed (same period). */
export function monotonic(prev: HostTraffic, next: HostTraffic): HostTraffic {
  const before = new Map(prev.interfaces.map((i) => [i.name, i]));
  const names = new Set([...before.keys(), ...next.interfaces.map((i) => i.name)]);
  const after = new Map(next.interfaces.map((i) => [i.name, i]));
  return {
    ...next,
    rxBytes: Math.max(prev.rxBytes, next.rxBytes),
    txBytes: Math.max(prev.txBytes, next.txBytes),
    coveredS: Math.max(prev.coveredS, next.coveredS),
    interfaces: [...names]
      .sort((a, b) => a.localeCompare(b))
      .map((name) => ({
        name,
        rxBytes: Math.max(before.get(name)?.rxBytes ?? 0, after.get(name)?.rxBytes ?? 0),
        txBytes: Math.max(before.get(name)?.txBytes ?? 0, after.get(name)?.txBytes ?? 0),
      })),
  };
}

/** How a read of traffic totals may use an object's cache of them. */
export interface TrafficReadOptions {
  /** The instant the period is taken at (default: now). */
  now?: number;
  /** Totals computed at most this long ago are reused (default 0: always computed). */
  maxAgeMs?: number;
}

/** Traffic this period of each named host an object ingests (unknown ids are left out). */
export async function hostsTraffic(
  src: SeriesSource,
  hosts: { get(id: string): { info: { hostname: string; intervalS: number } } | undefined },
  hostIds: string[],
  all: FleetTrafficSettings,
  cache: TrafficCache,
  opts: TrafficReadOptions = {},
): Promise<HostTraffic[]> {
  const now = opts.now ?? Date.now();
  const out: HostTraffic[] = [];
  for (const id of hostIds) {
    const h = hosts.get(id);
    if (!h) continue;
    const s = settingsFor(all, id);
    const period = trafficPeriod(now, s);
    const cached = cache.get(id, period.start, now, opts.maxAgeMs ?? 0);
    if (cached && cached.resetDay === s.resetDay && cached.timeZone === s.timeZone) {
      out.push(cached);
      continue;
    }
    const host = { id, hostname: h.info.hostname, intervalS: h.info.intervalS };
    out.push(cache.put(await hostTraffic(src, host, s, period, now), now));
  }
  return out;
}
