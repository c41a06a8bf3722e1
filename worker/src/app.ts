import { Hono } from "hono";
import { apiBodyLimit } from "./http/body-limit";
import { csrfGuard } from "./http/csrf";
import { onError } from "./http/errors";
import { securityHeaders } from "./http/security-headers";
import { alertRoutes } from "./routes/alerts";
import { channelRoutes } from "./routes/channels";
import { fleetHealthRoutes } from "./routes/fleet-health";
import { fleetRoutes } from "./routes/fleets";
import { healthRoutes } from "./routes/health";
import { hostRoutes } from "./routes/hosts";
import { ingestRoutes } from "./routes/ingest";
import { liveRoutes } from "./routes/live";
import { metricsRoutes } from "./routes/metrics";
import { policyRoutes } from "./routes/policies";
import { probeRoutes } from "./routes/probes";
import { ruleRoutes } from "./routes/rules";
import { seriesRoutes } from "./routes/series";
import { sessionRoutes } from "./routes/session";
import { silenceRoutes } from "./routes/silences";
import { statusPageRoutes } from "./routes/status-page";
import { tokenRoutes } from "./routes/tokens";
import { trafficRoutes } from "./routes/traffic";
import { usageRoutes } from "./routes/usage";

/** The Worker's HTTP surface. Its type feeds the dashboard's typed client. */
export const app = new Hono<{ Bindings: Env }>()
  .use(securityHeaders)
  .use("/api/*", apiBodyLimit, csrfGuard)
  .route("/", healthRoutes)
  .route("/", ingestRoutes)
  .route("/", sessionRoutes)
  .route("/", hostRoutes)
  .route("/", liveRoutes)
  .route("/", seriesRoutes)
  .route("/", trafficRoutes)
  .route("/", usageRoutes)
  .route("/", fleetHealthRoutes)
  .route("/", tokenRoutes)
  .route("/", fleetRoutes)
  .route("/", metricsRoutes)
  .route("/", ruleRoutes)
  .route("/", channelRoutes)
  .route("/", silenceRoutes)
  .route("/", policyRoutes)
  .route("/", alertRoutes)
  .route("/", probeRoutes)
  .route("/", statusPageRoutes)
  .notFound((c) => c.json({ error: "not_found", message: "no such route" }, 404))
  .onError(onError);

export type AppType = typeof app;
