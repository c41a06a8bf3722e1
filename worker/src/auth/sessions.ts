import { and, eq, gt, isNull } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { sessions, tokens } from "../db/schema";
import { randomSecret, sha256Hex } from "./secrets";
import { type Principal, recordTokenUse, type UseOptions } from "./tokens";

/** Name of the dashboard session cookie (HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = "fw_session";
/** Sessions last a week; signing in again renews. */
export const SESSION_TTL_MS = 7 * 24 * 3600_000;

/** Creates a session for a principal; returns the cookie secret (only its hash is stored). */
export async function createSession(db: DrizzleD1Database, p: Principal, now: number): Promise<string> {
  const secret = randomSecret(32);
  await db.insert(sessions).values({
    idHash: await sha256Hex(secret),
    tokenId: p.tokenId,
    fleetId: p.fleetId,
    role: p.role,
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
  });
  return secret;
}

/**
 * Resolves a session cookie; revoked tokens end their sessions. A session
 * is its token at work, so it records the token's use like a bearer request.
 */
export async function sessionPrincipal(
  db: DrizzleD1Database,
  secret: string,
  now: number,
  opts: Pick<UseOptions, "defer"> = {},
): Promise<Principal | undefined> {
  if (secret.length > 100) return undefined;
  const row = await db
    .select({
      tokenId: sessions.tokenId,
      fleetId: sessions.fleetId,
      role: sessions.role,
      lastUsedAt: tokens.lastUsedAt,
    })
    .from(sessions)
    .innerJoin(tokens, eq(tokens.id, sessions.tokenId))
    .where(
      and(
        eq(sessions.idHash, await sha256Hex(secret)),
        gt(sessions.expiresAt, now),
        isNull(tokens.revokedAt),
      ),
    )
    .get();
  if (!row) return undefined;
  await recordTokenUse(db, row.tokenId, row.lastUsedAt, { ...opts, now });
  return { tokenId: row.tokenId, fleetId: row.fleetId, role: row.role };
}

/** Ends a session. */
export async function deleteSession(db: DrizzleD1Database, secret: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, await sha256Hex(secret)));
}
