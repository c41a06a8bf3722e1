import { and, eq, isNull, lte, or } from "drizzle-orm";
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
 * `last_used_at` is written at most this often per token: a write per
 * request would bill a D1 row per API call and per ingest request.
 */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** How an authentication records the token's use. */
export interface UseOptions {
  /** Defaults to `Date.now()`. */
  now?: number;
  /**
   * Runs the `last_used_at` write after the response (`executionCtx.waitUntil`).
   * Without it the write is awaited, once a minute per token at most.
   */
  defer?: (write: Promise<unknown>) => void;
}

/** Whether a token last used at `lastUsedAt` is due a new `last_used_at`. */
export function lastUsedDue(lastUsedAt: number | null, now: number): boolean {
  return lastUsedAt === null || lastUsedAt <= now - LAST_USED_RESOLUTION_MS;
}

/**
 * Records a use of a token in `last_used_at`, at most once per
 * LAST_USED_RESOLUTION_MS: the caller skips the write when the value it
 * read is recent, and the same test in the UPDATE keeps concurrent
 * requests from writing again. A failed write is logged, never fails the
 * request.
 */
export async function recordTokenUse(
  db: DrizzleD1Database,
  tokenId: string,
  lastUsedAt: number | null,
  opts: UseOptions = {},
): Promise<void> {
  const now = opts.now ?? Date.now();
  if (!lastUsedDue(lastUsedAt, now)) return;
  const write = db
    .update(tokens)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(tokens.id, tokenId),
        or(isNull(tokens.lastUsedAt), lte(tokens.lastUsedAt, now - LAST_USED_RESOLUTION_MS)),
      ),
    )
    .run()
    .catch((e: unknown) => console.error(`tokens ${tokenId}: last_used_at not written: ${String(e)}`));
  if (opts.defer) opts.defer(write);
  else await write;
}

/**
 * Resolves a presented secret to its principal, or undefined when it is
 * unknown, malformed or revoked. The lookup is by hash, so the secret itself
 * never touches storage; the final comparison is constant-time. A success
 * records the token's use (see `recordTokenUse`).
 */
export async function authenticate(
  db: DrizzleD1Database,
  secret: string,
  opts: UseOptions = {},
): Promise<Principal | undefined> {
  if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return undefined;
  const hash = await sha256Hex(secret);
  const row = await db
    .select({
      id: tokens.id,
      fleetId: tokens.fleetId,
      role: tokens.role,
      secretHash: tokens.secretHash,
      lastUsedAt: tokens.lastUsedAt,
    })
    .from(tokens)
    .where(and(eq(tokens.secretHash, hash), isNull(tokens.revokedAt)))
    .get();
  if (!row || !timingSafeEqual(row.secretHash, hash)) return undefined;
  await recordTokenUse(db, row.id, row.lastUsedAt, opts);
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
