import { Hono } from "hono";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { fleetStub } from "../fleet/stub";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "../metrics/prometheus";

/**
 * Prometheus scrape endpoint of a fleet's live state. Scrape it with a
 * viewer token (`authorization: {credentials: <token>}` in scrape_config).
 */
export const metricsRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>().get(
  "/api/fleets/:fleet/metrics",
  requireFleetRole("viewer"),
  async (c) => {
    const hosts = await fleetStub(c.env, c.var.principal.fleetId).listHosts();
    return c.body(renderPrometheus(hosts), 200, {
      "Content-Type": PROMETHEUS_CONTENT_TYPE,
      "Cache-Control": "no-store",
    });
  },
);
