import type { InferRequestType } from "hono/client";
import { fleetApi, params } from "./api";

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
