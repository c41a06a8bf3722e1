import { formatDuration } from "../../lib/format";
import { live } from "../../lib/live";
import { type RecentSeries, TRENDS, type TrendKey } from "../../lib/recent";
import { formatterFor, unitOf } from "../../lib/series";

/** The SVG's own coordinate box; CSS stretches it to the tile. */
const W = 120;
const H = 32;

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * SVG path of a sparkline in a `width` x `height` box: x is time over
 * [from, to] (an empty span puts everything at the right edge, "now"), y is
 * the value over [lo, hi] (hi at the top, values clamped). A missing value
 * breaks the line; every piece starts with a zero-length stroke so a lone
 * point still shows as a dot (round caps).
 */
export function sparkPath(
  t: readonly number[],
  v: readonly (number | undefined)[],
  from: number,
  to: number,
  lo: number,
  hi: number,
  width = W,
  height = H,
): string {
  const sx = (x: number) => (to > from ? round(((x - from) / (to - from)) * width) : width);
  const sy = (y: number) => round(height - ((Math.min(hi, Math.max(lo, y)) - lo) / (hi - lo || 1)) * height);
  let d = "";
  let pen = false;
  for (const [i, x] of t.entries()) {
    const y = v[i];
    if (y === undefined || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += pen ? `L${sx(x)} ${sy(y)}` : `M${sx(x)} ${sy(y)}h0`;
    pen = true;
  }
  return d;
}

function Spark({
  metric,
  recent,
  from,
  to,
}: {
  metric: TrendKey;
  recent: RecentSeries;
  from: number;
  to: number;
}) {
  const unit = unitOf(metric);
  const fmt = formatterFor(unit);
  const values = recent.values[metric];
  const finite = values.filter((x): x is number => x !== undefined && Number.isFinite(x));
  const latest = values[values.length - 1];
  const top = unit === "percent" ? 100 : Math.max(0, ...finite) * 1.1 || 1;
  const label = TRENDS[metric];
  const summary =
    finite.length === 0
      ? `${label}: no samples yet`
      : `${label}: from ${fmt(Math.min(...finite))} to ${fmt(Math.max(...finite))}, now ${latest === undefined ? "unknown" : fmt(latest)}`;
  return (
    <li class="spark" data-metric={metric} data-points={finite.length}>
      <span class="spark-label">{label}</span>
      <span class="spark-value num">{latest === undefined ? "–" : fmt(latest)}</span>
      <svg
        class="spark-plot"
        viewBox={`0 0 ${W} ${H}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={summary}
      >
        <path d={sparkPath(recent.t, values, from, to, 0, top)} />
      </svg>
    </li>
  );
}

/**
 * Sparklines of the host's live figures, from what the live feed has
 * delivered to this tab (up to the store's window): they span the samples
 * held, so they fill their box from the second sample on. Re-rendered with
 * the host page, so they move with every new sample.
 */
export function Sparklines({ hostId }: { hostId: string }) {
  const recent = live.recent.of(hostId);
  const from = recent.t[0] ?? 0;
  const to = recent.t[recent.t.length - 1] ?? 0;
  return (
    <section class="panel trends" aria-labelledby="trends-title" data-testid="sparklines">
      <h2 id="trends-title">
        Live trend{" "}
        <span class="muted small">
          {to > from ? `last ${formatDuration((to - from) / 1000)}` : "collecting…"}
        </span>
      </h2>
      <ul class="sparks">
        {(Object.keys(TRENDS) as TrendKey[]).map((k) => (
          <Spark key={k} metric={k} recent={recent} from={from} to={to} />
        ))}
      </ul>
    </section>
  );
}
