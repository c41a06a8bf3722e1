import type { InferRequestType } from "hono/client";
import type { SeriesExport } from "../../../worker/src/metrics/types";
import { ApiError, fleetApi, params, withSignal } from "./api";

/** Host administration and history export (host page; a lazy chunk). */

const hostRoute = fleetApi.hosts[":host"];

/** Formats the export route writes. */
export type ExportFormat = NonNullable<InferRequestType<typeof hostRoute.export.$get>["query"]["format"]>;

/** Forgets a host (admin): its live state and raw window. Dashboards get a `removed` frame. */
export async function deleteHost(fleet: string, host: string): Promise<void> {
  await hostRoute.$delete({ param: params({ fleet, host }) });
}

/** What one export covers: Unix ms, step in seconds (a hint; the hub picks the tier). */
export interface ExportRange {
  from: number;
  to: number;
  stepS: number;
}

/**
 * Same-origin path of a host's history export (every series it has, over
 * the range), for a download link: the browser sends the session cookie
 * with it, and the hub answers with `Content-Disposition: attachment`.
 */
export function exportPath(fleet: string, host: string, format: ExportFormat, r: ExportRange): string {
  return hostRoute.export.$path({
    param: params({ fleet, host }),
    query: {
      format,
      from: String(Math.floor(r.from)),
      to: String(Math.ceil(r.to)),
      step: String(r.stepS),
    },
  });
}

/** Several series of a host over one range, read once (the export's JSON form). */
export type HostSeries = SeriesExport;

function isHostSeries(v: unknown): v is HostSeries {
  if (typeof v !== "object" || v === null) return false;
  const series = (v as { series?: unknown }).series;
  return (
    typeof series === "object" && series !== null && Object.values(series).every((s) => Array.isArray(s))
  );
}

/**
 * The last minutes of a host's series from its raw window, for the live
 * trend: one read of the export route in its JSON form.
 */
export async function getRecentSeries(
  fleet: string,
  host: string,
  metrics: string[],
  r: ExportRange,
  signal?: AbortSignal,
): Promise<HostSeries> {
  const res = await hostRoute.export.$get(
    {
      param: params({ fleet, host }),
      query: {
        metric: metrics,
        format: "json",
        from: String(Math.floor(r.from)),
        to: String(Math.ceil(r.to)),
        step: String(r.stepS),
      },
    },
    withSignal(signal),
  );
  const body: unknown = await res.json().catch(() => undefined);
  if (!isHostSeries(body))
    throw new ApiError(res.status, "bad_response", "The hub sent history in an unknown form.");
  return body;
}
