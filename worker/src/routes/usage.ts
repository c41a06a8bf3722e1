import { Hono } from "hono";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { fleetObjects } from "../fleet/stub";

/**
 * Billable operations the fleet's DO performed since it started (for
 * bench/cost and operators); a sharded fleet adds one report per shard.
 */
export const usageRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>().get(
  "/api/fleets/:fleet/usage",
  requireFleetRole("admin"),
  async (c) => {
    const [fleet, ...shards] = await Promise.all(
      fleetObjects(c.env, c.var.principal.fleetId).map((s) => s.usageReport()),
    );
    return c.json(shards.length > 0 ? { ...fleet, shards } : fleet);
  },
);
