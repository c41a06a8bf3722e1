import type uPlot from "uplot";
import { type ChartSpec, formatterFor } from "../../lib/series";

/** Line colours, distinguishable on light and dark backgrounds. */
const PALETTE = ["#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16"];

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

/** Axis values: whole percentages need no decimal ("20 %", not "20.0 %" or "0.0 %"). */
function tickFormatter(spec: ChartSpec): (v: number) => string {
  const fmt = formatterFor(spec.unit);
  if (spec.unit !== "percent") return fmt;
  return (v) => (Number.isInteger(v) ? `${v} %` : fmt(v));
}

function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/**
 * uPlot options for a chart spec. Series order matches `alignSeries`: per
 * spec series its avg line, then (banded) max and min, filled between.
 * Dragging across the plot zooms the time axis; double-click resets.
 *
 * The time axis always spans the requested window (`xRange`, in seconds),
 * not just the data: a host added two minutes ago shows two minutes of line
 * at the right edge of its hour, and a single point does not stretch the
 * axis over years.
 */
export function chartOptions(
  spec: ChartSpec,
  width: number,
  height: number,
  theme: ChartTheme,
  hooks: uPlot.Hooks.Arrays,
  xRange: () => [number, number],
): uPlot.Options {
  const fmt = formatterFor(spec.unit);
  const value = (_u: uPlot, v: number | null) => (v == null ? "–" : fmt(v));
  const series: uPlot.Series[] = [{}];
  const bands: uPlot.Band[] = [];
  spec.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length] ?? "#3b82f6";
    series.push({
      label: s.label,
      stroke: color,
      width: 1.5,
      value,
      spanGaps: false,
      // uPlot's default: dots only where points are sparse (a lone sample between gaps stays visible).
    });
    if (spec.band) {
      const maxIdx = series.length;
      // Band edges: drawn, but kept out of the legend (the avg line's entry speaks for them).
      series.push({
        label: `${s.label} max`,
        class: "band-edge",
        stroke: withAlpha(color, 0.35),
        width: 1,
        value,
        points: { show: false },
      });
      series.push({
        label: `${s.label} min`,
        class: "band-edge",
        stroke: withAlpha(color, 0.35),
        width: 1,
        value,
        points: { show: false },
      });
      bands.push({ series: [maxIdx, maxIdx + 1], fill: withAlpha(color, 0.15) });
    }
  });
  const axis = {
    stroke: theme.text,
    font: theme.font,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
  };
  const tick = tickFormatter(spec);
  return {
    width,
    height,
    series,
    bands,
    scales: {
      x: { time: true, range: () => xRange() },
      y:
        spec.unit === "percent"
          ? { range: [0, 100] }
          : { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      axis,
      { ...axis, size: yAxisSize(theme.font), values: (_u, splits) => splits.map((v) => tick(v)) },
    ],
    cursor: { drag: { x: true, y: false, setScale: true } },
    legend: { live: true },
    hooks,
  };
}
