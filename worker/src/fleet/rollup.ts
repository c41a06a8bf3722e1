import { type Check, decodeStored, StoredJsonError } from "../db/stored-json";
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
  /** null: a one-series read (`readRollups`) of a row that lacks the series. */
  s: Record<string, (Agg | null)[] | null>;
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

function isAgg(a: unknown): a is Agg {
  return (
    Array.isArray(a) &&
    a.length === 4 &&
    typeof a[0] === "number" &&
    typeof a[1] === "number" &&
    typeof a[2] === "number" &&
    typeof a[3] === "number"
  );
}

function isNumbers(a: unknown): a is number[] {
  if (!Array.isArray(a)) return false;
  for (const x of a) if (typeof x !== "number") return false;
  return true;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks a parsed rollup row: the packed form, or the older point-per-object
 * form. Hand-written rather than zod, as `checkSegment` in raw-window.ts: a
 * history query decodes every row it reads, and this check adds ~1 % to the
 * JSON.parse of a packed row (60 points x 40 series).
 */
export const checkRollupRow: Check<PackedPoints | RollupPoint[]> = (v) => {
  if (Array.isArray(v)) {
    v.forEach((p: unknown, i) => {
      if (!isRecord(p) || typeof p.t !== "number" || typeof p.n !== "number" || !isRecord(p.v))
        throw new Error(`${i}: expected a point {t, n, v}`);
      for (const key in p.v)
        if (!isAgg(p.v[key])) throw new Error(`${i}.v.${key}: expected [min, avg, max, last]`);
    });
    return v as RollupPoint[];
  }
  if (!isRecord(v)) throw new Error("expected packed points {t, n, s} or an array of points");
  if (!isNumbers(v.t)) throw new Error("t: expected an array of numbers");
  if (!isNumbers(v.n) || v.n.length !== v.t.length)
    throw new Error(`n: expected an array of ${v.t.length} numbers, one per time`);
  if (!isRecord(v.s)) throw new Error("s: expected an object of series");
  for (const key in v.s) {
    const col = v.s[key];
    // A one-series read of a row that lacks the series yields null.
    if (col === null) continue;
    if (!Array.isArray(col) || col.length > v.t.length)
      throw new Error(`s.${key}: expected an array of at most ${v.t.length} aggregates`);
    for (let i = 0; i < col.length; i++) {
      const a: unknown = col[i];
      if (a !== null && !isAgg(a)) throw new Error(`s.${key}.${i}: expected [min, avg, max, last] or null`);
    }
  }
  return v as unknown as PackedPoints;
};

/**
 * Reads a stored row back into points; throws `StoredJsonError` naming
 * `where` when the row does not decode. Rows written before the columnar
 * form hold a plain `RollupPoint[]`; they are read as they are.
 */
export function decodePoints(text: string, where = "rollup row"): RollupPoint[] {
  const parsed = decodeStored(text, checkRollupRow, where);
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

/**
 * `decodePoints` for readers that must go on past a bad row: the row is
 * logged and reads as no points. A history query then answers with the
 * other rows; the hourly flush rewrites a bad day row from the points it
 * has (what the bad row held could not be read anyway).
 */
export function unpackPoints(text: string, where = "rollup row"): RollupPoint[] {
  try {
    return decodePoints(text, where);
  } catch (e) {
    if (!(e instanceof StoredJsonError)) throw e;
    console.error(`${e.message}; read as no points`);
    return [];
  }
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
