import { formatterFor, unitOf } from "../../lib/series";
import { HOST_DOWN_METRIC } from "./rule-metrics";

/** A rule or alert value in the unit of its metric (`92 %`, `1.2 MB/s`, `3 missed intervals`). */
export function formatMetricValue(metric: string, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  if (metric === HOST_DOWN_METRIC) return `${v} missed interval${v === 1 ? "" : "s"}`;
  return formatterFor(unitOf(metric))(v);
}

/** Seconds as a short duration: `90` -> `1 min 30 s`, `0` -> `0 s`. */
export function formatSeconds(s: number): string {
  if (s % 86_400 === 0 && s > 0) return `${s / 86_400} d`;
  if (s % 3600 === 0 && s > 0) return `${s / 3600} h`;
  if (s % 60 === 0 && s > 0) return `${s / 60} min`;
  if (s > 60) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${s} s`;
}
