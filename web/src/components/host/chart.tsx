import { useEffect, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import { errorMessage, getSeries } from "../../lib/api";
import { colorScheme } from "../../lib/color-scheme";
import { BYTE_UNITS } from "../../lib/format";
import { type AlignedSeries, alignSeries, type ChartSpec, stepFor } from "../../lib/series";
import { chartOptions, readTheme } from "./chart-options";

const HEIGHT = 220;
/** Narrowest zoom window: below this the raw 5 s samples are all there is. */
const MIN_ZOOM_MS = 60_000;

type State =
  | { kind: "idle" }
  | { kind: "loading" }
  | { kind: "error"; message: string }
  | { kind: "ready"; data: AlignedSeries; window: Window; empty: boolean; failed: string[] };

/** A time window in Unix ms. */
export interface Window {
  from: number;
  to: number;
}

interface ChartProps extends Window {
  fleet: string;
  hostId: string;
  /** The host's reporting interval: silences longer than three of them break the line. */
  intervalS: number;
  spec: ChartSpec;
  /** The page's charts share cursor and zoom: one key per host page. */
  syncKey: string;
  /** True while the window is a zoom into the page's range. */
  zoomed: boolean;
  /** A window selected on this chart: the page zooms all its charts to it. */
  onZoom: (w: Window) => void;
  /** Back to the page's range, for every chart. */
  onResetZoom: () => void;
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
  const data = alignSeries(p.spec, ok, servedStepS, p.intervalS);
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
 * (loaded on demand). The cursor is shared with the page's other charts;
 * dragging across it zooms every chart of the page, which refetch that
 * window at a finer step (the hub picks the raw or rollup tier);
 * double-click or "Reset zoom" goes back. Clicking a legend entry hides or
 * shows that line. Errors show inside the chart area only.
 */
export function Chart(props: ChartProps) {
  const { spec, from, to, zoomed } = props;
  const box = useRef<HTMLElement>(null);
  const plotEl = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const plotScheme = useRef("");
  const [visible, setVisible] = useState(false);
  const [state, setState] = useState<State>({ kind: "idle" });
  const scheme = colorScheme.value;
  const win = { from, to };
  // The plot is built once: its options read the window, the data's cadences and the callbacks through refs.
  const shown = useRef<Window>(win);
  const cadence = useRef<readonly number[]>([]);
  const hidden = useRef(new Set<string>());
  const latest = useRef(props);
  latest.current = props;
  const seriesKey = spec.series.map((s) => s.key).join(",");

  // A new window (zoom, reset, another range) shows at once on the data at hand, refined when its own arrives.
  useEffect(() => {
    shown.current = { from, to };
    plot.current?.setScale("x", { min: from / 1000, max: to / 1000 });
  }, [from, to]);

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
    cadence.current = state.data.cadenceS;
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
              latest.current.onZoom({ from: Math.floor(mid - half), to: Math.ceil(mid + half) });
            },
          ],
        };
        const opts = chartOptions(spec, Math.max(200, el.clientWidth), HEIGHT, readTheme(el), {
          xRange: () => [shown.current.from / 1000, shown.current.to / 1000],
          cadenceS: () => cadence.current,
          syncKey: props.syncKey,
          hidden: hidden.current,
          onToggle: (label, on) => {
            if (on) hidden.current.delete(label);
            else hidden.current.add(label);
          },
          hooks,
        });
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

  // Double-click (uPlot's own reset gesture) resets the page's zoom; destroy the plot on unmount.
  useEffect(() => {
    const el = plotEl.current;
    const unzoom = () => latest.current.onResetZoom();
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
        <span
          class="chart-title"
          title={spec.unit === "bytes" || spec.unit === "bytes/s" ? BYTE_UNITS : undefined}
        >
          {spec.title}
        </span>
        {zoomed && (
          <button
            type="button"
            class="btn btn-small"
            onClick={() => props.onResetZoom()}
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
