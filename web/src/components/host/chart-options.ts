import type uPlot from "uplot";
import { formatDateTime, timeAxisValues } from "../../lib/format";
import { type ChartColumn, type ChartSpec, chartColumns, formatterFor } from "../../lib/series";

/** Line colours, distinguishable on light and dark backgrounds. */
const PALETTE = ["#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16"];

/** Dots on a line once its points are at least this far apart (CSS px): a sparse line shows its samples. */
const SPARSE_PX = 8;

/** Cursor events not shared with the other charts: each chart's drag is its own gesture (zoom goes through the page). */
const UNSYNCED = new Set(["mousedown", "mouseup", "dblclick"]);

/**
 * Tick steps of byte axes: 1, 2, 5, 10, 20, 50, 100, 200, 500 of each binary
 * unit (format.ts counts bytes in KiB, MiB, ...), so ticks read "50 KiB/s",
 * not "48.8 KiB/s" as decimal steps would.
 */
const BYTE_INCRS = [0, 1, 2, 3, 4, 5].flatMap((k) =>
  [1, 2, 5, 10, 20, 50, 100, 200, 500].map((m) => m * 1024 ** k),
);

/** Theme colours and font the chart needs, read from the page's custom properties. */
export interface ChartTheme {
  text: string;
  grid: string;
  /** Canvas font of axis values. */
  font: string;
}

export function readTheme(el: Element): ChartTheme {
  const css = getComputedStyle(el);
  return {
    text: css.getPropertyValue("--muted").trim() || "#888",
    grid: css.getPropertyValue("--border").trim() || "#ddd",
    font: `12px ${css.getPropertyValue("--font").trim() || "sans-serif"}`,
  };
}

let measurer: CanvasRenderingContext2D | null | undefined;

/** Rendered width of a canvas text in CSS pixels. */
function textWidth(text: string, font: string): number {
  measurer ??= document.createElement("canvas").getContext("2d");
  if (!measurer) return text.length * 7;
  measurer.font = font;
  return measurer.measureText(text).width;
}

/**
 * Width of the y axis: its widest value plus tick and gap, so "15.0 MB/s"
 * is not clipped at the chart's left edge (uPlot's default is a fixed 50 px).
 */
function yAxisSize(font: string): uPlot.Axis.Size {
  return (_u, values) => {
    const widest = Math.max(0, ...(values ?? []).map((v) => textWidth(String(v), font)));
    return Math.ceil(Math.max(36, widest) + 18);
  };
}

/** Axis values in the chart's unit; a round tick needs no decimal ("20 %", "5 MB/s", not "5.0 MB/s"). */
export function tickFormatter(spec: Pick<ChartSpec, "unit">): (v: number) => string {
  const fmt = formatterFor(spec.unit);
  return (v) => fmt(v).replace(/\.0(?= )/, "");
}

function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

type Column = ArrayLike<number | null | undefined>;

/**
 * The row of `col` to read at time `x` (seconds) from row `idx` (the row
 * nearest `x` over all series): the series' own nearest point, if it lies
 * within its cadence of `x`; none inside a silence or beyond the data. So a
 * series sampled every 30 s shows its value between its points, and never a
 * value from far away.
 */
export function rowAt(xs: Column, col: Column, idx: number, x: number, cadenceS: number): number | null {
  let left = Math.min(idx, col.length - 1);
  while (left >= 0 && col[left] === undefined) left--;
  let right = Math.max(idx, 0);
  while (right < col.length && col[right] === undefined) right++;
  const dist = (i: number) =>
    i >= 0 && i < col.length ? Math.abs((xs[i] ?? 0) - x) : Number.POSITIVE_INFINITY;
  const best = dist(left) <= dist(right) ? left : right;
  if (dist(best) > cadenceS || col[best] == null) return null;
  return best;
}

/** Rows of `col` in [i0, i1] holding a point with no neighbour in its series: drawn as dots, else invisible. */
export function lonePoints(col: Column, i0: number, i1: number): number[] {
  const out: number[] = [];
  let prev: number | null | undefined;
  for (let i = i0; i <= i1; i++) {
    const v = col[i];
    if (v === undefined) continue;
    if (v !== null && prev == null) {
      let j = i + 1;
      while (j < col.length && col[j] === undefined) j++;
      if (col[j] == null) out.push(i);
    }
    prev = v;
  }
  return out;
}

/**
 * Whether the points of `col` in [i0, i1] lie at least SPARSE_PX apart on
 * average where the series has data (`px` maps x to CSS px): then each
 * point is drawn as a dot, as Grafana does for a sparse series.
 */
export function sparse(xs: Column, col: Column, i0: number, i1: number, px: (x: number) => number): boolean {
  let first: number | undefined;
  let last: number | undefined;
  let n = 0;
  for (let i = i0; i <= i1; i++) {
    if (col[i] == null) continue;
    first ??= i;
    last = i;
    n++;
  }
  if (first === undefined || last === undefined) return false;
  if (n === 1) return true;
  return Math.abs(px(xs[last] ?? 0) - px(xs[first] ?? 0)) / (n - 1) >= SPARSE_PX;
}

/** What a chart's options read from the chart as it changes, and how it reports back. */
export interface ChartWiring {
  /** The window shown (seconds): always the requested one, not just the data's span. */
  xRange: () => [number, number];
  /** Per column, the cadence of the data drawn now (`AlignedSeries.cadenceS`). */
  cadenceS: () => readonly number[];
  /** Charts with the same key share the cursor (one key per host page). */
  syncKey: string;
  /** Labels of lines the viewer hid (kept when the chart is rebuilt, e.g. for a colour scheme). */
  hidden: ReadonlySet<string>;
  /** A line was hidden or shown from the legend. */
  onToggle: (label: string, shown: boolean) => void;
  hooks: uPlot.Hooks.Arrays;
}

