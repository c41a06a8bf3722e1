import { type Signal, useSignal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../../lib/api";
import {
  type FleetSeriesResponse,
  getFleetSeries,
  TREND_METRICS,
  TREND_RANGES,
  type TrendMetric,
  type TrendRange,
} from "../../lib/fleet-series";
import { formatCountOf, formatPct, NOUNS } from "../../lib/format";
import { session } from "../../lib/session";
import { SelectField } from "../common/select-field";
import { FleetTabs } from "./fleet-tabs";
import { Heatmap } from "./heatmap";
import { rankColor, TopHostsChart } from "./top-hosts-chart";
import "../../styles/trends.css";

const TOP_N = { "5": "Top 5", "10": "Top 10", "20": "Top 20" } as const;
const RANK_BY = { avg: "by average", max: "by peak" } as const;
const RANGE_LABELS = Object.fromEntries(Object.entries(TREND_RANGES).map(([k, v]) => [k, v.label])) as Record<
  TrendRange,
  string
>;
/** Rows of the heatmap: the busiest hosts by CPU. */
const HEAT_ROWS = 50;

/** A setter of a signal, for a control's change handler. */
const set =
  <V,>(s: Signal<V>) =>
  (v: V) => {
    s.value = v;
  };

type Load<T> = { kind: "loading" } | { kind: "error"; message: string } | { kind: "ready"; data: T };

/** Fetches the fleet series for a query, refetching when it changes. */
function useFleetSeries(fleet: string, metric: string, rangeMs: number, limit: number, by: "avg" | "max") {
  const [state, setState] = useState<Load<FleetSeriesResponse>>({ kind: "loading" });
  useEffect(() => {
    const ctrl = new AbortController();
    const to = Date.now();
    setState({ kind: "loading" });
    getFleetSeries({ fleet, metric, from: to - rangeMs, to, limit, by }, ctrl.signal).then(
      (data) => setState({ kind: "ready", data }),
      (e: unknown) => {
        if (!ctrl.signal.aborted) setState({ kind: "error", message: errorMessage(e) });
      },
    );
    return () => ctrl.abort();
  }, [fleet, metric, rangeMs, limit, by]);
  return state;
}

function Status({ state, testId }: { state: Load<unknown>; testId: string }) {
  if (state.kind === "loading")
    return (
      <p class="notice" data-testid={`${testId}-loading`}>
        Loading…
      </p>
    );
  if (state.kind === "error")
    return (
      <p class="notice notice-error" role="alert" data-testid={`${testId}-error`}>
        {state.message}
      </p>
    );
  return null;
}

/** The ranking under the chart: rank, colour, host, score. */
function Ranking({ data }: { data: FleetSeriesResponse }) {
  return (
    <ol class="trend-ranking" data-testid="top-hosts-ranking">
      {data.hosts.map((h, i) => (
        <li key={h.id} data-host-id={h.id}>
          <span class="trend-swatch" style={{ background: rankColor(i) }} aria-hidden="true" />
          <span class="trend-host">{h.hostname || h.id}</span>
          <span class="num muted">{formatPct(h.score)}</span>
        </li>
      ))}
    </ol>
  );
}

/**
 * The fleet over time: the top hosts by CPU, memory or disk (one chart,
 * a line per host, ranked over the shown range) and a heatmap of the
 * busiest hosts' CPU. The hub reads raw samples for short ranges and the
 * 1 m / 1 h rollups for long ones.
 */
export function TrendsPage() {
  const s = session.value;
  const fleet = s.state === "signed-in" ? s.info.fleet : "";
  const metric = useSignal<TrendMetric>("cpu");
  const range = useSignal<TrendRange>("6h");
  const top = useSignal<keyof typeof TOP_N>("10");
  const by = useSignal<"avg" | "max">("avg");
  const rangeMs = TREND_RANGES[range.value].ms;
  const topState = useFleetSeries(fleet, metric.value, rangeMs, Number(top.value), by.value);
  const heatState = useFleetSeries(fleet, "cpu", rangeMs, HEAT_ROWS, "avg");
  return (
    <section class="page trends" aria-labelledby="trends-title">
      <h1 id="trends-title" class="visually-hidden">
        Fleet trends
      </h1>
      <FleetTabs current="trends" />
      <search class="toolbar">
        <SelectField
          label="Metric"
          value={metric.value}
          labels={TREND_METRICS}
          onChange={set(metric)}
          testId="trend-metric"
        />
        <SelectField
          label="How many hosts"
          value={top.value}
          labels={TOP_N}
          onChange={set(top)}
          testId="trend-top"
        />
        <SelectField label="Ranked" value={by.value} labels={RANK_BY} onChange={set(by)} testId="trend-by" />
        <SelectField
          label="Range"
          value={range.value}
          labels={RANGE_LABELS}
          onChange={set(range)}
          testId="trend-range"
        />
      </search>

      <section class="panel trend-panel" aria-labelledby="top-title">
        <h2 id="top-title" class="panel-title">
          Top hosts by {TREND_METRICS[metric.value]} ({RANK_BY[by.value]}, last{" "}
          {TREND_RANGES[range.value].label})
        </h2>
        <Status state={topState} testId="top-hosts" />
        {topState.kind === "ready" &&
          (topState.data.hosts.length === 0 ? (
            <p class="notice" data-testid="top-hosts-empty">
              No host reported {TREND_METRICS[metric.value]} in this range.
            </p>
          ) : (
            <>
              <TopHostsChart hosts={topState.data.hosts} from={topState.data.from} to={topState.data.to} />
              <Ranking data={topState.data} />
              <p class="muted small">
                Ranked among {formatCountOf(topState.data.reporting, NOUNS.host)} reporting, from{" "}
                {topState.data.tier === "raw" ? "raw samples" : `${topState.data.tier} rollups`}
                {topState.data.unranked > 0
                  ? ` (${formatCountOf(topState.data.unranked, NOUNS.host)} not ranked)`
                  : ""}
                .
              </p>
            </>
          ))}
      </section>

      <section class="panel trend-panel" aria-labelledby="heat-title">
        <h2 id="heat-title" class="panel-title">
          CPU heatmap (busiest {HEAT_ROWS} hosts, last {TREND_RANGES[range.value].label})
        </h2>
        <Status state={heatState} testId="heatmap" />
        {heatState.kind === "ready" &&
          (heatState.data.hosts.length === 0 ? (
            <p class="notice" data-testid="heatmap-empty">
              No host reported CPU in this range.
            </p>
          ) : (
            <Heatmap
              hosts={heatState.data.hosts}
              from={heatState.data.from}
              to={heatState.data.to}
              stepS={heatState.data.stepS}
            />
          ))}
      </section>
    </section>
  );
}
