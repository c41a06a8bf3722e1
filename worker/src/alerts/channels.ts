import type { AlertChannel, ChannelKind } from "../db/alerts-schema";
import { fromBase64, toBase64 } from "./payload";

/** A channel as the API returns it: the URL and the secret only as hints. */
export interface ChannelView {
  id: string;
  name: string;
  kind: ChannelKind;
  /**
   * Origin and the last characters of the URL (Slack and Discord URLs are
   * secrets themselves); for email, `mailto:` with the first recipient's
   * first character and domain.
   */
  urlHint: string;
  /** Last 4 characters of the signing secret; null when the channel is not signed. */
  secretHint: string | null;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

/** Whether `url` is an absolute http(s) URL (nothing else is ever fetched). */
export function isHttpUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}

export function urlHint(url: string): string {
  if (url.startsWith("mailto:")) {
    // An address's first character and its domain: enough to tell channels apart.
    const [first = "", ...rest] = url.slice("mailto:".length).split(",");
    const at = first.lastIndexOf("@");
    return `mailto:${first.slice(0, 1)}…${first.slice(at)}${rest.length ? ` (+${rest.length})` : ""}`;
  }
  try {
    const u = new URL(url);
    const rest = `${u.pathname}${u.search}`;
    return rest.length <= 5 ? `${u.origin}${rest}` : `${u.origin}/…${rest.slice(-4)}`;
  } catch {
    return "";
  }
}

export function secretHint(secret: string | null): string | null {
  return secret ? `…${secret.slice(-4)}` : null;
}

/** Prefix of Standard Webhooks symmetric secrets: `whsec_<base64 of the key>`. */
export const SECRET_PREFIX = "whsec_";
/** Key sizes Standard Webhooks allows for HMAC-SHA256 secrets (24 to 64 bytes). */
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

/**
 * A new webhook signing secret in the Standard Webhooks format, standard
 * base64 with padding, so the spec's reference libraries take it as is.
 */
export function newSigningSecret(): string {
  return `${SECRET_PREFIX}${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/**
 * The HMAC key of `webhook-signature` for a channel secret
 * (docs/WEBHOOKS.md, "Secrets and keys"):
 * - `whsec_<base64>` (the spec's format, and every generated secret): the
 *   decoded bytes. The URL-safe alphabet without padding, which secrets
 *   generated before Standard Webhooks support use, decodes too.
 * - anything else (a secret an admin chose): its UTF-8 bytes, the reference
 *   libraries' `format: "raw"`. So existing channels sign without a rotation.
 * `X-Fleetwatch-Signature` keeps using the UTF-8 bytes of the whole secret.
 */
export function standardWebhooksKey(secret: string): Uint8Array {
  const key = secret.startsWith(SECRET_PREFIX) ? fromBase64(secret.slice(SECRET_PREFIX.length)) : null;
  return key ?? new TextEncoder().encode(secret);
}

/**
 * Why a new secret cannot be used, or undefined. A `whsec_` secret must be a
 * Standard Webhooks secret (base64 of 24 to 64 bytes): a receiver's library
 * decodes it, so anything else would fail verification only on their side.
 */
export function secretProblem(secret: string): string | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return undefined;
  const key = fromBase64(secret.slice(SECRET_PREFIX.length));
  if (key && key.length >= MIN_KEY_BYTES && key.length <= MAX_KEY_BYTES) return undefined;
  return `a ${SECRET_PREFIX} secret must be ${SECRET_PREFIX} and the base64 of ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} random bytes (Standard Webhooks)`;
}

export function channelView(c: AlertChannel): ChannelView {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    urlHint: urlHint(c.url),
    secretHint: secretHint(c.secret),
    enabled: c.enabled,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}
