import { Hono } from "hono";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { deleteFleetHost, fleetStub } from "../fleet/stub";
import { httpError } from "../http/errors";

/** Live state of the fleet's hosts. */
export const hostRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>()
  .get("/api/fleets/:fleet/hosts", requireFleetRole("viewer"), async (c) => {
    const hosts = await fleetStub(c.env, c.var.principal.fleetId).listHosts();
    return c.json({ hosts });
  })
  .get("/api/fleets/:fleet/hosts/:host", requireFleetRole("viewer"), async (c) => {
    const host = await fleetStub(c.env, c.var.principal.fleetId).getHost(c.req.param("host"));
    if (!host) httpError(404, "not_found", "no such host");
    return c.json({ host });
  })
  .delete("/api/fleets/:fleet/hosts/:host", requireFleetRole("admin"), async (c) => {
    const existed = await deleteFleetHost(c.env, c.var.principal.fleetId, c.req.param("host"));
    if (!existed) httpError(404, "not_found", "no such host");
    return c.body(null, 204);
  });
