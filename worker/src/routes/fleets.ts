import { zValidator } from "@hono/zod-validator";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { z } from "zod";
import { FLEET_ID } from "../auth/fleet-id";
import { isOperator, type OperatorEnv, operatorHash } from "../auth/operator";
import { issueToken } from "../auth/tokens";
import { fleets, tokens } from "../db/schema";
import { httpError } from "../http/errors";
import { displayName } from "../http/text";
import { jsonError } from "../http/validation";
import type { TokenView } from "./tokens";

const CreateFleet = z.strictObject({
  id: z.string().regex(FLEET_ID, "must be lower-case letters, digits and dashes (at most 63)"),
  name: displayName.optional(),
});

function isUniqueViolation(e: unknown): boolean {
  for (let x: unknown = e; x instanceof Error; x = x.cause) {
    if (x.message.includes("UNIQUE constraint failed")) return true;
  }
  return false;
}

/**
 * Fleet creation for operators (`POST /api/fleets`), guarded by the operator
 * token whose SHA-256 is the `FLEETWATCH_OPERATOR_TOKEN_SHA256` secret.
 * Without that secret the route does not exist (404), so a hub that never
 * opted in shows nothing. Answers the fleet and its first admin token.
 */
export const fleetRoutes = new Hono<{ Bindings: Env & OperatorEnv }>().post(
  "/api/fleets",
  async (c, next) => {
    const expected = operatorHash(c.env);
    if (!expected) httpError(404, "not_found", "no such route");
    if (!(await isOperator(expected, c.req.header("Authorization")))) {
      httpError(401, "unauthenticated", "send Authorization: Bearer <operator token>");
    }
    await next();
  },
  zValidator("json", CreateFleet, jsonError),
  async (c) => {
    const { id, name } = c.req.valid("json");
    const db = drizzle(c.env.DB);
    const admin = await issueToken();
    const now = Date.now();
    try {
      // A batch is one transaction: no fleet without its admin token, and no
      // token added to a fleet that already existed.
      await db.batch([
        db.insert(fleets).values({ id, name: name ?? id, createdAt: now }),
        db.insert(tokens).values({
          id: admin.id,
          fleetId: id,
          role: "admin",
          name: "first admin token",
          secretHash: admin.secretHash,
          createdAt: now,
        }),
      ]);
    } catch (e) {
      if (isUniqueViolation(e)) httpError(409, "conflict", `fleet "${id}" exists`);
      throw e;
    }
    const token: TokenView = {
      id: admin.id,
      role: "admin",
      name: "first admin token",
      createdAt: now,
      lastUsedAt: null,
      revokedAt: null,
      current: false,
    };
    c.header("Cache-Control", "no-store");
    return c.json({ fleet: { id, name: name ?? id, createdAt: now }, token, secret: admin.secret }, 201);
  },
);
