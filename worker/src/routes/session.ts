import { zValidator } from "@hono/zod-validator";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import {
  createSession,
  deleteSession,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  sessionPrincipal,
} from "../auth/sessions";
import { authenticate } from "../auth/tokens";
import { httpError } from "../http/errors";
import { jsonError } from "../http/validation";
import type { SessionInfo } from "../metrics/types";

const SignIn = z.strictObject({ token: z.string().min(1).max(200) });

function isLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]";
}

/** Dashboard sign-in: a viewer or admin token buys an HttpOnly, SameSite=Strict session cookie. */
export const sessionRoutes = new Hono<{ Bindings: Env }>()
  .post("/api/session", zValidator("json", SignIn, jsonError), async (c) => {
    const db = drizzle(c.env.DB);
    const principal = await authenticate(db, c.req.valid("json").token);
    if (!principal) httpError(401, "unauthenticated", "unknown or revoked token");
    if (principal.role === "agent")
      httpError(403, "forbidden", "agent tokens cannot sign in; use a viewer or admin token");
    const secret = await createSession(db, principal, Date.now());
    setCookie(c, SESSION_COOKIE, secret, {
      httpOnly: true,
      secure: !isLocal(c.req.url),
      sameSite: "Strict",
      path: "/",
      maxAge: SESSION_TTL_MS / 1000,
    });
    return c.json({ fleet: principal.fleetId, role: principal.role } satisfies SessionInfo);
  })
  .get("/api/session", async (c) => {
    const sid = getCookie(c, SESSION_COOKIE);
    const principal = sid ? await sessionPrincipal(drizzle(c.env.DB), sid, Date.now()) : undefined;
    if (!principal) httpError(401, "unauthenticated", "not signed in");
    return c.json({ fleet: principal.fleetId, role: principal.role } satisfies SessionInfo);
  })
  .delete("/api/session", async (c) => {
    const sid = getCookie(c, SESSION_COOKIE);
    if (sid) await deleteSession(drizzle(c.env.DB), sid);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });
