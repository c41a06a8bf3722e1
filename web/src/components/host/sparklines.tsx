import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { formatDuration } from "../../lib/format";
import { getRecentSeries } from "../../lib/hosts-api";
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

/** The step of the raw window: the trend asks for every sample. */
const RAW_STEP_S = 5;

type Seed = "loading" | "done";

/**
 * Sparklines of the host's live figures over the last minutes: filled at
 * once from the hub's raw window when the page opens, then moved on by each
 * sample the live feed delivers. They span the samples held, so they fill
 * their box from the second sample on.
 * Without history (a failed read) they fill from the feed alone.
 */
export function Sparklines({ fleet, hostId }: { fleet: string | undefined; hostId: string }) {
  // Signals, not component state: this component re-renders from signals only (see below).
  const seed = useSignal<Seed>(fleet ? "loading" : "done");
  useEffect(() => {
    if (!fleet) return;
    seed.value = "loading";
    const ctrl = new AbortController();
    const to = Date.now() + live.clockSkewMs.peek();
    const metrics = Object.keys(TRENDS);
    getRecentSeries(
      fleet,
      hostId,
      metrics,
      { from: to - live.recent.windowMs, to, stepS: RAW_STEP_S },
      ctrl.signal,
    )
      .then(
        (h) => live.recent.seed(hostId, h.series, h.stepS * 1000),
        () => undefined,
      )
      .finally(() => {
        if (!ctrl.signal.aborted) seed.value = "done";
      });
    return () => ctrl.abort();
  }, [fleet, hostId]);

  // Re-render with each new point (a parent render with the same props skips this component).
  live.recent.changes.value;
  const recent = live.recent.of(hostId);
  const from = recent.t[0] ?? 0;
  const to = recent.t[recent.t.length - 1] ?? 0;
  const span =
    to > from
      ? `last ${formatDuration((to - from) / 1000)}`
      : seed.value === "loading"
        ? "loading…"
        : "collecting…";
  return (
    <section
      class="panel trends"
      aria-labelledby="trends-title"
      data-testid="sparklines"
      data-seed={seed.value}
    >
      <h2 id="trends-title">
        Live trend <span class="muted small">{span}</span>
      </h2>
      <ul class="sparks">
        {(Object.keys(TRENDS) as TrendKey[]).map((k) => (
          <Spark key={k} metric={k} recent={recent} from={from} to={to} />
        ))}
      </ul>
    </section>
  );
}
