import { decodeTable, encodeTable, exactDigits, type Table } from "../codec/columns";
import { type Check, decodeStored, StoredJsonError } from "../db/stored-json";
import { parseSeriesKey, SERIES } from "../metrics/catalog";
import type { RawPoint } from "./segment-codec";

/**
 * min, avg, max and, where it is known, last of one series over one step.
 * Raw samples give all four; stored rollup rows keep min/avg/max (see
 * STATS), so points read from them have no last (rows older versions wrote
 * do).
 */
export type Agg = [min: number, avg: number, max: number, last?: number];

/** One rollup point: `n` samples in [t, t + step). */
export interface RollupPoint {
  t: number;
  n: number;
  v: Record<string, Agg>;
}

/**
 * A rollup row as older versions stored it in D1 (JSON text in `points`):
 * the points' times and sample counts once, then each series' aggregates
 * aligned with them (`null` where a point lacks the series). One series of
 * such a row is a single JSON path (`$.s."cpu"`). Rows are now written in
 * the binary form (`encodeRollupRow`); these are still read.
 */
export interface PackedPoints {
  t: number[];
  n: number[];
  /** null: a one-series read (`readRollups`) of a row that lacks the series. */
  s: Record<string, (Agg | null)[] | null>;
}

/**
 * Packs time-ordered points into the JSON text rows were stored as before
 * the binary form (`encodeRollupRow`). The hub no longer writes it; tests
 * use it to lay down rows exactly as older versions wrote them.
 */
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

// Binary rows. A row is a columnar table (codec/columns.ts): the point
// times, the sample count `n`, then three columns per series keyed
// `min:<series>`, `avg:<series>`, `max:<series>` (a series key may hold any
// character, ':' included: a column key is parsed by its fixed stat
// prefix). Rows older versions wrote also hold `last:<series>`, still read.
// Each column is skippable, so a one-series read decodes four columns of a
// row and skips the rest. The codec deflates the table when that is smaller
// and says so in its version byte.
//
// What is kept, and at what precision, is set by what reads rollups: charts
// draw avg as the line and min/max as the band (spikes survive
// downsampling); alert rules read the raw window, never rollups. `last` of
// a minute or an hour is one raw sample nothing draws: dropping it saved
// 24 % of the rows (bench/lib/corpus.ts, 4 hosts x 24 h). Values are kept
// at ROLLUP_DIGITS of their unit, what a chart can show, rather than at the
// agent's precision: 0.01 % of CPU or a hundredth of a byte per second in a
// one-minute average is noise that costs bits (another 17 %).

/** The aggregates a stored row keeps per series, in `Agg` order: the prefixes of its columns. */
export const STATS = ["min", "avg", "max"] as const;
const STAT_INDEX: Record<string, number> = { min: 0, avg: 1, max: 2, last: 3 };
const COUNT_COLUMN = "n";

/**
 * Decimal digits rollups keep per unit, at most (a series the agent sends
 * coarser keeps its own): a tenth of a percent or a degree, whole bytes and
 * bytes per second, load to two decimals, whole counts (their average to
 * one: procs.running 1, 2, 1 -> 1.3), days to two decimals.
 */
export const ROLLUP_DIGITS: Record<(typeof SERIES)[keyof typeof SERIES]["unit"], number> = {
  percent: 1,
  celsius: 1,
  bytes: 0,
  "bytes/s": 0,
  load: 2,
  count: 0,
  seconds: 0,
  // Days left of a certificate: a hundredth is a quarter of an hour.
  days: 2,
};

/**
 * Decimal digits of a series whose min/max/last are not exact decimals,
 * such as the hub's own percentages (mem, swap, disk:<mount>) in rows older
 * versions wrote, before flattenMetrics rounded them: 2, the precision of
 * every percentage the agent sends (`round2`).
 */
export const DERIVED_DIGITS = 2;
/** Largest scaled integer the table codec stores as an integer (its SAFE). */
const SCALED_MAX = 2 ** 51;

/**
 * The digits a series is stored at: the fewest at which its min and max
 * are exact (the agent's precision), capped by ROLLUP_DIGITS of its unit;
 * DERIVED_DIGITS when they are not exact decimals (or not at a scale the
 * codec's integers hold); fewer when scaled values would not fit those
 * integers; undefined (float64, exact) when even whole numbers would not.
 */
function seriesDigits(key: string, exact: (number | null)[]): number | undefined {
  let d = exactDigits(exact) ?? DERIVED_DIGITS;
  const parsed = parseSeriesKey(key);
  if (parsed) d = Math.min(d, ROLLUP_DIGITS[SERIES[parsed.name].unit]);
  let max = 0;
  for (const v of exact) if (v !== null) max = Math.max(max, Math.abs(v));
  while (d > 0 && Math.round(max * 10 ** d) > SCALED_MAX) d--;
  return Math.round(max * 10 ** d) > SCALED_MAX ? undefined : d;
}

function roundTo(v: number | null, scale: number): number | null {
  return v === null ? null : Math.round(v * scale) / scale;
}

