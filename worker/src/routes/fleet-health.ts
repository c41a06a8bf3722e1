import { Hono } from "hono";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { fleetObjects } from "../fleet/stub";

/**
 * How the fleet's storage is doing, per object (the fleet's, then each
 * ingest shard's): whether closed hours reach D1, and if not, the last
 * error, how many attempts failed and when the next one runs. Nothing is
 * lost meanwhile: the hours stay in the raw window until written.
 */
export const fleetHealthRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>().get(
  "/api/fleets/:fleet/health",
  requireFleetRole("viewer"),
  async (c) => {
    const objects = await Promise.all(
      fleetObjects(c.env, c.var.principal.fleetId).map((s) => s.storageHealth()),
    );
    return c.json({ ok: objects.every((o) => o.rollups.failures === 0), objects });
  },
);
