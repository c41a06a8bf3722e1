import type { ChannelKind, Severity } from "../db/alerts-schema";

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
  /** The host's page on the dashboard. */
  url: string;
}

/**
 * The generic webhook body, versioned: fields are only ever added within a
 * version. The notification outbox stores this; Slack and Discord bodies are
 * rendered from it at delivery.
 */
export interface AlertPayload {
  version: 1;
  fleet: string;
  status: "firing" | "resolved";
  alerts: PayloadAlert[];
}

/** Link to a host's dashboard page. `base` is PUBLIC_URL or the origin the fleet's API was used from. */
export function hostUrl(base: string, hostId: string): string {
  return `${base.replace(/\/+$/, "")}/hosts/${encodeURIComponent(hostId)}`;
}

export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** Rounds a value for display and payloads (avoids 90.00000000001). */
export function roundValue(v: number): number {
  return Math.round(v * 100) / 100;
}

function headline(p: AlertPayload, a: PayloadAlert): string {
  const where = a.series ? `${a.host} ${a.series}` : a.host;
  const state = p.status === "firing" ? `FIRING [${a.severity}]` : "RESOLVED";
  return `${state} ${a.rule} on ${where}: ${a.value} (threshold ${a.threshold})`;
}

/** Slack incoming-webhook body: `text` for notifications, `blocks` for the message. */
export function slackBody(p: AlertPayload): { text: string; blocks: unknown[] } {
  const lines = p.alerts.map((a) => headline(p, a));
  return {
    text: lines.join("\n"),
    blocks: p.alerts.flatMap((a) => [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `*${p.status === "firing" ? ":red_circle:" : ":large_green_circle:"} ${escapeSlack(headline(p, a))}*`,
        },
      },
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: `fleet \`${escapeSlack(p.fleet)}\` · since ${a.startsAt}${a.endsAt ? ` · resolved ${a.endsAt}` : ""} · <${a.url}|open host>`,
          },
        ],
      },
    ]),
  };
}

function escapeSlack(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

const DISCORD_RED = 0xd83c3e;
const DISCORD_AMBER = 0xe8a33d;
const DISCORD_GREEN = 0x2fa84f;

/** Discord webhook body: a one-line `content` and one embed per alert (at most 10). */
export function discordBody(p: AlertPayload): { content: string; embeds: unknown[] } {
  const first = p.alerts[0];
  const content =
    p.alerts.length === 1 && first
      ? headline(p, first)
      : `${p.status.toUpperCase()}: ${p.alerts.length} alerts`;
  return {
    content: content.slice(0, 2000),
    embeds: p.alerts.slice(0, 10).map((a) => ({
      title: headline(p, a).slice(0, 256),
      url: /^https?:\/\//.test(a.url) ? a.url : undefined,
      color:
        p.status === "resolved" ? DISCORD_GREEN : a.severity === "critical" ? DISCORD_RED : DISCORD_AMBER,
      fields: [
        { name: "fleet", value: p.fleet, inline: true },
        { name: "host", value: a.host, inline: true },
        { name: "value", value: String(a.value), inline: true },
      ],
      timestamp: a.endsAt ?? a.startsAt,
    })),
  };
}

/** The exact bytes sent to a channel of `kind`. */
export function renderBody(kind: ChannelKind, p: AlertPayload): string {
  switch (kind) {
    case "webhook":
      return JSON.stringify(p);
    case "slack":
      return JSON.stringify(slackBody(p));
    case "discord":
      return JSON.stringify(discordBody(p));
  }
}

const encoder = new TextEncoder();

/** Lower-case hex HMAC-SHA256 of `body` keyed with `secret`. */
export async function hmacSha256Hex(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  let hex = "";
  for (const b of sig) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** `X-Fleetwatch-Signature` value for a body: `sha256=<hex HMAC of the raw body>`. */
export async function signature(secret: string, body: string): Promise<string> {
  return `sha256=${await hmacSha256Hex(secret, body)}`;
}
