import { useEffect, useRef, useState } from "preact/hooks";
import { colorScheme } from "../../lib/color-scheme";
import { heatColor, heatColumn, type RankedHost } from "../../lib/fleet-series";
import { formatDateTime, formatPct } from "../../lib/format";
import { hostPath } from "../../lib/router";
import { Link } from "../common/link";

const ROW = 18;

/** A host's bucket averages placed in `columns` equal cells over [from, to] (NaN where it has none). */
export function heatRow(h: RankedHost, from: number, to: number, columns: number): Float64Array {
  const sum = new Float64Array(columns);
  const n = new Uint32Array(columns);
  for (const p of h.points) {
    const i = heatColumn(p.t, from, to, columns);
    sum[i] = (sum[i] ?? 0) + p.avg;
    n[i] = (n[i] ?? 0) + 1;
  }
  return sum.map((s, i) => (n[i] ? s / (n[i] ?? 1) : Number.NaN));
}

/**
 * The fleet's CPU as hosts x time: a row per host (busiest first), a cell
 * per step, coloured from idle blue to saturated red. Host names are links
 * (text); the cells are drawn on a canvas, and the cell under the pointer is
 * spelled out below it.
 */
export function Heatmap({
  hosts,
  from,
  to,
  stepS,
}: {
  hosts: readonly RankedHost[];
  from: number;
  to: number;
  stepS: number;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<string>("");
  const columns = Math.max(1, Math.min(300, Math.round((to - from) / (stepS * 1000))));
  const scheme = colorScheme.value;
  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext("2d");
    if (!c || !ctx) return;
    const draw = () => {
      const width = c.clientWidth;
      const dpr = window.devicePixelRatio || 1;
      c.width = Math.round(width * dpr);
      c.height = Math.round(hosts.length * ROW * dpr);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, width, hosts.length * ROW);
      const cw = width / columns;
      hosts.forEach((h, r) => {
        const cells = heatRow(h, from, to, columns);
        cells.forEach((v, i) => {
          if (Number.isNaN(v)) return;
          ctx.fillStyle = heatColor(v);
          // Half a pixel of overlap hides seams between cells.
          ctx.fillRect(i * cw, r * ROW + 1, cw + 0.5, ROW - 2);
        });
      });
    };
    draw();
    const ro = typeof ResizeObserver === "function" ? new ResizeObserver(draw) : undefined;
    ro?.observe(c);
    return () => ro?.disconnect();
  }, [hosts, from, to, columns, scheme]);

  const onMove = (e: MouseEvent) => {
    const c = canvas.current;
    if (!c) return;
    const box = c.getBoundingClientRect();
    const row = Math.floor((e.clientY - box.top) / ROW);
    const col = Math.floor(((e.clientX - box.left) / box.width) * columns);
    const h = hosts[row];
    if (!h) return setHover("");
    const v = heatRow(h, from, to, columns)[col];
    const at = from + ((col + 0.5) / columns) * (to - from);
    setHover(
      `${h.hostname || h.id}, ${formatDateTime(at)}: ${v === undefined || Number.isNaN(v) ? "no data" : formatPct(v)}`,
    );
  };

  return (
    <figure class="heatmap" data-testid="heatmap" data-rows={hosts.length} data-columns={columns}>
      <div class="heatmap-body">
        <ol class="heatmap-hosts" aria-label="Hosts, busiest first">
          {hosts.map((h) => (
            <li key={h.id} data-testid="heatmap-row" data-host-id={h.id} style={{ height: `${ROW}px` }}>
              <Link href={hostPath(h.id)} title={`${h.hostname || h.id}: ${formatPct(h.score)} on average`}>
                {h.hostname || h.id}
              </Link>
            </li>
          ))}
        </ol>
        <canvas
          ref={canvas}
          class="heatmap-canvas"
          style={{ height: `${hosts.length * ROW}px` }}
          onMouseMove={onMove}
          onMouseLeave={() => setHover("")}
          role="img"
          aria-label={`CPU of ${hosts.length} hosts over time; each host's average is in its link's title`}
        />
      </div>
      <figcaption class="heatmap-caption muted small">
        <span class="heatmap-scale" aria-hidden="true" />
        <span>0 % → 100 %</span>
        <span class="heatmap-hover" data-testid="heatmap-hover">
          {hover || `${formatDateTime(from)} – ${formatDateTime(to)}`}
        </span>
      </figcaption>
    </figure>
  );
}
