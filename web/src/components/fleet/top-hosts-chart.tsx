import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { colorScheme } from "../../lib/color-scheme";
import { alignHosts, type RankedHost } from "../../lib/fleet-series";
import { formatPct, timeAxisValues } from "../../lib/format";

const HEIGHT = 300;

/** Line colours, distinguishable on light and dark pages; past ten they repeat. */
const PALETTE = [
  "#3b82f6",
  "#f59e0b",
  "#10b981",
  "#ef4444",
  "#8b5cf6",
  "#06b6d4",
  "#ec4899",
  "#84cc16",
  "#f97316",
  "#64748b",
];

/** A colour of the palette by a host's rank. */
export function rankColor(i: number): string {
  return PALETTE[i % PALETTE.length] ?? "#3b82f6";
}

function options(
  hosts: readonly RankedHost[],
  width: number,
  el: Element,
  range: [number, number],
): uPlot.Options {
  const css = getComputedStyle(el);
  const text = css.getPropertyValue("--muted").trim() || "#888";
  const grid = css.getPropertyValue("--border").trim() || "#ddd";
  const font = `12px ${css.getPropertyValue("--font").trim() || "sans-serif"}`;
  const axis = { stroke: text, font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const value = (_u: uPlot, v: number | null) => (v == null ? "–" : formatPct(v));
  return {
    width,
    height: HEIGHT,
    series: [
      { value: (_u, v) => (v == null ? "–" : (timeAxisValues([v])[0] ?? "")) },
      ...hosts.map((h, i) => ({
        label: h.hostname || h.id,
        stroke: rankColor(i),
        width: 1.5,
        value,
        spanGaps: false,
      })),
    ],
    scales: { x: { time: true, range: () => range }, y: { range: [0, 100] } },
    axes: [
      { ...axis, values: (_u, splits) => timeAxisValues(splits) },
      { ...axis, size: 52, values: (_u, splits) => splits.map((v) => `${v} %`) },
    ],
    legend: { live: true },
  };
}

/**
 * One chart, many hosts: each ranked host's average over the range as a
 * line, in rank order (the legend lists them best first; a click hides one).
 */
export function TopHostsChart({
  hosts,
  from,
  to,
}: {
  hosts: readonly RankedHost[];
  from: number;
  to: number;
}) {
  const el = useRef<HTMLDivElement>(null);
  const scheme = colorScheme.value;
  useEffect(() => {
    const box = el.current;
    if (!box || hosts.length === 0) return;
    const { xs, ys } = alignHosts(hosts);
    const plot = new uPlot(
      options(hosts, Math.max(240, box.clientWidth), box, [from / 1000, to / 1000]),
      [xs, ...ys] as uPlot.AlignedData,
      box,
    );
    const ro =
      typeof ResizeObserver === "function"
        ? new ResizeObserver(() => {
            if (box.clientWidth > 0 && Math.abs(plot.width - box.clientWidth) > 1)
              plot.setSize({ width: box.clientWidth, height: HEIGHT });
          })
        : undefined;
    ro?.observe(box);
    return () => {
      ro?.disconnect();
      plot.destroy();
    };
  }, [hosts, from, to, scheme]);
  return (
    <div
      ref={el}
      class="trend-chart"
      data-testid="top-hosts-chart"
      data-hosts={hosts.map((h) => h.id).join(",")}
      role="img"
      aria-label={`Top hosts: ${hosts.map((h) => `${h.hostname || h.id} ${formatPct(h.score)}`).join(", ")}`}
    />
  );
}
