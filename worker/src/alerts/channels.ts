import { randomSecret } from "../auth/secrets";
import type { AlertChannel, ChannelKind } from "../db/alerts-schema";

/** A channel as the API returns it: the URL and the secret only as hints. */
export interface ChannelView {
  id: string;
  name: string;
  kind: ChannelKind;
  /** Origin and the last characters of the URL (Slack and Discord URLs are secrets themselves). */
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

/** A new webhook signing secret. */
export function newSigningSecret(): string {
  return `whsec_${randomSecret(32)}`;
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
