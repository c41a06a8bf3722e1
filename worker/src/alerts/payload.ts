import type { Severity } from "../db/alerts-schema";

/** One alert in a notification. Times are ISO 8601 (UTC). */
export interface PayloadAlert {
  fingerprint: string;
  rule: string;
  severity: Severity;
  /** Hostname. */
  host: string;
  hostId: string;
  /** Series key the value is of (`disk:/var`); empty for host-down. */
  series: string;
  labels: Record<string, string>;
  value: number;
  threshold: number;
  startsAt: string;
  /** Null while firing. */
  endsAt: string | null;
  /** The host's page on the dashboard (a test notification: the dashboard's channels section). */
  url: string;
  /**
   * This alert's own state. A grouped notification lists firing alerts and
   * those resolved since the group's last notification; absent in payloads
   * queued before grouping, where `endsAt` tells the same.
   */
  status?: "firing" | "resolved";
  /**
   * One line more about the alert, when there is one: for Host down, what
   * the host's probes last saw ("agent silent, host answers on 443 (HTTP
   * 200 in 35 ms)", probes/host-note.ts).
   */
  note?: string;
}

/**
 * The generic webhook body of an alert notification, versioned: fields are
 * only ever added within a version, and `status` of an alert notification is
 * `firing` or `resolved`. The notification outbox stores this; every
 * channel's format is rendered from it at delivery (render.ts). docs/WEBHOOKS.md is the
 * receivers' contract.
 */
export interface AlertPayload {
  version: 1;
  fleet: string;
  /** `firing` while any alert of the group fires; `resolved` once all have resolved. */
  status: "firing" | "resolved";
  /**
   * The notification group's identity (policy and grouped-by values),
   * stable across the group's notifications: PagerDuty's dedup key, a
   * receiver's thread key. Absent in payloads queued before grouping.
   */
  groupKey?: string;
  /** The values the group is grouped by, e.g. `{ rule: "CPU high" }` (empty: one group per alert). */
  groupLabels?: Record<string, string>;
  alerts: PayloadAlert[];
}

/** An alert's own state in a payload (older payloads have no `status`). */
export function alertStatus(a: PayloadAlert): "firing" | "resolved" {
  return a.status ?? (a.endsAt === null ? "firing" : "resolved");
}

/**
 * The body of a test notification (the channel's Test button): the version 1
 * shape with `status: "test"`, so no receiver mistakes it for a firing alert.
 * Sent at once, never queued: the outbox only ever holds `AlertPayload`s.
 */
export interface TestPayload {
  version: 1;
  fleet: string;
  status: "test";
  alerts: PayloadAlert[];
}

/** Anything a channel receives. */
export type WebhookPayload = AlertPayload | TestPayload;

function trimBase(base: string): string {
  return base.replace(/\/+$/, "");
}

/**
 * Link to a host's dashboard page. `base` is PUBLIC_URL or the origin the
 * fleet's API was used from. A probe's alerts (`hostId` `probe:<id>`) link
 * to its row on the probes page (web/src/components/probes/probes-page.tsx).
 */
export function hostUrl(base: string, hostId: string): string {
  if (hostId.startsWith("probe:")) return `${trimBase(base)}/probes#${encodeURIComponent(hostId)}`;
  return `${trimBase(base)}/hosts/${encodeURIComponent(hostId)}`;
}

/**
 * Link to the notification channels section of the dashboard's alerts page
 * (the route in web/src/lib/router.ts, the section id in
 * web/src/components/alerts/channels-section.tsx: move them together).
 */
export function channelsUrl(base: string): string {
  return `${trimBase(base)}/alerts#channels-title`;
}

/**
 * A test notification: one placeholder alert that names no host (`host`,
 * `hostId` and `series` are empty), so a receiver that indexes `alerts[0]`
 * still works, linking to the channels section of the dashboard.
 */
export function testPayload(fleet: string, base: string, now: number): TestPayload {
  return {
    version: 1,
    fleet,
    status: "test",
    alerts: [
      {
        fingerprint: "test",
        rule: "Test notification",
        severity: "warning",
        host: "",
        hostId: "",
        series: "",
        labels: {},
        value: 0,
        threshold: 0,
        startsAt: new Date(now).toISOString(),
        endsAt: null,
        url: channelsUrl(base),
      },
    ],
  };
}

export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** Rounds a value for display and payloads (avoids 90.00000000001). */
export function roundValue(v: number): number {
  return Math.round(v * 100) / 100;
}

const encoder = new TextEncoder();

/** Standard base64 (with padding) of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/**
 * Decodes base64 in the standard or the URL-safe alphabet, padding optional
 * (secrets generated before Standard Webhooks support are URL-safe without
 * padding). Null when `text` is not base64 or decodes to nothing.
 */
export function fromBase64(text: string): Uint8Array | null {
  const s = text.replaceAll("-", "+").replaceAll("_", "/");
  const m = /^([A-Za-z0-9+/]*)(={0,2})$/.exec(s);
  const data = m?.[1] ?? "";
  if (!m || data.length === 0 || data.length % 4 === 1 || (m[2] && s.length % 4 !== 0)) return null;
  try {
    return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

async function hmacSha256(key: Uint8Array, data: string): Promise<Uint8Array> {
  // The copy is a plain ArrayBuffer-backed view, which the DOM typings of WebCrypto require.
  const raw = new Uint8Array(key);
  const k = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, encoder.encode(data)));
}

/** Lower-case hex HMAC-SHA256 of `body` keyed with the UTF-8 bytes of `secret`. */
export async function hmacSha256Hex(secret: string, body: string): Promise<string> {
  let hex = "";
  for (const b of await hmacSha256(encoder.encode(secret), body)) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** `X-Fleetwatch-Signature` value for a body: `sha256=<hex HMAC of the raw body>`. */
export async function signature(secret: string, body: string): Promise<string> {
  return `sha256=${await hmacSha256Hex(secret, body)}`;
}

/**
 * `webhook-signature` value per Standard Webhooks 1.0 (symmetric scheme):
 * `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with `key`
 * (see `standardWebhooksKey`). `id` must not contain a full stop.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 */
export async function standardWebhooksSignature(
  key: Uint8Array,
  id: string,
  timestampS: number,
  body: string,
): Promise<string> {
  return `v1,${toBase64(await hmacSha256(key, `${id}.${timestampS}.${body}`))}`;
}