/**
 * Lays time-ordered points out as a table of STATS columns. Every value is
 * rounded to its series' digits (the average, never an exact decimal, to
 * one more for whole-number series), so the average costs about what min
 * and max cost and is never stored as float64. Returns each column's
 * digits too, for the codec's `digitsOf`.
 */
function rollupTable(points: RollupPoint[]): { table: Table; digits: Map<string, number> } {
  const n = points.length;
  const series = new Map<string, (number | null)[][]>();
  points.forEach((p, i) => {
    for (const [key, a] of Object.entries(p.v)) {
      let stats = series.get(key);
      if (!stats) {
        stats = STATS.map(() => new Array<number | null>(n).fill(null));
        series.set(key, stats);
      }
      for (let s = 0; s < STATS.length; s++) (stats[s] as (number | null)[])[i] = a[s] as number;
    }
  });
  const cols = new Map<string, (number | null)[]>([[COUNT_COLUMN, points.map((p) => p.n)]]);
  const digits = new Map<string, number>();
  for (const [key, stats] of series) {
    const [min = [], , max = []] = stats;
    const d = seriesDigits(key, [...min, ...max]);
    STATS.forEach((stat, s) => {
      const col = `${stat}:${key}`;
      const values = stats[s] as (number | null)[];
      if (d === undefined) {
        cols.set(col, values);
        return;
      }
      // The average of whole numbers keeps one decimal (procs.running 1, 2, 1
      // -> 1.3, not a step of 1), bytes and rates aside: a tenth of a byte is noise.
      const at = stat === "avg" && d === 0 && !wholeUnit(key) ? 1 : d;
      cols.set(
        col,
        values.map((v) => roundTo(v, 10 ** at)),
      );
      digits.set(col, at);
    });
  }
  return { table: { t: points.map((p) => p.t), cols }, digits };
}

/** Series in bytes or bytes per second, whose averages stay whole. */
function wholeUnit(key: string): boolean {
  const parsed = parseSeriesKey(key);
  const unit = parsed ? SERIES[parsed.name].unit : undefined;
  return unit === "bytes" || unit === "bytes/s" || unit === "seconds";
}

/**
 * Encodes time-ordered points as a stored rollup row: a columnar table,
 * deflated by the codec when that saves bytes (its version byte says which).
 */
export function encodeRollupRow(points: RollupPoint[]): Uint8Array {
  const { table, digits } = rollupTable(points);
  return encodeTable(table, { digitsOf: (key) => digits.get(key) });
}

/**
 * Decodes a stored rollup row. With `series`, only that series' columns are
 * decoded (the others are skipped unread) and points lacking it come back
 * with no values. Columns of an unknown stat (a newer writer's) are ignored.
 * Throws on malformed input.
 */
export function decodeRollupRow(bytes: Uint8Array, series?: string): RollupPoint[] {
  const only =
    series === undefined
      ? undefined
      : new Set([COUNT_COLUMN, ...Object.keys(STAT_INDEX).map((s) => `${s}:${series}`)]);
  const { t, cols } = decodeTable(bytes, only);
  const counts = cols.get(COUNT_COLUMN);
  if (!counts) throw new RangeError("no sample count column");
  const points = t.map((time, i): RollupPoint => {
    const n = counts[i];
    if (n === null || n === undefined) throw new RangeError(`no sample count at ${time}`);
    return { t: time, n, v: {} };
  });
  const bySeries = new Map<string, (number | null)[][]>();
  for (const [key, values] of cols) {
    const colon = key.indexOf(":");
    const stat = colon < 0 ? undefined : STAT_INDEX[key.slice(0, colon)];
    if (stat === undefined) continue;
    const name = key.slice(colon + 1);
    const stats = bySeries.get(name) ?? [];
    stats[stat] = values;
    bySeries.set(name, stats);
  }
  for (const [name, [min, avg, max, last]] of bySeries) {
    if (!min || !avg || !max) throw new RangeError(`${name}: lacks one of min/avg/max`);
    points.forEach((p, i) => {
      const a = [min[i], avg[i], max[i]];
      const present = a.filter((x) => x !== null && x !== undefined).length;
      if (present === 3) {
        const l = last?.[i];
        p.v[name] = (l === null || l === undefined ? a : [...a, l]) as Agg;
      } else if (present > 0) throw new RangeError(`${name}: ${present} of min/avg/max at ${p.t}`);
    });
  }
  return points;
}

/**
 * `decodeRollupRow` for readers that must go on past a bad row, as
 * `unpackPoints`: the row is logged naming `where` and reads as no points.
 */
export function unpackRollupRow(bytes: Uint8Array, where: string, series?: string): RollupPoint[] {
  try {
    return decodeRollupRow(bytes, series);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    console.error(`${where}: ${e.message}; read as no points`);
    return [];
  }
}

