import { HOUR_MS, MINUTE_MS, type RollupPoint } from "../fleet/rollup";
import { readRollups } from "../fleet/rollup-store";
import { type SeriesSource, withPendingHours } from "../fleet/series";
import type { TrafficPeriod, TrafficSettings } from "./period";

/** Bytes one interface moved in the period so far. */
export interface InterfaceTraffic {
  name: string;
  rxBytes: number;
  txBytes: number;
}

/** `GET /api/fleets/:fleet/hosts/:host/traffic`: a host's traffic this period, all interfaces and each. */
export interface HostTraffic {
  hostId: string;
  hostname: string;
  resetDay: number;
  timeZone: string;
  /** Unix ms: when the period began, and when the next begins (the totals reset then). */
  periodStart: number;
  periodEnd: number;
  rxBytes: number;
  txBytes: number;
  interfaces: InterfaceTraffic[];
  /** Seconds of samples counted: less than the time since `periodStart` where the host sent nothing. */
  coveredS: number;
}

/**
 * Integrates a host's stored network rates into byte totals. Every sample's
 * rate is the agent's counter delta over the one interval before it, divided
 * by that interval, so a sample stands for exactly `rate × interval` bytes,
 * and a rollup point of `n` samples with mean rate `avg` for `avg × n ×
 * interval`: the sum of what the counters moved, whatever the step. Where no
 * sample exists (agent stopped, host down or rebooted) nothing is counted:
 * the agent's first sample after a restart is a rate over one interval from
 * its priming read, never the bytes of the gap, which a reboot makes
 * unknowable (counters start again at 0). Samples spooled through a network
 * outage are replayed with their own times and counted.
 */
export function integrateRates(
  points: RollupPoint[],
  intervalS: number,
): { rxBytes: number; txBytes: number; interfaces: InterfaceTraffic[]; coveredS: number } {
  let rx = 0;
  let tx = 0;
  let covered = 0;
  const ifaces = new Map<string, InterfaceTraffic>();
  const iface = (name: string) => {
    let t = ifaces.get(name);
    if (!t) {
      t = { name, rxBytes: 0, txBytes: 0 };
      ifaces.set(name, t);
    }
    return t;
  };
  for (const p of points) {
    const seconds = p.n * intervalS;
    let any = false;
    for (const key in p.v) {
      if (!key.startsWith("net.")) continue;
      const bytes = (p.v[key]?.[1] ?? 0) * seconds;
      if (key === "net.rx") rx += bytes;
      else if (key === "net.tx") tx += bytes;
      else if (key.startsWith("net.rx:")) iface(key.slice(7)).rxBytes += bytes;
      else if (key.startsWith("net.tx:")) iface(key.slice(7)).txBytes += bytes;
      else continue;
      any = true;
    }
    if (any) covered += seconds;
  }
  return {
    rxBytes: Math.round(rx),
    txBytes: Math.round(tx),
    interfaces: [...ifaces.values()]
      .map((t) => ({ name: t.name, rxBytes: Math.round(t.rxBytes), txBytes: Math.round(t.txBytes) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    coveredS: covered,
  };
}

/**
 * A host's rollup points over [from, to]: hour points where whole hours lie
 * in the range, minute points for a period that starts inside an hour (time
 * zones at a half or quarter hour), and the hours the object has not yet
 * written to D1 computed from its raw window.
 */
export async function periodPoints(
  src: SeriesSource,
  hostId: string,
  from: number,
  to: number,
  now: number,
): Promise<RollupPoint[]> {
  const db = await src.history(hostId);
  const hourFrom = Math.min(Math.ceil(from / HOUR_MS) * HOUR_MS, to);
  const out: RollupPoint[] = [];
  if (hourFrom > from) {
    const stored = await readRollups(db, "1m", src.fleetId, hostId, from, hourFrom - 1);
    out.push(
      ...withPendingHours(
        src,
        hostId,
        stored.filter((p) => p.t >= from && p.t < hourFrom),
        from,
        hourFrom - 1,
        now,
        MINUTE_MS,
      ),
    );
  }
  if (to > hourFrom) {
    const stored = await readRollups(db, "1h", src.fleetId, hostId, hourFrom, to);
    out.push(
      ...withPendingHours(
        src,
        hostId,
        stored.filter((p) => p.t >= hourFrom && p.t <= to),
        hourFrom,
        to,
        now,
        HOUR_MS,
      ),
    );
  }
  return out;
}

/** A host's traffic in the period holding `now`. */
export async function hostTraffic(
  src: SeriesSource,
  host: { id: string; hostname: string; intervalS: number },
  settings: TrafficSettings,
  period: TrafficPeriod,
  now: number,
): Promise<HostTraffic> {
  const points = await periodPoints(src, host.id, period.start, now, now);
  return {
    hostId: host.id,
    hostname: host.hostname,
    resetDay: settings.resetDay,
    timeZone: settings.timeZone,
    periodStart: period.start,
    periodEnd: period.end,
    ...integrateRates(points, host.intervalS),
  };
}
