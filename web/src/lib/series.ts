import { parseSeriesKey, SERIES } from "../../../worker/src/metrics/catalog";
import type { HostView } from "../../../worker/src/metrics/types";
import { isTrafficMetric } from "../../../worker/src/traffic/keys";
import type { SeriesResponse } from "./api";
import { formatBytes, formatCount, formatLoad, formatPct, formatRate } from "./format";

/** Ranges offered above the host charts. */
export const RANGES = [
  { id: "1h", label: "1 h", ms: 3_600_000 },
  { id: "6h", label: "6 h", ms: 6 * 3_600_000 },
  { id: "24h", label: "24 h", ms: 24 * 3_600_000 },
  { id: "7d", label: "7 d", ms: 7 * 86_400_000 },
  { id: "30d", label: "30 d", ms: 30 * 86_400_000 },
  { id: "1y", label: "1 y", ms: 365 * 86_400_000 },
] as const;

export type RangeId = (typeof RANGES)[number]["id"];

const STEPS_S = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400];

/**
 * Step to ask for: the smallest common step giving at most ~800 points for
 * the span (a chart is rarely wider than that in pixels). The hub picks the
 * tier (raw, 1 m, 1 h) that serves it.
 */
export function stepFor(spanMs: number, maxPoints = 800): number {
  const wanted = spanMs / 1000 / maxPoints;
  return STEPS_S.find((s) => s >= wanted) ?? STEPS_S[STEPS_S.length - 1] ?? 86_400;
}

export type Unit = (typeof SERIES)[keyof typeof SERIES]["unit"];

/** Unit of a series key, from the catalog (never restated here). */
export function unitOf(key: string): Unit | undefined {
  const parsed = parseSeriesKey(key);
  if (!parsed && isTrafficMetric(key)) return "bytes";
  return parsed ? SERIES[parsed.name].unit : undefined;
}

/** Axis and legend formatter for a unit. */
export function formatterFor(unit: Unit | undefined): (v: number) => string {
  switch (unit) {
    case "percent":
      return formatPct;
    case "bytes":
      return formatBytes;
    case "bytes/s":
      return formatRate;
    case "load":
      return formatLoad;
    case "celsius":
      return (v) => `${v.toFixed(0)} °C`;
    case "count":
      return formatCount;
    case "days":
      return (v) => `${v.toFixed(1)} d`;
    default:
      return (v) => String(v);
  }
}

/** One line of a history chart: a series the hub stores. */
export interface ChartLine {
  key: string;
  label: string;
  /** A total over the chart's other lines (e.g. every interface): drawn dashed. */
  total?: boolean;
}

/** One history chart on the host page. */
export interface ChartSpec {
  id: string;
  title: string;
  unit: Unit;
  series: ChartLine[];
  /** Draw the min..max band of each series (rollups keep min and max). */
  band: boolean;
  /** Label of a line summing the chart's series, computed here (disk read + write). */
  sum?: string;
  /** Collapsed until opened (many series: fetched only on demand). */
  collapsed?: boolean;
}

