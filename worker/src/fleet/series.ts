import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { SeriesExport, SeriesPoint, SeriesResult, Tier } from "../metrics/types";
import type { RawWindow } from "./raw-window";
import { bucketStart, combine, DAY_MS, HOUR_MS, MINUTE_MS, type RollupPoint, rollupRaw } from "./rollup";
import { readRollups } from "./rollup-store";

/** History tiers and how long each is kept (defaults; see docs/API.md). */
export const RETENTION: Record<Tier, number> = { raw: DAY_MS, "1m": 30 * DAY_MS, "1h": 2 * 365 * DAY_MS };

/** Aim for about this many points per chart when no step is given. */
const TARGET_POINTS = 720;
const TIER_STEP_MS: Record<Tier, number> = { raw: 5_000, "1m": MINUTE_MS, "1h": HOUR_MS };

/**
 * Picks the finest tier that holds the whole range at a sensible density:
 * raw for up to 6 h within the raw window, 1m for up to 8 days within its
 * retention, 1h beyond.
 */
export function pickTier(from: number, to: number, now: number): Tier {
  const span = to - from;
  if (span <= 6 * HOUR_MS && from >= now - RETENTION.raw) return "raw";
  if (span <= 8 * DAY_MS && from >= now - RETENTION["1m"]) return "1m";
  return "1h";
}

/** The display step: the requested one, never finer than the tier, else ~720 points. */
export function pickStepMs(tier: Tier, from: number, to: number, stepS?: number): number {
  const base = TIER_STEP_MS[tier];
  const wanted = stepS !== undefined ? stepS * 1000 : Math.ceil((to - from) / TARGET_POINTS);
  return Math.max(base, Math.ceil(wanted / base) * base);
}

/**
 * Points of one series. `last` comes with the raw tier only: rollup rows do
 * not keep it (rollup.ts, STATS), so a rollup tier's answer never carries
 * it, not even for the recent hours still computed from raw samples.
 */
function project(points: RollupPoint[], metric: string, tier: Tier): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (const p of points) {
    const a = p.v[metric];
    if (!a) continue;
    const last = a[3];
    out.push(
      tier === "raw" && last !== undefined
        ? { t: p.t, min: a[0], avg: a[1], max: a[2], last }
        : { t: p.t, min: a[0], avg: a[1], max: a[2] },
    );
  }
  return out;
}

/** What a series query needs from the fleet DO. */
export interface SeriesSource {
  raw: RawWindow;
  /** The D1 database that holds a host's rollups (db/history.ts: its recorded placement). */
  history(hostId: string): Promise<DrizzleD1Database>;
  fleetId: string;
  /** Hours whose samples are not yet (fully) in D1. */
  pendingHours(hostId: string): number[];
}

/**
 * Rollup points of a host over [from, to], at the tier and step picked for
 * the range: every series, or only `metric`'s.
 */
export async function queryRollups(
  src: SeriesSource,
  hostId: string,
  from: number,
  to: number,
  now: number,
  stepS?: number,
  metric?: string,
): Promise<{ tier: Tier; stepMs: number; points: RollupPoint[] }> {
  const tier = pickTier(from, to, now);
  const stepMs = pickStepMs(tier, from, to, stepS);
  if (tier === "raw")
    return { tier, stepMs, points: rollupRaw(src.raw.range(hostId, from, to, metric), stepMs) };
  const stored = await readRollups(await src.history(hostId), tier, src.fleetId, hostId, from, to, metric);
  return { tier, stepMs, points: withPendingHours(src, hostId, stored, from, to, now, stepMs, metric) };
}

/**
 * A host's stored rollup points with the hours still pending in the DO
 * (recent or late data) computed from its raw window instead, combined to
 * `stepMs`.
 */
export function withPendingHours(
  src: Pick<SeriesSource, "raw" | "pendingHours">,
  hostId: string,
  stored: RollupPoint[],
  from: number,
  to: number,
  now: number,
  stepMs: number,
  metric?: string,
): RollupPoint[] {
  // Hours still pending in the DO replace whatever D1 holds for them.
  const pending = src
    .pendingHours(hostId)
    .filter((h) => h + HOUR_MS > from && h <= to && h >= now - RETENTION.raw);
  const fresh: RollupPoint[] = [];
  for (const h of pending) {
    fresh.push(
      ...rollupRaw(
        src.raw.range(hostId, Math.max(h, from), Math.min(h + HOUR_MS - 1, to), metric),
        MINUTE_MS,
      ),
    );
  }
  const pendingSet = new Set(pending);
  const kept = stored.filter((p) => !pendingSet.has(bucketStart(p.t, HOUR_MS)));
  // Minute points of pending hours combine with stored hour points alike.
  return combine([...kept, ...fresh], stepMs);
}

/**
 * A host's series over [from, to]: raw from the DO's window, rollups from
 * D1 plus the DO's hours not yet written there (recent or late data), so
 * the newest points are never missing.
 */
export async function querySeries(
  src: SeriesSource,
  hostId: string,
  metric: string,
  from: number,
  to: number,
  now: number,
  stepS?: number,
): Promise<SeriesResult> {
  const { tier, stepMs, points } = await queryRollups(src, hostId, from, to, now, stepS, metric);
  return { metric, tier, stepS: stepMs / 1000, points: project(points, metric, tier) };
}

/**
 * Several series of a host over one range (all it has when `metrics` is
 * empty), read once: the export of a host's history.
 */
export async function exportSeries(
  src: SeriesSource,
  hostId: string,
  metrics: string[],
  from: number,
  to: number,
  now: number,
  stepS?: number,
): Promise<SeriesExport> {
  const { tier, stepMs, points } = await queryRollups(src, hostId, from, to, now, stepS);
  let names = metrics;
  if (names.length === 0) {
    const seen = new Set<string>();
    for (const p of points) for (const k in p.v) seen.add(k);
    names = [...seen].sort();
  }
  const series: Record<string, SeriesPoint[]> = {};
  for (const m of names) series[m] = project(points, m, tier);
  return { tier, stepS: stepMs / 1000, from, to, series };
}
