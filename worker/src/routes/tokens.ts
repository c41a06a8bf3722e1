import { zValidator } from "@hono/zod-validator";
import { and, count, eq, isNull, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { z } from "zod";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { issueToken } from "../auth/tokens";
import { ROLES, type Role, sessions, tokens } from "../db/schema";
import { revokeFleetToken } from "../fleet/stub";
import { httpError } from "../http/errors";
import { displayName } from "../http/text";
import { jsonError } from "../http/validation";

/** Active tokens a fleet may hold; a cap so a runaway script cannot fill D1. */
export const MAX_ACTIVE_TOKENS = 1000;

const CreateToken = z.strictObject({
  role: z.enum(ROLES),
  name: displayName,
});

/** A token as the API shows it: never its secret, nor its hash. */
export interface TokenView {
  id: string;
  role: Role;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  /** The token this request was authenticated with. */
  current: boolean;
}

const viewColumns = {
  id: tokens.id,
  role: tokens.role,
  name: tokens.name,
  createdAt: tokens.createdAt,
  lastUsedAt: tokens.lastUsedAt,
  revokedAt: tokens.revokedAt,
};

/**
 * Token administration (admin): list, issue (the secret is in the answer
 * once, only its hash is stored) and revoke. Revoking ends the token's
 * dashboard sessions, closes its live sockets and ends its ingest streams.
 */
export const tokenRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>()
  .get("/api/fleets/:fleet/tokens", requireFleetRole("admin"), async (c) => {
    const me = c.var.principal;
    const rows = await drizzle(c.env.DB)
      .select(viewColumns)
      .from(tokens)
      .where(eq(tokens.fleetId, me.fleetId))
      .orderBy(tokens.createdAt, tokens.id);
    return c.json({ tokens: rows.map((r): TokenView => ({ ...r, current: r.id === me.tokenId })) });
  })
  .post(
    "/api/fleets/:fleet/tokens",
    requireFleetRole("admin"),
    zValidator("json", CreateToken, jsonError),
    async (c) => {
      const { fleetId } = c.var.principal;
      const { role, name } = c.req.valid("json");
      const db = drizzle(c.env.DB);
      const active = await db
        .select({ n: count() })
        .from(tokens)
        .where(and(eq(tokens.fleetId, fleetId), isNull(tokens.revokedAt)))
        .get();
      if ((active?.n ?? 0) >= MAX_ACTIVE_TOKENS) {
        httpError(409, "conflict", `a fleet holds at most ${MAX_ACTIVE_TOKENS} active tokens; revoke some`);
      }
      const issued = await issueToken();
      const createdAt = Date.now();
      await db.insert(tokens).values({
        id: issued.id,
        fleetId,
        role,
        name,
        secretHash: issued.secretHash,
        createdAt,
      });
      const token: TokenView = {
        id: issued.id,
        role,
        name,
        createdAt,
        lastUsedAt: null,
        revokedAt: null,
        current: false,
      };
      // The only time the secret leaves the Worker.
      c.header("Cache-Control", "no-store");
      return c.json({ token, secret: issued.secret }, 201);
    },
  )
  .delete("/api/fleets/:fleet/tokens/:id", requireFleetRole("admin"), async (c) => {
    const { fleetId } = c.var.principal;
    const id = c.req.param("id");
    const db = drizzle(c.env.DB);
    const now = Date.now();
    // One statement, so two admins revoking each other at once cannot both
    // succeed and lock the fleet out: the last active admin token stays.
    const revoked = await db
      .update(tokens)
      .set({ revokedAt: now })
      .where(
        and(
          eq(tokens.id, id),
          eq(tokens.fleetId, fleetId),
          isNull(tokens.revokedAt),
          sql`(${tokens.role} <> 'admin' OR (SELECT COUNT(*) FROM ${tokens} AS t WHERE t.fleet_id = ${fleetId} AND t.role = 'admin' AND t.revoked_at IS NULL) > 1)`,
        ),
      )
      .returning({ id: tokens.id })
      .get();
    if (!revoked) {
      const row = await db
        .select({ revokedAt: tokens.revokedAt })
        .from(tokens)
        .where(and(eq(tokens.id, id), eq(tokens.fleetId, fleetId)))
        .get();
      if (!row || row.revokedAt !== null) httpError(404, "not_found", "no active token with this id");
      httpError(409, "conflict", "this is the fleet's last admin token; issue another admin token first");
    }
    await db.delete(sessions).where(eq(sessions.tokenId, id));
    // Open streams end at their next message, live sockets close with 4001.
    await revokeFleetToken(c.env, fleetId, id);
    return c.body(null, 204);
  });
