import type { InferResponseType } from "hono/client";
import { fleetApi, json, params, withSignal } from "./api";

/** `GET /api/fleets/:fleet/series`: the fleet's hosts ranked by one series, each with its line. */
export type FleetSeriesResponse = InferResponseType<(typeof fleetApi.series)["$get"]>;
export type RankedHost = FleetSeriesResponse["hosts"][number];

/** Series the trends page ranks hosts by (keys of the hub's catalog). */
export const TREND_METRICS = {
  cpu: "CPU",
  mem: "Memory",
  "disk:/": "Disk (/)",
} as const;
export type TrendMetric = keyof typeof TREND_METRICS;

/** Ranges the trends page offers; the hub reads the 1 m and 1 h rollups for the long ones. */
export const TREND_RANGES = {
  "1h": { label: "1 h", ms: 3_600_000 },
  "6h": { label: "6 h", ms: 6 * 3_600_000 },
  "24h": { label: "24 h", ms: 24 * 3_600_000 },
  "7d": { label: "7 d", ms: 7 * 86_400_000 },
  "30d": { label: "30 d", ms: 30 * 86_400_000 },
} as const;
export type TrendRange = keyof typeof TREND_RANGES;

/** The query of one fleet series request. */
export interface FleetSeriesQuery {
  fleet: string;
  metric: string;
  from: number;
  to: number;
  limit: number;
  by: "avg" | "max";
}

/** The fleet's top `limit` hosts by `metric` over [from, to]. */
export function getFleetSeries(q: FleetSeriesQuery, signal?: AbortSignal): Promise<FleetSeriesResponse> {
  return json(
    fleetApi.series.$get(
      {
        param: params({ fleet: q.fleet }),
        query: {
          metric: q.metric,
          from: String(Math.floor(q.from)),
          to: String(Math.ceil(q.to)),
          limit: String(q.limit),
          by: q.by,
        },
      },
      withSignal(signal),
    ),
  );
}

/**
 * Hosts' lines on one time axis, as uPlot takes them: the union of their
 * bucket times (seconds) and, per host, its average at each (null where it
 * has no point, so the line breaks instead of bridging a silence).
 */
export function alignHosts(hosts: readonly RankedHost[]): { xs: number[]; ys: (number | null)[][] } {
  const times = new Set<number>();
  for (const h of hosts) for (const p of h.points) times.add(p.t);
  const xs = [...times].sort((a, b) => a - b);
  const at = new Map(xs.map((t, i) => [t, i]));
  const ys = hosts.map((h) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    for (const p of h.points) col[at.get(p.t) ?? 0] = p.avg;
    return col;
  });
  return { xs: xs.map((t) => t / 1000), ys };
}

/**
 * Column of each bucket of a heatmap over [from, to] in `columns` equal
 * cells: the cell a point at `t` falls in (clamped to the edges).
 */
export function heatColumn(t: number, from: number, to: number, columns: number): number {
  const i = Math.floor(((t - from) / (to - from)) * columns);
  return Math.min(columns - 1, Math.max(0, i));
}

/**
 * Colour of a percentage on the heatmap: from a cool blue (idle) through
 * amber to red (saturated). Lightness stays readable on light and dark pages.
 */
export function heatColor(pct: number): string {
  const v = Math.min(100, Math.max(0, pct)) / 100;
  // Hue 210 (blue) -> 45 (amber) -> 0 (red).
  const hue = v < 0.6 ? 210 - (v / 0.6) * 165 : 45 - ((v - 0.6) / 0.4) * 45;
  const light = 62 - v * 14;
  return `hsl(${hue.toFixed(0)} 80% ${light.toFixed(0)}%)`;
}
