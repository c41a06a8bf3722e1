// No imports: the CLI scripts load this file directly with Node.

const encoder = new TextEncoder();

/** Prefix that makes fleetwatch secrets recognisable (e.g. by secret scanners). */
export const TOKEN_PREFIX = "fw_";

/** A new token: the secret is shown once; only `secretHash` is stored. */
export interface IssuedToken {
  id: string;
  secret: string;
  secretHash: string;
}

/** Creates a token secret and its stored hash. */
export async function issueToken(): Promise<IssuedToken> {
  const secret = `${TOKEN_PREFIX}${randomSecret(32)}`;
  return { id: `tok_${randomId()}`, secret, secretHash: await sha256Hex(secret) };
}

/** Lower-case hex SHA-256 of a UTF-8 string. Secrets are stored only in this form. */
export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(value));
  return toHex(new Uint8Array(digest));
}

/** Cryptographically random URL-safe string with `bytes` bytes of entropy. */
export function randomSecret(bytes = 32): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  let s = "";
  for (const b of raw) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/** Short random identifier (hex), for row ids that are not secrets. */
export function randomId(bytes = 8): string {
  return toHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Compares two strings in time independent of where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}
