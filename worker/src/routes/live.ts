import { Hono } from "hono";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { INTERNAL } from "../fleet/protocol";
import { forwardToFleet } from "../fleet/stub";
import { httpError } from "../http/errors";

/**
 * Dashboard live socket. A browser always sends Origin on WebSocket
 * upgrades: a page of another site must not ride on the session cookie.
 */
export const liveRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>().get(
  "/api/fleets/:fleet/live",
  requireFleetRole("viewer"),
  async (c) => {
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
      httpError(426, "upgrade_required", "expected a WebSocket upgrade");
    }
    const origin = c.req.header("Origin");
    if (origin !== undefined && origin !== new URL(c.req.url).origin) {
      httpError(403, "forbidden", "cross-origin WebSocket refused");
    }
    return forwardToFleet(c.env, c.var.principal, c.req.raw, { path: INTERNAL.livePath });
  },
);
