import type { RawPoint } from "./raw-window";

/** min, avg, max, last of one series over one step. */
export type Agg = [min: number, avg: number, max: number, last: number];

/** One rollup point: `n` samples in [t, t + step). */
export interface RollupPoint {
  t: number;
  n: number;
  v: Record<string, Agg>;
}

/**
 * A packed rollup row as stored in D1: the points' times and sample counts
 * once, then each series' aggregates aligned with them (`null` where a point
 * lacks the series). One series of a row is then a single JSON path
 * (`$.s."cpu"`), so a history query reads it without walking every point.
 */
export interface PackedPoints {
  t: number[];
  n: number[];
  s: Record<string, (Agg | null)[]>;
}

/** Packs time-ordered points into the stored row form. */
export function packPoints(points: RollupPoint[]): string {
  const packed: PackedPoints = { t: [], n: [], s: {} };
  points.forEach((p, i) => {
    packed.t.push(p.t);
    packed.n.push(p.n);
    for (const key in p.v) {
      let col = packed.s[key];
      if (!col) {
        col = new Array<Agg | null>(points.length).fill(null);
        packed.s[key] = col;
      }
      col[i] = p.v[key] as Agg;
    }
  });
  return JSON.stringify(packed);
}

/**
 * Reads a stored row back into points. Rows written before the columnar form
 * hold a plain `RollupPoint[]`; they are read as they are.
 */
export function unpackPoints(text: string): RollupPoint[] {
  const parsed = JSON.parse(text) as PackedPoints | RollupPoint[];
  if (Array.isArray(parsed)) return parsed;
  const points: RollupPoint[] = parsed.t.map((t, i) => ({ t, n: parsed.n[i] ?? 0, v: {} }));
  for (const key in parsed.s) {
    // A series the row lacks comes back null from a one-series read.
    const col = parsed.s[key];
    col?.forEach((a, i) => {
      const p = points[i];
      if (a && p) p.v[key] = a;
    });
  }
  return points;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Start of the step that holds `t`. */
export function bucketStart(t: number, stepMs: number): number {
  return Math.floor(t / stepMs) * stepMs;
}

interface Acc {
  min: number;
  max: number;
  sum: number;
  /** Weight behind `sum` (samples for raw input, sample counts of the points for rollups). */
  w: number;
  last: number;
  lastT: number;
}

function add(
  acc: Map<string, Acc>,
  key: string,
  min: number,
  avg: number,
  max: number,
  last: number,
  w: number,
  t: number,
) {
  const a = acc.get(key);
  if (!a) {
    acc.set(key, { min, max, sum: avg * w, w, last, lastT: t });
    return;
  }
  if (min < a.min) a.min = min;
  if (max > a.max) a.max = max;
  a.sum += avg * w;
  a.w += w;
  if (t >= a.lastT) {
    a.last = last;
    a.lastT = t;
  }
}

function finish(t: number, n: number, acc: Map<string, Acc>): RollupPoint {
  const v: Record<string, Agg> = {};
  for (const [key, a] of acc) v[key] = [a.min, a.sum / a.w, a.max, a.last];
  return { t, n, v };
}

/**
 * Rolls raw samples up into points of `stepMs`, keeping min/avg/max/last of
 * every series so spikes survive downsampling. Input order does not matter.
 */
export function rollupRaw(points: RawPoint[], stepMs: number): RollupPoint[] {
  const buckets = new Map<number, { n: number; acc: Map<string, Acc> }>();
  for (const p of points) {
    const t = bucketStart(p.t, stepMs);
    let b = buckets.get(t);
    if (!b) {
      b = { n: 0, acc: new Map() };
      buckets.set(t, b);
    }
    b.n++;
    for (const key in p.v) {
      const x = p.v[key] as number;
      add(b.acc, key, x, x, x, x, 1, p.t);
    }
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([t, b]) => finish(t, b.n, b.acc));
}

/**
 * Combines rollup points into coarser ones of `stepMs` (1m -> 1h, or any
 * display step). The average is weighted by sample counts.
 */
export function combine(points: RollupPoint[], stepMs: number): RollupPoint[] {
  const buckets = new Map<number, { n: number; acc: Map<string, Acc> }>();
  for (const p of points) {
    const t = bucketStart(p.t, stepMs);
    let b = buckets.get(t);
    if (!b) {
      b = { n: 0, acc: new Map() };
      buckets.set(t, b);
    }
    b.n += p.n;
    for (const key in p.v) {
      const [min, avg, max, last] = p.v[key] as Agg;
      add(b.acc, key, min, avg, max, last, p.n, p.t);
    }
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([t, b]) => finish(t, b.n, b.acc));
}

/** Replaces the point at `point.t` (or inserts it) keeping time order. */
export function upsertPoint(points: RollupPoint[], point: RollupPoint): RollupPoint[] {
  const out = points.filter((p) => p.t !== point.t);
  out.push(point);
  return out.sort((a, b) => a.t - b.t);
}

/** Aggregations a rule or query can ask of a window. */
export type WindowAgg = "avg" | "max" | "min" | "last";

/** Aggregates raw points per series over a window: the value alert rules compare. */
export function aggregateWindow(points: RawPoint[], agg: WindowAgg): Record<string, number> {
  const [p] = rollupRaw(points, Number.MAX_SAFE_INTEGER);
  if (!p) return {};
  const idx = { min: 0, avg: 1, max: 2, last: 3 }[agg];
  const out: Record<string, number> = {};
  for (const key in p.v) out[key] = (p.v[key] as Agg)[idx];
  return out;
}
