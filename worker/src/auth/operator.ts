import { sha256Hex, timingSafeEqual } from "./secrets";
import { bearerSecret } from "./tokens";

/**
 * The operator secret's binding: the SHA-256 hex of the operator token, set
 * with `wrangler secret put FLEETWATCH_OPERATOR_TOKEN_SHA256` (see
 * docs/SECURITY.md). Not in wrangler.toml, so not in the generated `Env`.
 */
export interface OperatorEnv {
  FLEETWATCH_OPERATOR_TOKEN_SHA256?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The configured operator hash, or undefined when fleet creation over HTTP is off. */
export function operatorHash(env: OperatorEnv): string | undefined {
  const v = env.FLEETWATCH_OPERATOR_TOKEN_SHA256?.trim().toLowerCase();
  if (!v) return undefined;
  if (!HEX64.test(v)) {
    console.error("FLEETWATCH_OPERATOR_TOKEN_SHA256 is not a SHA-256 hex digest; fleet creation is off");
    return undefined;
  }
  return v;
}

/** Whether `Authorization: Bearer <token>` carries the operator token (constant-time on the hash). */
export async function isOperator(expectedHash: string, authorization: string | undefined): Promise<boolean> {
  const secret = bearerSecret(authorization);
  if (!secret || secret.length > 200) return false;
  return timingSafeEqual(await sha256Hex(secret), expectedHash);
}
