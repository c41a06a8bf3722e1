import { and, eq, isNull } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { type Role, tokens } from "../db/schema";
import { sha256Hex, TOKEN_PREFIX, timingSafeEqual } from "./secrets";

export { type IssuedToken, issueToken, TOKEN_PREFIX } from "./secrets";

/** What a valid token grants. */
export interface Principal {
  tokenId: string;
  fleetId: string;
  role: Role;
}

/**
 * Resolves a presented secret to its principal, or undefined when it is
 * unknown, malformed or revoked. The lookup is by hash, so the secret itself
 * never touches storage; the final comparison is constant-time.
 */
export async function authenticate(db: DrizzleD1Database, secret: string): Promise<Principal | undefined> {
  if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return undefined;
  const hash = await sha256Hex(secret);
  const row = await db
    .select({ id: tokens.id, fleetId: tokens.fleetId, role: tokens.role, secretHash: tokens.secretHash })
    .from(tokens)
    .where(and(eq(tokens.secretHash, hash), isNull(tokens.revokedAt)))
    .get();
  if (!row || !timingSafeEqual(row.secretHash, hash)) return undefined;
  return { tokenId: row.id, fleetId: row.fleetId, role: row.role };
}

/** Reads the secret from `Authorization: Bearer <secret>`. */
export function bearerSecret(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

const RANK: Record<Role, number> = { agent: 0, viewer: 1, admin: 2 };

/**
 * Whether `have` may act as `need`. `agent` tokens ingest only; `viewer`
 * reads; `admin` reads and manages. An agent token never reads.
 */
export function roleAllows(have: Role, need: Role): boolean {
  if (need === "agent") return have === "agent";
  if (have === "agent") return false;
  return RANK[have] >= RANK[need];
}
