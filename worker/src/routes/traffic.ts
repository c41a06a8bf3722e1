import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { fleetStub, hostStub } from "../fleet/stub";
import { httpError } from "../http/errors";
import { jsonError } from "../http/validation";
import { fleetTraffic } from "../traffic/fleet";
import { TrafficSettingsSchema } from "../traffic/period";

/**
 * Month-to-date network traffic per host and interface, integrated on the
 * hub from the rates it stores (traffic/totals.ts), and the reset day and
 * time zone that start each month: the fleet's, overridable per host.
 */
export const trafficRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>()
  .get("/api/fleets/:fleet/traffic", requireFleetRole("viewer"), async (c) => {
    return c.json(await fleetTraffic(c.env, c.var.principal.fleetId));
  })
  .get("/api/fleets/:fleet/hosts/:host/traffic", requireFleetRole("viewer"), async (c) => {
    const fleet = c.var.principal.fleetId;
    const hostId = c.req.param("host");
    const settings = await fleetStub(c.env, fleet).trafficSettings();
    const [traffic] = await hostStub(c.env, fleet, hostId).traffic(settings, [hostId]);
    if (!traffic) httpError(404, "not_found", "no such host");
    return c.json(traffic);
  })
  .put(
    "/api/fleets/:fleet/traffic/settings",
    requireFleetRole("admin"),
    zValidator("json", TrafficSettingsSchema, jsonError),
    async (c) => {
      const stub = fleetStub(c.env, c.var.principal.fleetId);
      return c.json(await stub.setTrafficSettings("", c.req.valid("json")));
    },
  )
  .put(
    "/api/fleets/:fleet/hosts/:host/traffic/settings",
    requireFleetRole("admin"),
    zValidator("json", TrafficSettingsSchema, jsonError),
    async (c) => {
      const fleet = c.var.principal.fleetId;
      const hostId = c.req.param("host");
      if (!(await hostStub(c.env, fleet, hostId).getHost(hostId)))
        httpError(404, "not_found", "no such host");
      return c.json(await fleetStub(c.env, fleet).setTrafficSettings(hostId, c.req.valid("json")));
    },
  )
  .delete("/api/fleets/:fleet/hosts/:host/traffic/settings", requireFleetRole("admin"), async (c) => {
    const stub = fleetStub(c.env, c.var.principal.fleetId);
    return c.json(await stub.setTrafficSettings(c.req.param("host"), null));
  });
