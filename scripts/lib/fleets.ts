import { FLEET_ID } from "../../worker/src/auth/fleet-id.ts";
import { issueToken, randomSecret, sha256Hex } from "../../worker/src/auth/secrets.ts";
import { type D1Target, d1, sqlString } from "./wrangler.ts";

export type Role = "agent" | "viewer" | "admin";

export { FLEET_ID };

/** Creates a fleet; fails when it exists. */
export function createFleetRow(t: D1Target, id: string, name: string): void {
  if (!FLEET_ID.test(id)) {
    throw new Error(`fleet id "${id}" must be lower-case letters, digits and dashes (at most 63)`);
  }
  d1(
    t,
    `INSERT INTO fleets (id, name, created_at) VALUES (${sqlString(id)}, ${sqlString(name)}, ${Date.now()})`,
  );
}

/** Whether a fleet exists. */
export function fleetExists(t: D1Target, id: string): boolean {
  return d1(t, `SELECT id FROM fleets WHERE id = ${sqlString(id)}`).length > 0;
}

/** Issues a token and stores only its hash; returns the secret (shown once). */
export async function createToken(t: D1Target, fleet: string, role: Role, name: string) {
  const tok = await issueToken();
  d1(
    t,
    `INSERT INTO tokens (id, fleet_id, role, name, secret_hash, created_at) VALUES (${sqlString(tok.id)}, ${sqlString(fleet)}, ${sqlString(role)}, ${sqlString(name)}, ${sqlString(tok.secretHash)}, ${Date.now()})`,
  );
  return { id: tok.id, secret: tok.secret };
}

/** Lists a fleet's tokens without secrets. */
export function listTokens(t: D1Target, fleet: string) {
  return d1(
    t,
    `SELECT id, role, name, created_at, last_used_at, revoked_at FROM tokens WHERE fleet_id = ${sqlString(fleet)} ORDER BY created_at`,
  );
}

/**
 * Revokes a token and deletes its sessions. New requests with it fail at
 * once; a live socket or ingest stream it already holds ends only when it
 * reconnects (within ~15 min): `DELETE /api/fleets/:fleet/tokens/:id` ends
 * those within seconds (docs/SECURITY.md).
 */
export function revokeToken(t: D1Target, fleet: string, id: string): boolean {
  const rows = d1(
    t,
    `UPDATE tokens SET revoked_at = ${Date.now()} WHERE id = ${sqlString(id)} AND fleet_id = ${sqlString(fleet)} AND revoked_at IS NULL RETURNING id`,
  );
  if (rows.length === 0) return false;
  d1(t, `DELETE FROM sessions WHERE token_id = ${sqlString(id)}`);
  return true;
}

/** A new operator token and the SHA-256 the Worker stores as FLEETWATCH_OPERATOR_TOKEN_SHA256. */
export async function issueOperatorToken(): Promise<{ secret: string; sha256: string }> {
  const secret = `fwop_${randomSecret(32)}`;
  return { secret, sha256: await sha256Hex(secret) };
}
