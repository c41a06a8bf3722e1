import { drizzle } from "drizzle-orm/d1";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { Role } from "../db/schema";
import { httpError } from "../http/errors";
import { SESSION_COOKIE, sessionPrincipal } from "./sessions";
import { authenticate, bearerSecret, type Principal, roleAllows } from "./tokens";

/** Variables the auth middleware puts on the context. */
export interface AuthVariables {
  principal: Principal;
}

/**
 * The request's `waitUntil`, or undefined where there is none (Hono's
 * `app.request()` without an execution context): the caller then awaits.
 */
function deferTo(c: Context): ((p: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (p) => ctx.waitUntil(p);
  } catch {
    return undefined;
  }
}

/**
 * Requires a bearer token or a dashboard session of `role` (or higher) for
 * the fleet in the `:fleet` path parameter. A token of another fleet gets the
 * same 404 as a fleet that does not exist, so fleets cannot be discovered.
 */
export function requireFleetRole(role: Role) {
  return createMiddleware<{ Bindings: Env; Variables: AuthVariables }>(async (c, next) => {
    const db = drizzle(c.env.DB);
    const secret = bearerSecret(c.req.header("Authorization"));
    // The token's last_used_at is written after the response, not before it.
    const use = { defer: deferTo(c) };
    let principal: Principal | undefined;
    if (secret) principal = await authenticate(db, secret, use);
    else {
      const sid = getCookie(c, SESSION_COOKIE);
      if (sid) principal = await sessionPrincipal(db, sid, Date.now(), use);
    }
    if (!principal) httpError(401, "unauthenticated", "sign in or send Authorization: Bearer <token>");
    const fleet = c.req.param("fleet");
    if (fleet !== undefined && fleet !== principal.fleetId) {
      httpError(404, "not_found", "no such fleet");
    }
    if (!roleAllows(principal.role, role)) {
      httpError(403, "forbidden", `this needs a ${role} token; yours is ${principal.role}`);
    }
    c.set("principal", principal);
    await next();
  });
}
