import { Hono } from "hono";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { fleetStub } from "../fleet/stub";

/** Billable operations the fleet's DO performed since it started (for bench/cost and operators). */
export const usageRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>().get(
  "/api/fleets/:fleet/usage",
  requireFleetRole("admin"),
  async (c) => c.json(await fleetStub(c.env, c.var.principal.fleetId).usageReport()),
);
