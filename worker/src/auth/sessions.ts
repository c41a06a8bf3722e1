import { and, eq, gt, isNull } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { sessions, tokens } from "../db/schema";
import { randomSecret, sha256Hex } from "./secrets";
import type { Principal } from "./tokens";

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

/** Resolves a session cookie; revoked tokens end their sessions. */
export async function sessionPrincipal(
  db: DrizzleD1Database,
  secret: string,
  now: number,
): Promise<Principal | undefined> {
  if (secret.length > 100) return undefined;
  const row = await db
    .select({ tokenId: sessions.tokenId, fleetId: sessions.fleetId, role: sessions.role })
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
  return row ?? undefined;
}

/** Ends a session. */
export async function deleteSession(db: DrizzleD1Database, secret: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, await sha256Hex(secret)));
}