/** The charts for a host, derived from what it reports (mounts, interfaces, cores, sensors). */
export function chartSpecs(host: HostView): ChartSpec[] {
  const m = host.metrics;
  const specs: ChartSpec[] = [
    { id: "cpu", title: "CPU", unit: "percent", series: [{ key: "cpu", label: "CPU" }], band: true },
  ];
  const cores = m.cpu?.perCorePct.length || host.info.cores || 0;
  if (cores > 1) {
    specs.push({
      id: "cpu-cores",
      title: `CPU per core (${cores})`,
      unit: "percent",
      series: Array.from({ length: cores }, (_, i) => ({ key: `cpu.core:${i}`, label: `core ${i}` })),
      band: false,
      collapsed: true,
    });
  }
  const memory = [{ key: "mem", label: "Memory" }];
  if (m.swap && m.swap.totalBytes > 0) memory.push({ key: "swap", label: "Swap" });
  specs.push({ id: "memory", title: "Memory and swap", unit: "percent", series: memory, band: true });
  const mounts = (m.filesystems ?? []).map((f) => ({ key: `disk:${f.mount}`, label: f.mount }));
  if (mounts.length > 0) {
    specs.push({ id: "disk", title: "Disk used", unit: "percent", series: mounts, band: mounts.length <= 2 });
  }
  specs.push({
    id: "disk-io",
    title: "Disk IO",
    unit: "bytes/s",
    series: [
      { key: "disk.read", label: "read" },
      { key: "disk.write", label: "write" },
    ],
    band: false,
    sum: "total",
  });
  // The hub stores in and out summed over every interface: those are the totals;
  // each interface gets its own pair only when there is more than one.
  const ifaces = m.net ?? [];
  specs.push({
    id: "net",
    title: "Network",
    unit: "bytes/s",
    series: [
      { key: "net.rx", label: "total in", total: true },
      { key: "net.tx", label: "total out", total: true },
      ...(ifaces.length > 1
        ? ifaces.flatMap((n) => [
            { key: `net.rx:${n.name}`, label: `${n.name} in` },
            { key: `net.tx:${n.name}`, label: `${n.name} out` },
          ])
        : []),
    ],
    band: false,
  });
  specs.push({
    id: "load",
    title: "Load average",
    unit: "load",
    series: [
      { key: "load1", label: "1 m" },
      { key: "load5", label: "5 m" },
      { key: "load15", label: "15 m" },
    ],
    band: false,
  });
  // Containers (Docker, Podman): a line per container; past a handful the charts open on demand.
  const names = (m.containers ?? []).map((c) => c.name).sort();
  if (names.length > 0) {
    const many = names.length > 6;
    const lines = (metric: string, suffix = "") =>
      names.map((n) => ({ key: `${metric}:${n}`, label: `${n}${suffix}` }));
    specs.push(
      {
        id: "ctr-cpu",
        title: `Container CPU (${names.length})`,
        unit: "percent",
        series: lines("container.cpu"),
        band: false,
        collapsed: many,
      },
      {
        id: "ctr-mem",
        title: "Container memory",
        unit: "bytes",
        series: lines("container.mem"),
        band: false,
        collapsed: many,
      },
      {
        id: "ctr-net",
        title: "Container network",
        unit: "bytes/s",
        series: names.flatMap((n) => [
          { key: `container.rx:${n}`, label: `${n} in` },
          { key: `container.tx:${n}`, label: `${n} out` },
        ]),
        band: false,
        collapsed: true,
      },
      {
        id: "ctr-io",
        title: "Container block IO",
        unit: "bytes/s",
        series: names.flatMap((n) => [
          { key: `container.read:${n}`, label: `${n} read` },
          { key: `container.write:${n}`, label: `${n} write` },
        ]),
        band: false,
        collapsed: true,
      },
    );
  }
  const temps = m.temperatures ?? [];
  if (temps.length > 0) {
    specs.push({
      id: "temp",
      title: "Temperatures",
      unit: "celsius",
      series: temps.map((t) => ({ key: `temp:${t.sensor}`, label: t.sensor })),
      band: false,
    });
  }
  return specs;
}

/** What a column of a chart holds: a series' average, max or min, or the sum of the series. */
export interface ChartColumn {
  role: "avg" | "max" | "min" | "sum";
  /** Index into the spec's series (-1 for the sum). */
  series: number;
}

/**
 * The columns of a chart after the shared time, in drawing order: per series
 * its band edges (max, min) first, so the band lies under the line, then its
 * average; the sum last, on top. `alignSeries` fills them, the chart's
 * options style them: both follow this one list.
 */
export function chartColumns(spec: Pick<ChartSpec, "series" | "band" | "sum">): ChartColumn[] {
  const out: ChartColumn[] = [];
  spec.series.forEach((_, i) => {
    if (spec.band) out.push({ role: "max", series: i }, { role: "min", series: i });
    out.push({ role: "avg", series: i });
  });
  if (spec.sum) out.push({ role: "sum", series: -1 });
  return out;
}

/**
 * Columns for uPlot: shared x in seconds, then one column per `chartColumns`
 * entry. Where a column has no point of its own it holds `undefined` (uPlot
 * draws the line on across it); where its series was silent it holds `null`
 * (uPlot breaks the line there).
 */
