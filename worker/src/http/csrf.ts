import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { SESSION_COOKIE } from "../auth/sessions";
import { bearerSecret } from "../auth/tokens";
import { httpError } from "./errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery guard for the REST API, on top of the
 * SameSite=Strict session cookie (which older browsers and some same-site
 * setups do not honour). A mutation that is not authenticated by a bearer
 * token must prove it comes from our own pages:
 *
 * - an `Origin` header, when present, must equal the request's origin;
 * - else `Sec-Fetch-Site`, when present, must be `same-origin`;
 * - else, with a session cookie, the request is refused (every browser that
 *   sends the cookie sends one of the two headers on a mutation).
 *
 * Bearer-token requests are exempt: a browser never attaches a token on its
 * own. A request with neither cookie nor token (a script calling
 * `POST /api/session`) carries no ambient authority, but a foreign Origin is
 * still refused so a page cannot sign a victim into the attacker's fleet.
 */
export const csrfGuard = createMiddleware(async (c, next) => {
  if (SAFE_METHODS.has(c.req.method) || bearerSecret(c.req.header("Authorization"))) return next();
  const origin = c.req.header("Origin");
  const site = c.req.header("Sec-Fetch-Site");
  const own = new URL(c.req.url).origin;
  if (origin !== undefined) {
    if (origin !== own) httpError(403, "forbidden", "cross-origin request refused");
  } else if (site !== undefined) {
    if (site !== "same-origin") httpError(403, "forbidden", "cross-site request refused");
  } else if (getCookie(c, SESSION_COOKIE) !== undefined) {
    httpError(403, "forbidden", "a signed-in mutation needs an Origin header; send Authorization instead");
  }
  return next();
});