// Rows in blocks. A row of a D1 tier is stored as one table per series
// family (the series name: `cpu.core:0` to `:7` share one, `cpu` is alone),
// back to back in `data`, with an index `{family: [offset, length]}` in its
// own column. A one-series query has SQL cut the row down to its family's
// block (substr with the offsets from the index), so it moves and inflates
// a few KB of a row instead of all of it: a year at 1 h for one series is 53
// blocks of ~1 KB, not 53 rows of ~35 KB. Every block repeats the points'
// times and counts (a few bytes: they delta-code to almost nothing), so
// each decodes on its own. Measured on the corpus, a week of 1 h points: 4.7 %
// more bytes than one table (per series instead of per family: 12.7 %).

/** A row in blocks: the blocks back to back, and the index as stored (JSON). */
export interface RollupBlocks {
  data: Uint8Array;
  idx: string;
}

/** The family of a series key, which names its block: the key up to its instance. */
export function seriesFamily(key: string): string {
  const colon = key.indexOf(":");
  return colon < 0 ? key : key.slice(0, colon);
}

/** Encodes time-ordered points as a row in blocks, one per series family. */
export function encodeRollupBlocks(points: RollupPoint[]): RollupBlocks {
  const families = new Map<string, Set<string>>();
  for (const p of points) {
    for (const key in p.v) {
      const f = seriesFamily(key);
      const keys = families.get(f);
      if (keys) keys.add(key);
      else families.set(f, new Set([key]));
    }
  }
  const blocks: [string, Uint8Array][] = [];
  // A row with no series still keeps its points' times and counts.
  if (families.size === 0) blocks.push(["", encodeRollupRow(points)]);
  for (const [family, keys] of [...families].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const part = points.map((p): RollupPoint => {
      const v: Record<string, Agg> = {};
      for (const k of keys) {
        const a = p.v[k];
        if (a) v[k] = a;
      }
      return { t: p.t, n: p.n, v };
    });
    blocks.push([family, encodeRollupRow(part)]);
  }
  const data = new Uint8Array(blocks.reduce((n, [, b]) => n + b.length, 0));
  const idx: Record<string, [number, number]> = {};
  let at = 0;
  for (const [family, b] of blocks) {
    data.set(b, at);
    idx[family] = [at, b.length];
    at += b.length;
  }
  return { data, idx: JSON.stringify(idx) };
}

/** Checks a parsed block index. */
const checkBlockIndex: Check<Record<string, [number, number]>> = (v) => {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new Error("expected an object of blocks");
  for (const [family, e] of Object.entries(v)) {
    if (!Array.isArray(e) || e.length !== 2 || !e.every((x) => Number.isSafeInteger(x) && x >= 0))
      throw new Error(`${family}: expected [offset, length]`);
  }
  return v as Record<string, [number, number]>;
};

/**
 * Decodes a whole row in blocks (`idx` as stored). Throws a RangeError on a
 * malformed index or block, or on blocks whose points disagree.
 */
export function decodeRollupBlocks(bytes: Uint8Array, idx: string): RollupPoint[] {
  let index: Record<string, [number, number]>;
  try {
    index = decodeStored(idx, checkBlockIndex, "block index");
  } catch (e) {
    throw new RangeError(e instanceof Error ? e.message : String(e));
  }
  let points: RollupPoint[] | undefined;
  for (const [family, [offset, length]] of Object.entries(index)) {
    if (offset + length > bytes.length) throw new RangeError(`block ${family} runs past the row`);
    const part = decodeRollupRow(bytes.subarray(offset, offset + length));
    if (!points) {
      points = part;
      continue;
    }
    if (part.length !== points.length)
      throw new RangeError(`block ${family}: ${part.length} points, not ${points.length}`);
    part.forEach((p, i) => {
      const into = points?.[i];
      if (!into || into.t !== p.t) throw new RangeError(`block ${family}: point ${i} at another time`);
      Object.assign(into.v, p.v);
    });
  }
  return points ?? [];
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
  /** undefined once a point without it is the newest: a last is never made up. */
  last: number | undefined;
  lastT: number;
}

function add(
  acc: Map<string, Acc>,
  key: string,
  min: number,
  avg: number,
  max: number,
  last: number | undefined,
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
  for (const [key, a] of acc)
    v[key] = a.last === undefined ? [a.min, a.sum / a.w, a.max] : [a.min, a.sum / a.w, a.max, a.last];
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

/** Per series, max - min over a window's raw points: how much a counter grew in it. */
export function windowIncrease(points: RawPoint[]): Record<string, number> {
  const [p] = rollupRaw(points, Number.MAX_SAFE_INTEGER);
  const out: Record<string, number> = {};
  for (const key in p?.v) {
    const a = p.v[key] as Agg;
    out[key] = (a[2] as number) - (a[0] as number);
  }
  return out;
}

/** Aggregates raw points per series over a window: the value alert rules compare. */
export function aggregateWindow(points: RawPoint[], agg: WindowAgg): Record<string, number> {
  const [p] = rollupRaw(points, Number.MAX_SAFE_INTEGER);
  if (!p) return {};
  const idx = { min: 0, avg: 1, max: 2, last: 3 }[agg];
  const out: Record<string, number> = {};
  // Raw points always give a last.
  for (const key in p.v) out[key] = (p.v[key] as Agg)[idx] as number;
  return out;
}