export interface AlignedSeries {
  xs: number[];
  columns: (number | null | undefined)[][];
  /** Per column, the spacing of its own points in seconds: how far from them a value still holds. */
  cadenceS: number[];
}

/** A series' own spacing: the (lower) median gap between its points, never finer than `floorMs`. */
export function cadenceMs(times: readonly number[], floorMs: number): number {
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) gaps.push((times[i] ?? 0) - (times[i - 1] ?? 0));
  if (gaps.length === 0) return floorMs;
  gaps.sort((a, b) => a - b);
  return Math.max(floorMs, gaps[Math.floor((gaps.length - 1) / 2)] ?? 0);
}

type Points = Pick<SeriesResponse, "points">;

/**
 * Aligns a chart's series on the union of their timestamps. Series arrive at
 * different cadences: the agent sends filesystems every 30 s while the chart
 * asks for 5 s points, so each series is joined across the rows of the
 * others (`undefined`) and broken only where it was silent for more than
 * three of its own steps, or three of the host's reporting intervals when
 * longer (when the hub calls a host stale): there a `null` row is inserted
 * at the middle of the silence. The hub returns only buckets that hold
 * samples, so without that an agent that was down would be drawn as a
 * straight line across the outage.
 *
 * `responses` follow `spec.series` (undefined for one that failed to load);
 * `stepS` is the step the hub served.
 */
export function alignSeries(
  spec: Pick<ChartSpec, "series" | "band" | "sum">,
  responses: readonly (Points | undefined)[],
  stepS: number,
  intervalS: number,
): AlignedSeries {
  const floorMs = 1000 * Math.max(stepS, 1);
  const per = spec.series.map((_, i) => {
    const points = responses[i]?.points ?? [];
    const cadence = cadenceMs(
      points.map((p) => p.t),
      floorMs,
    );
    const maxGap = 3 * Math.max(cadence, intervalS * 1000);
    const gaps: number[] = [];
    for (let j = 1; j < points.length; j++) {
      const a = points[j - 1]?.t ?? 0;
      const b = points[j]?.t ?? 0;
      if (b - a > maxGap) gaps.push(Math.round((a + b) / 2));
    }
    return { points, cadence, gaps };
  });
  const ts = new Set<number>();
  for (const s of per) {
    for (const p of s.points) ts.add(p.t);
    for (const g of s.gaps) ts.add(g);
  }
  const times = [...ts].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const layout = chartColumns(spec);
  const columns: (number | null | undefined)[][] = layout.map(() => new Array(times.length).fill(undefined));
  const cadenceS: number[] = [];
  for (const [c, col] of layout.entries()) {
    const column = columns[c] ?? [];
    if (col.role === "sum") {
      const summed = per.filter((s) => s.points.length > 0);
      cadenceS.push(Math.max(floorMs, ...summed.map((s) => s.cadence)) / 1000);
      const avgs = layout.flatMap((l, k) =>
        l.role === "avg" && (per[l.series]?.points.length ?? 0) > 0 ? [columns[k] ?? []] : [],
      );
      if (avgs.length > 0) for (let i = 0; i < times.length; i++) column[i] = sumAt(avgs, i);
      continue;
    }
    const s = per[col.series];
    cadenceS.push((s?.cadence ?? floorMs) / 1000);
    if (!s) continue;
    for (const p of s.points) {
      const i = index.get(p.t);
      if (i !== undefined) column[i] = p[col.role];
    }
    for (const g of s.gaps) {
      const i = index.get(g);
      if (i !== undefined) column[i] = null;
    }
  }
  return { xs: times.map((t) => t / 1000), columns, cadenceS };
}

/** The sum of the columns at row `i`: only where every one has a value; a gap in any is a gap. */
function sumAt(cols: readonly (number | null | undefined)[][], i: number): number | null | undefined {
  let total: number | undefined = 0;
  for (const col of cols) {
    const v = col[i];
    if (v === null) return null;
    total = v === undefined || total === undefined ? undefined : total + v;
  }
  return total;
}
