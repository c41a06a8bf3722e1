import { useEffect, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import { errorMessage, getSeries, type SeriesResponse } from "../../lib/api";
import { colorScheme } from "../../lib/color-scheme";
import { type AlignedSeries, alignSeries, type ChartSpec, gapThresholdMs, stepFor } from "../../lib/series";
import { chartOptions, readTheme } from "./chart-options";

const HEIGHT = 220;
/** Narrowest zoom window: below this the raw 5 s samples are all there is. */
const MIN_ZOOM_MS = 60_000;

type State =
  | { kind: "idle" }
  | { kind: "loading" }
  | { kind: "error"; message: string }
  | { kind: "ready"; data: AlignedSeries; window: Window; empty: boolean; failed: string[] };

interface Window {
  from: number;
  to: number;
}

interface ChartProps extends Window {
  fleet: string;
  hostId: string;
  /** The host's reporting interval: silences longer than three of them break the line. */
  intervalS: number;
  spec: ChartSpec;
}

/** Loads every series of the spec; fails only if all of them fail. */
async function load(p: ChartProps, w: Window, signal: AbortSignal): Promise<State> {
  const stepS = stepFor(w.to - w.from);
  const results = await Promise.allSettled(
    p.spec.series.map((s) =>
      getSeries({ fleet: p.fleet, host: p.hostId, metric: s.key, from: w.from, to: w.to, stepS }, signal),
    ),
  );
  const ok = results.map((r) => (r.status === "fulfilled" ? r.value : undefined));
  const failures = results.flatMap((r, i) => (r.status === "rejected" ? [{ i, reason: r.reason }] : []));
  if (failures.length === results.length) {
    return { kind: "error", message: `Could not load history: ${errorMessage(failures[0]?.reason)}` };
  }
  const servedStepS = Math.max(stepS, ...ok.map((r) => r?.stepS ?? 0));
  const data = alignSeries(
    ok as (SeriesResponse | undefined)[],
    p.spec.band,
    gapThresholdMs(servedStepS, p.intervalS),
  );
  return {
    kind: "ready",
    data,
    window: w,
    empty: data.xs.length === 0,
    failed: failures.map((f) => p.spec.series[f.i]?.label ?? ""),
  };
}

/**
 * One history chart. Fetches when scrolled into view and draws with uPlot
 * (loaded on demand). Dragging across it zooms and refetches that window at
 * a finer step (the hub picks the raw or rollup tier); double-click or
 * "Reset zoom" goes back. Errors show inside the chart area only.
 */
export function Chart(props: ChartProps) {
  const { spec, from, to } = props;
  const box = useRef<HTMLElement>(null);
  const plotEl = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const plotScheme = useRef("");
  const [visible, setVisible] = useState(false);
  const [zoom, setZoom] = useState<Window | null>(null);
  const [state, setState] = useState<State>({ kind: "idle" });
  const scheme = colorScheme.value;
  const win = zoom ?? { from, to };
  // The plot is built once; its x range reads the window it is showing through this ref.
  const shown = useRef<Window>(win);
  const seriesKey = spec.series.map((s) => s.key).join(",");

  // A new range (not a refresh of the same one) drops the zoom.
  const span = to - from;
  useEffect(() => setZoom(null), [span]);

  // Fetch only once the chart is near the viewport: a host page has many charts.
  useEffect(() => {
    const el = box.current;
    if (!el || visible) return;
    if (typeof IntersectionObserver !== "function") {
      setVisible(true);
      return;
    }
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setVisible(true);
      },
      { rootMargin: "200px" },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [visible]);

  // The window and the series keys identify the request.
  useEffect(() => {
    if (!visible) return;
    const ctrl = new AbortController();
    // Keep showing the current plot while a refresh or zoom loads.
    setState((s) => (s.kind === "ready" ? s : { kind: "loading" }));
    load(props, win, ctrl.signal).then(
      (next) => {
        if (!ctrl.signal.aborted) setState(next);
      },
      (e: unknown) => {
        if (!ctrl.signal.aborted) setState({ kind: "error", message: errorMessage(e) });
      },
    );
    return () => ctrl.abort();
  }, [visible, win.from, win.to, seriesKey]);

  // Draw, or update in place. A new colour scheme rebuilds: canvas colours are baked in.
  // `spec` is fixed per instance: the parent keys charts by their series.
  useEffect(() => {
    if (state.kind !== "ready" || state.empty) return;
    const el = plotEl.current;
    if (!el) return;
    const data = [state.data.xs, ...state.data.columns] as uPlot.AlignedData;
    shown.current = state.window;
    if (plot.current && plotScheme.current === scheme) {
      plot.current.setData(data, true);
      return;
    }
    let cancelled = false;
    import("./plot").then(
      ({ default: UPlot }) => {
        if (cancelled || !plotEl.current) return;
        plot.current?.destroy();
        const hooks: uPlot.Hooks.Arrays = {
          setSelect: [
            (u) => {
              if (u.select.width <= 0) return;
              const a = u.posToVal(u.select.left, "x") * 1000;
              const b = u.posToVal(u.select.left + u.select.width, "x") * 1000;
              const mid = (a + b) / 2;
              const half = Math.max(b - a, MIN_ZOOM_MS) / 2;
              setZoom({ from: Math.floor(mid - half), to: Math.ceil(mid + half) });
            },
          ],
        };
        const opts = chartOptions(spec, Math.max(200, el.clientWidth), HEIGHT, readTheme(el), hooks, () => [
          shown.current.from / 1000,
          shown.current.to / 1000,
        ]);
        plot.current = new UPlot(opts, data, el);
        plotScheme.current = scheme;
      },
      () => {
        if (!cancelled)
          setState({ kind: "error", message: "The chart library failed to load. Reload the page." });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [state, scheme]);

  // Double-click (uPlot's own reset gesture) also drops our zoom; destroy the plot on unmount.
  useEffect(() => {
    const el = plotEl.current;
    const unzoom = () => setZoom(null);
    el?.addEventListener("dblclick", unzoom);
    return () => {
      el?.removeEventListener("dblclick", unzoom);
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  // Follow the container's width.
  useEffect(() => {
    const el = plotEl.current;
    if (!el || typeof ResizeObserver !== "function") return;
    const ro = new ResizeObserver(() => {
      const u = plot.current;
      if (u && el.clientWidth > 0 && Math.abs(u.width - el.clientWidth) > 1) {
        u.setSize({ width: el.clientWidth, height: HEIGHT });
      }
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const message =
    state.kind === "error"
      ? state.message
      : state.kind === "ready" && state.empty
        ? "No data in this range yet."
        : state.kind === "loading" || state.kind === "idle"
          ? "Loading…"
          : undefined;

  return (
    <figure class="chart" ref={box} data-testid="chart" data-chart={spec.id} data-state={state.kind}>
      <figcaption class="chart-head">
        <span class="chart-title">{spec.title}</span>
        {zoom && (
          <button
            type="button"
            class="btn btn-small"
            onClick={() => setZoom(null)}
            data-testid="chart-reset-zoom"
          >
            Reset zoom
          </button>
        )}
      </figcaption>
      <div class="chart-area">
        <div class="chart-plot" ref={plotEl} />
        {message && (
          <p
            class={`chart-message${state.kind === "error" ? " chart-error" : ""}`}
            data-testid={state.kind === "error" ? "chart-error" : undefined}
          >
            {message}
          </p>
        )}
      </div>
      {state.kind === "ready" && state.failed.length > 0 && (
        <p class="chart-note">Some series failed to load: {state.failed.join(", ")}</p>
      )}
    </figure>
  );
}
