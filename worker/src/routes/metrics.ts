import { Hono } from "hono";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { fleetStub } from "../fleet/stub";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "../metrics/prometheus";
import { TRAFFIC_MAX_AGE_MS } from "../traffic/cache";
import { fleetTraffic } from "../traffic/fleet";
import { renderTrafficPrometheus } from "../traffic/prometheus";

/**
 * Prometheus scrape endpoint of a fleet's live state. Scrape it with a
 * viewer token (`authorization: {credentials: <token>}` in scrape_config).
 */
export const metricsRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>().get(
  "/api/fleets/:fleet/metrics",
  requireFleetRole("viewer"),
  async (c) => {
    const fleet = c.var.principal.fleetId;
    const [hosts, traffic] = await Promise.all([
      fleetStub(c.env, fleet).listHosts(),
      // Month totals as the alert rules see them: at most a few minutes old, never lower than shown before.
      fleetTraffic(c.env, fleet, { maxAgeMs: TRAFFIC_MAX_AGE_MS }),
    ]);
    return c.body(renderPrometheus(hosts) + renderTrafficPrometheus(traffic.hosts, hosts), 200, {
      "Content-Type": PROMETHEUS_CONTENT_TYPE,
      "Cache-Control": "no-store",
    });
  },
);