function lineSeries(
  spec: ChartSpec,
  col: ChartColumn,
  theme: ChartTheme,
  w: ChartWiring,
  value: uPlot.Series.Value,
): uPlot.Series {
  const line = spec.series[col.series];
  const color = PALETTE[col.series % PALETTE.length] ?? "#3b82f6";
  if (col.role === "max" || col.role === "min") {
    // Band edges: no line of their own and kept out of the legend (the average's entry speaks for them).
    return {
      label: `${line?.label} ${col.role}`,
      class: "band-edge",
      stroke: withAlpha(color, 0.3),
      width: 0,
      value,
      show: !w.hidden.has(line?.label ?? ""),
      points: { show: false },
    };
  }
  const label = col.role === "sum" ? (spec.sum ?? "total") : (line?.label ?? "");
  const hasTotal = spec.sum !== undefined || spec.series.some((s) => s.total);
  return {
    label,
    stroke: col.role === "sum" ? theme.text : color,
    width: col.role === "sum" || line?.total ? 2 : hasTotal ? 1.25 : 1.5,
    ...(col.role === "sum" ? { dash: [6, 4] } : {}),
    value,
    show: !w.hidden.has(label),
    // Joined across other series' rows (undefined); broken only at its own silences (null).
    spanGaps: false,
    points: {
      show: (u, si, i0, i1) => sparse(u.data[0], u.data[si] ?? [], i0, i1, (x) => u.valToPos(x, "x")),
      filter: (u, si, show) => {
        if (show) return null;
        const [i0 = 0, i1 = -1] = u.series[0]?.idxs ?? [];
        const lone = lonePoints(u.data[si] ?? [], i0, i1);
        return lone.length > 0 ? lone : null;
      },
    },
  };
}

/**
 * uPlot options for a chart spec, its series in `chartColumns` order:
 * band edges filled between, averages, and a dashed sum on top.
 *
 * The cursor is shared by every chart with the same `syncKey`, and the
 * legend reads each series at the cursor's time (`rowAt`); clicking a
 * legend entry hides or shows that line (and its band). Dragging across the
 * plot selects a window (the `setSelect` hook zooms the page's charts).
 */
export function chartOptions(
  spec: ChartSpec,
  width: number,
  height: number,
  theme: ChartTheme,
  w: ChartWiring,
): uPlot.Options {
  const fmt = formatterFor(spec.unit);
  const value = (_u: uPlot, v: number | null) => (v == null ? "–" : fmt(v));
  const layout = chartColumns(spec);
  const series: uPlot.Series[] = [
    {
      // The legend's time is the cursor's, not that of the nearest row of some series.
      value: (u, _v, _si, idx) => {
        const left = u.cursor.left ?? -1;
        return idx == null || left < 0 ? "–" : formatDateTime(Math.round(u.posToVal(left, "x")) * 1000);
      },
    },
    ...layout.map((col) => lineSeries(spec, col, theme, w, value)),
  ];
  const bands: uPlot.Band[] = [];
  layout.forEach((col, c) => {
    if (col.role === "max") {
      const color = PALETTE[col.series % PALETTE.length] ?? "#3b82f6";
      bands.push({ series: [c + 1, c + 2], fill: withAlpha(color, 0.16) });
    }
  });
  // A line's band follows it when it is hidden or shown.
  const setSeries: uPlot.Hooks.Defs["setSeries"] = (u, si, opts) => {
    const col = si == null ? undefined : layout[si - 1];
    if (opts.show === undefined || !col || (col.role !== "avg" && col.role !== "sum")) return;
    w.onToggle(u.series[si ?? 0]?.label?.toString() ?? "", opts.show);
    layout.forEach((edge, c) => {
      if (col.role === "avg" && edge.series === col.series && edge.role !== "avg")
        u.setSeries(c + 1, { show: opts.show });
    });
  };
  const axis = {
    stroke: theme.text,
    font: theme.font,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
  };
  const tick = tickFormatter(spec);
  const bytes = spec.unit === "bytes" || spec.unit === "bytes/s";
  return {
    width,
    height,
    series,
    bands,
    scales: {
      x: { time: true, range: () => w.xRange() },
      y:
        spec.unit === "percent"
          ? { range: [0, 100] }
          : // An idle interface still gets an axis of bytes, not of fractions of one.
            { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : bytes ? 1024 : 1] },
    },
    axes: [
      { ...axis, values: (_u, splits) => timeAxisValues(splits) },
      {
        ...axis,
        size: yAxisSize(theme.font),
        values: (_u, splits) => splits.map((v) => tick(v)),
        ...(bytes ? { incrs: BYTE_INCRS } : {}),
      },
    ],
    cursor: {
      drag: { x: true, y: false, setScale: true },
      dataIdx: (u, si, idx, x) =>
        si === 0 ? idx : rowAt(u.data[0], u.data[si] ?? [], idx, x, w.cadenceS()[si - 1] ?? 0),
      sync: {
        key: w.syncKey,
        setSeries: false,
        scales: ["x", null],
        filters: { pub: (type) => !UNSYNCED.has(type) },
      },
    },
    legend: { live: true },
    hooks: { ...w.hooks, setSeries: [...(w.hooks.setSeries ?? []), setSeries] },
  };
}
