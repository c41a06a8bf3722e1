import { parseSeriesKey, SERIES } from "../../../worker/src/metrics/catalog";
import type { HostView } from "../../../worker/src/metrics/types";
import type { SeriesResponse } from "./api";
import { formatBytes, formatCount, formatLoad, formatRate } from "./format";

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
  return parsed ? SERIES[parsed.name].unit : undefined;
}

/** Axis and legend formatter for a unit. */
export function formatterFor(unit: Unit | undefined): (v: number) => string {
  switch (unit) {
    case "percent":
      return (v) => `${v.toFixed(v < 10 ? 1 : 0)} %`;
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
    default:
      return (v) => String(v);
  }
}

/** One history chart on the host page. */
export interface ChartSpec {
  id: string;
  title: string;
  unit: Unit;
  series: { key: string; label: string }[];
  /** Draw the min..max band of each series (rollups keep min and max). */
  band: boolean;
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
  });
  const ifaces = m.net ?? [];
  specs.push({
    id: "net",
    title: "Network",
    unit: "bytes/s",
    series:
      ifaces.length > 0
        ? ifaces.flatMap((n) => [
            { key: `net.rx:${n.name}`, label: `${n.name} in` },
            { key: `net.tx:${n.name}`, label: `${n.name} out` },
          ])
        : [
            { key: "net.rx", label: "in" },
            { key: "net.tx", label: "out" },
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

/** Columns for uPlot: shared x in seconds, then per series avg (and max, min when banded). */
export interface AlignedSeries {
  xs: number[];
  columns: (number | null)[][];
}

/**
 * Aligns several series on the union of their timestamps (they usually
 * share a step, but a new mount or a tier boundary can differ), with null
 * for gaps so uPlot breaks the line instead of drawing through them.
 * Column order per series: avg, then max and min when `band`.
 *
 * The hub returns only buckets that hold samples, so a silent stretch (an
 * agent that was down) would be drawn as a straight line across it: where
 * consecutive points are more than `maxGapMs` apart a null row is inserted.
 */
export function alignSeries(
  responses: (SeriesResponse | undefined)[],
  band: boolean,
  maxGapMs = Number.POSITIVE_INFINITY,
): AlignedSeries {
  const ts = new Set<number>();
  for (const r of responses) for (const p of r?.points ?? []) ts.add(p.t);
  const sorted = [...ts].sort((a, b) => a - b);
  const times: number[] = [];
  for (const [i, t] of sorted.entries()) {
    const prev = sorted[i - 1];
    // A row with no point in any series: the midpoint is as good as any time inside the gap.
    if (prev !== undefined && t - prev > maxGapMs) times.push(Math.round((prev + t) / 2));
    times.push(t);
  }
  const index = new Map(times.map((t, i) => [t, i]));
  const columns: (number | null)[][] = [];
  for (const r of responses) {
    const avg: (number | null)[] = new Array(times.length).fill(null);
    const max: (number | null)[] = band ? new Array(times.length).fill(null) : [];
    const min: (number | null)[] = band ? new Array(times.length).fill(null) : [];
    for (const p of r?.points ?? []) {
      const i = index.get(p.t);
      if (i === undefined) continue;
      avg[i] = p.avg;
      if (band) {
        max[i] = p.max;
        min[i] = p.min;
      }
    }
    columns.push(avg);
    if (band) columns.push(max, min);
  }
  return { xs: times.map((t) => t / 1000), columns };
}

/**
 * Spacing beyond which two points are not joined: three reporting intervals
 * (when the hub calls a host stale) or three display steps, whichever is longer.
 */
export function gapThresholdMs(stepS: number, intervalS: number): number {
  return 3 * 1000 * Math.max(stepS, intervalS, 1);
}
