import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Tier } from "../metrics/types";
import type { RawWindow } from "./raw-window";
import { type RollupPoint, rollupRaw } from "./rollup";
import { readRollupsOf } from "./rollup-store";
import { pickStepMs, pickTier, withPendingHours } from "./series";

/** Most hosts one fleet series answer lists. */
export const MAX_TOP_HOSTS = 50;
/** Most hosts of one ingesting object ranked per request (the first by id beyond that). */
export const MAX_RANKED_HOSTS = 1000;
/** Most points per host: one line among many needs no more, and 50 hosts x 300 points stay small. */
export const FLEET_MAX_POINTS = 300;

/** How hosts are ranked: the mean of their averages over the range, or their peak. */
export type RankBy = "avg" | "max";

/** One point of a ranked host's line: the bucket's average and peak. */
export interface FleetPoint {
  t: number;
  avg: number;
  max: number;
}

/** A ranked host: its series and the score it was ranked by. */
export interface RankedHost {
  id: string;
  hostname: string;
  score: number;
  points: FleetPoint[];
}

/** The top hosts of one object (or, merged, of the fleet) for a series over a range. */
export interface FleetSeries {
  metric: string;
  by: RankBy;
  tier: Tier;
  stepS: number;
  from: number;
  to: number;
  /** Hosts that had points of the series in the range. */
  reporting: number;
  /** Hosts left out of the ranking by the per-object bound. */
  unranked: number;
  hosts: RankedHost[];
}

/** A fleet series request: the series, range, how many hosts and how they are ranked. */
export interface FleetSeriesQuery {
  metric: string;
  from: number;
  to: number;
  limit: number;
  by: RankBy;
  stepS?: number;
}

/** What the fleet series query needs from an ingesting object. */
export interface FleetSeriesSource {
  raw: RawWindow;
  fleetId: string;
  pendingHours(hostId: string): number[];
  /** The hosts of `hostIds` grouped by the D1 database their rollups are in. */
  histories(hostIds: string[]): Promise<Map<DrizzleD1Database, string[]>>;
  hostname(hostId: string): string;
}

/**
 * The step of a fleet chart: as for one host's series, but coarse enough
 * that a host's line holds at most `FLEET_MAX_POINTS` points.
 */
export function fleetStepMs(tier: Tier, from: number, to: number, stepS?: number): number {
  const floor = Math.ceil((to - from) / FLEET_MAX_POINTS / 1000);
  return pickStepMs(tier, from, to, Math.max(stepS ?? 0, floor));
}

/** A host's score: the mean of its bucket averages, or its highest bucket peak. */
export function scoreOf(points: FleetPoint[], by: RankBy): number {
  if (by === "max") return points.reduce((m, p) => Math.max(m, p.max), Number.NEGATIVE_INFINITY);
  return points.reduce((s, p) => s + p.avg, 0) / points.length;
}

/** Highest score first; equal scores by host id, so the order is stable. */
export function byScore(a: RankedHost, b: RankedHost): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function project(points: RollupPoint[], metric: string): FleetPoint[] {
  const out: FleetPoint[] = [];
  for (const p of points) {
    const a = p.v[metric];
    if (a) out.push({ t: p.t, avg: a[1], max: a[2] });
  }
  return out;
}

/**
 * Every host's series `metric` over [from, to] at the tier picked for the
 * range (raw from the object's window; 1 m or 1 h rollups from D1, read
 * for many hosts per statement, with the hours still pending here taken
 * from the raw window), ranked by `by`; the best `limit` are answered.
 */
export async function queryFleetSeries(
  src: FleetSeriesSource,
  hostIds: string[],
  q: FleetSeriesQuery,
  now: number,
): Promise<FleetSeries> {
  const { metric, from, to } = q;
  const tier = pickTier(from, to, now);
  const stepMs = fleetStepMs(tier, from, to, q.stepS);
  const ids = [...hostIds].sort().slice(0, MAX_RANKED_HOSTS);
  const series = new Map<string, RollupPoint[]>();
  if (tier === "raw") {
    for (const id of ids) series.set(id, rollupRaw(src.raw.range(id, from, to, metric), stepMs));
  } else {
    for (const [db, group] of await src.histories(ids)) {
      const stored = await readRollupsOf(db, tier, src.fleetId, group, from, to, metric);
      for (const id of group) {
        series.set(id, withPendingHours(src, id, stored.get(id) ?? [], from, to, now, stepMs, metric));
      }
    }
  }
  const ranked: RankedHost[] = [];
  for (const [id, rolled] of series) {
    const points = project(rolled, metric);
    if (points.length === 0) continue;
    ranked.push({ id, hostname: src.hostname(id), score: scoreOf(points, q.by), points });
  }
  ranked.sort(byScore);
  return {
    metric,
    by: q.by,
    tier,
    stepS: stepMs / 1000,
    from,
    to,
    reporting: ranked.length,
    unranked: hostIds.length - ids.length,
    hosts: ranked.slice(0, q.limit),
  };
}

/**
 * The fleet's answer from its objects' answers (each computes the same tier
 * and step for the range): reporting hosts summed, the best `limit` overall.
 */
export function mergeFleetSeries(parts: FleetSeries[], limit: number): FleetSeries | undefined {
  const [first] = parts;
  if (!first || parts.length === 1) return first;
  const seen = new Set<string>();
  const hosts: RankedHost[] = [];
  // A host that moved to a shard may have an older window at the fleet's object: listed once.
  for (const h of parts.flatMap((p) => p.hosts).sort(byScore)) {
    if (seen.has(h.id)) continue;
    seen.add(h.id);
    hosts.push(h);
  }
  return {
    ...first,
    reporting: parts.reduce((n, p) => n + p.reporting, 0),
    unranked: parts.reduce((n, p) => n + p.unranked, 0),
    hosts: hosts.slice(0, limit),
  };
}
