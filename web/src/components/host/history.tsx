import { useEffect, useMemo, useState } from "preact/hooks";
import type { HostView } from "../../../../worker/src/metrics/types";
import { chartSpecs, RANGES, type RangeId, stepFor } from "../../lib/series";
import { Chart, type Window } from "./chart";
import { ExportLinks } from "./export-links";

/** Short ranges refresh while the page is open; long ones barely move in a minute. */
const REFRESH_MS = 60_000;
const REFRESH_UP_TO_MS = 24 * 3_600_000;

type ChartProps = Parameters<typeof Chart>[0];

function CollapsedChart(props: ChartProps) {
  const [open, setOpen] = useState(false);
  return (
    <details class="chart-details" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{props.spec.title}</summary>
      {open && <Chart {...props} />}
    </details>
  );
}

/**
 * History charts with range buttons, and the range's export. The charts
 * share one cursor and one zoom: a window dragged on any of them zooms all,
 * and a new range (not a refresh of the same one) drops the zoom.
 */
export function History({ fleet, host }: { fleet: string; host: HostView }) {
  const [rangeId, setRangeId] = useState<RangeId>("1h");
  const [to, setTo] = useState(() => Date.now());
  const [zoom, setZoom] = useState<Window | null>(null);
  const range = RANGES.find((r) => r.id === rangeId) ?? RANGES[0];

  // Charts depend only on which series exist, not on the latest values: keep the specs stable.
  // Collapsed ones (full-width rows) go last so they do not leave a hole in the two-column grid.
  const specs = chartSpecs(host);
  const specKey = specs.map((s) => `${s.id}=${s.series.map((x) => x.key).join(",")}`).join(";");
  const stable = useMemo(
    () => [...specs.filter((s) => !s.collapsed), ...specs.filter((s) => s.collapsed)],
    [specKey],
  );
  const intervalS = host.info.intervalS;

  useEffect(() => {
    if (range.ms > REFRESH_UP_TO_MS) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") setTo(Date.now());
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [range.ms]);

  useEffect(() => setZoom(null), [range.ms]);

  const from = to - range.ms;
  const shown = zoom ?? { from, to };
  const resetZoom = () => setZoom(null);
  return (
    <section class="history" aria-labelledby="history-title">
      <div class="history-head">
        <h2 id="history-title">History</h2>
        <fieldset class="segmented ranges">
          <legend class="visually-hidden">Time range</legend>
          {RANGES.map((r) => (
            <button
              key={r.id}
              type="button"
              class="btn btn-small"
              aria-pressed={r.id === rangeId}
              data-testid={`range-${r.id}`}
              onClick={() => {
                setRangeId(r.id);
                setTo(Date.now());
              }}
            >
              {r.label}
            </button>
          ))}
        </fieldset>
        <ExportLinks
          fleet={fleet}
          hostId={host.id}
          range={{ from, to, stepS: stepFor(range.ms) }}
          rangeLabel={range.label}
        />
        <p class="muted small history-hint">Drag across a chart to zoom, double-click to reset.</p>
      </div>
      <div class="charts">
        {stable.map((spec) => {
          const props = {
            fleet,
            hostId: host.id,
            intervalS,
            spec,
            ...shown,
            syncKey: `host:${host.id}`,
            zoomed: zoom !== null,
            onZoom: setZoom,
            onResetZoom: resetZoom,
          };
          // A changed set of series (a new mount) is a new chart: uPlot cannot change its series in place.
          const key = `${spec.id}=${spec.series.map((x) => x.key).join(",")}`;
          return spec.collapsed ? <CollapsedChart key={key} {...props} /> : <Chart key={key} {...props} />;
        })}
      </div>
    </section>
  );
}
