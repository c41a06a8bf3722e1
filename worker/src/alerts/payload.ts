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
  /** The host's page on the dashboard (a test notification: the dashboard's channels section). */
  url: string;
  /**
   * This alert's own state. A grouped notification lists firing alerts and
   * those resolved since the group's last notification; absent in payloads
   * queued before grouping, where `endsAt` tells the same.
   */
  status?: "firing" | "resolved";
}

/**
 * The generic webhook body of an alert notification, versioned: fields are
 * only ever added within a version, and `status` of an alert notification is
 * `firing` or `resolved`. The notification outbox stores this; Slack and
 * Discord bodies are rendered from it at delivery. docs/WEBHOOKS.md is the
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

/** Link to a host's dashboard page. `base` is PUBLIC_URL or the origin the fleet's API was used from. */
export function hostUrl(base: string, hostId: string): string {
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

function headline(p: WebhookPayload, a: PayloadAlert): string {
  if (p.status === "test") return `TEST notification from fleetwatch (fleet ${p.fleet}): this channel works`;
  const where = a.series ? `${a.host} ${a.series}` : a.host;
  const state = p.status === "firing" ? `FIRING [${a.severity}]` : "RESOLVED";
  return `${state} ${a.rule} on ${where}: ${a.value} (threshold ${a.threshold})`;
}

/** Slack incoming-webhook body: `text` for notifications, `blocks` for the message. */
export function slackBody(p: WebhookPayload): { text: string; blocks: unknown[] } {
  const lines = p.alerts.map((a) => headline(p, a));
  const dot = { firing: ":red_circle:", resolved: ":large_green_circle:", test: ":large_blue_circle:" }[
    p.status
  ];
  return {
    text: lines.join("\n"),
    blocks: p.alerts.flatMap((a) => [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `*${dot} ${escapeSlack(headline(p, a))}*`,
        },
      },
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text:
              p.status === "test"
                ? `fleet \`${escapeSlack(p.fleet)}\` · sent ${a.startsAt} · <${a.url}|open channels>`
                : `fleet \`${escapeSlack(p.fleet)}\` · since ${a.startsAt}${a.endsAt ? ` · resolved ${a.endsAt}` : ""} · <${a.url}|open host>`,
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
const DISCORD_BLUE = 0x3b82f6;

function discordColor(p: WebhookPayload, a: PayloadAlert): number {
  if (p.status === "test") return DISCORD_BLUE;
  if (p.status === "resolved") return DISCORD_GREEN;
  return a.severity === "critical" ? DISCORD_RED : DISCORD_AMBER;
}

/** Discord webhook body: a one-line `content` and one embed per alert (at most 10). */
export function discordBody(p: WebhookPayload): { content: string; embeds: unknown[] } {
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
      color: discordColor(p, a),
      fields:
        p.status === "test"
          ? [{ name: "fleet", value: p.fleet, inline: true }]
          : [
              { name: "fleet", value: p.fleet, inline: true },
              { name: "host", value: a.host, inline: true },
              { name: "value", value: String(a.value), inline: true },
            ],
      timestamp: a.endsAt ?? a.startsAt,
    })),
  };
}

/** Urgency of a notification on a 1 (lowest) .. 5 (highest) scale, as ntfy counts. */
function urgency(p: WebhookPayload): 1 | 2 | 3 | 4 | 5 {
  if (p.status === "test") return 2;
  if (p.status === "resolved") return 3;
  return p.alerts.some((a) => a.severity === "critical") ? 5 : 4;
}

/** The text of a notification: one headline per alert, then where to look. */
function messageText(p: WebhookPayload): string {
  const lines = p.alerts.map((a) => headline(p, a));
  const first = p.alerts[0];
  if (first && p.status !== "test")
    lines.push(
      `fleet ${p.fleet} · since ${first.startsAt}${first.endsAt ? ` · resolved ${first.endsAt}` : ""}`,
    );
  return lines.join("\n");
}

/** The page a notification's reader opens: the host's page (the channels section for a test). */
function clickUrl(p: WebhookPayload): string | undefined {
  const url = p.alerts[0]?.url;
  return url && /^https?:\/\//.test(url) ? url : undefined;
}

/**
 * ntfy (https://docs.ntfy.sh/publish/): the message as the body of a POST to
 * the topic's URL, title, priority, tags and click action as headers.
 */
export function ntfyRequest(p: WebhookPayload): { body: string; headers: Record<string, string> } {
  const title =
    p.status === "test"
      ? "fleetwatch test"
      : `${p.status === "firing" ? "FIRING" : "RESOLVED"}: ${p.alerts.length === 1 ? p.alerts[0]?.rule : `${p.alerts.length} alerts`}`;
  const tags =
    p.status === "test" ? "test_tube" : p.status === "resolved" ? "white_check_mark" : "rotating_light";
  const headers: Record<string, string> = {
    "Content-Type": "text/plain; charset=utf-8",
    // Header values must be Latin-1: anything else in a rule name is replaced, the body keeps it.
    Title: title.replace(/[^\x20-\x7e]/g, "?"),
    Priority: String(urgency(p)),
    Tags: tags,
  };
  const click = clickUrl(p);
  if (click) headers.Click = click;
  return { body: messageText(p), headers };
}

/** Gotify (https://gotify.net/api-docs#/message/createMessage): title, message, priority 0..10, a click URL. */
export function gotifyBody(p: WebhookPayload): Record<string, unknown> {
  const click = clickUrl(p);
  return {
    title: p.status === "test" ? "fleetwatch test" : `${p.status.toUpperCase()}: ${p.alerts[0]?.rule ?? ""}`,
    message: messageText(p),
    priority: { 1: 1, 2: 2, 3: 4, 4: 6, 5: 8 }[urgency(p)],
    ...(click ? { extras: { "client::notification": { click: { url: click } } } } : {}),
  };
}

/**
 * Microsoft Teams, through a Workflows webhook ("When a Teams webhook request
 * is received"): one Adaptive Card with the headline per alert, the facts and
 * a button to the host.
 */
export function teamsBody(p: WebhookPayload): Record<string, unknown> {
  const color = p.status === "firing" ? "Attention" : p.status === "resolved" ? "Good" : "Accent";
  const first = p.alerts[0];
  const facts =
    p.status === "test" || !first
      ? [{ title: "fleet", value: p.fleet }]
      : [
          { title: "fleet", value: p.fleet },
          { title: "host", value: first.host },
          { title: "value", value: `${first.value} (threshold ${first.threshold})` },
          { title: "since", value: first.startsAt },
        ];
  const click = clickUrl(p);
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body: [
            ...p.alerts.slice(0, 20).map((a) => ({
              type: "TextBlock",
              text: headline(p, a),
              weight: "Bolder",
              color,
              wrap: true,
            })),
            { type: "FactSet", facts },
          ],
          ...(click
            ? {
                actions: [
                  {
                    type: "Action.OpenUrl",
                    title: p.status === "test" ? "Open channels" : "Open host",
                    url: click,
                  },
                ],
              }
            : {}),
        },
      },
    ],
  };
}

function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * Telegram Bot API `sendMessage` (https://core.telegram.org/bots/api#sendmessage):
 * the channel's URL is `https://api.telegram.org/bot<token>/sendMessage?chat_id=<id>`;
 * HTML text (everything from the fleet escaped) and a button to the host.
 */
export function telegramBody(p: WebhookPayload, url: string): Record<string, unknown> {
  const chatId = new URL(url).searchParams.get("chat_id") ?? "";
  const [head, ...rest] = messageText(p).split("\n");
  const click = clickUrl(p);
  const button = p.status === "test" ? "Open channels" : "Open host";
  return {
    chat_id: chatId,
    text: [`<b>${escapeHtml(head ?? "")}</b>`, ...rest.map(escapeHtml)].join("\n").slice(0, 4096),
    parse_mode: "HTML",
    link_preview_options: { is_disabled: true },
    ...(click ? { reply_markup: { inline_keyboard: [[{ text: button, url: click }]] } } : {}),
  };
}

/**
 * PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/):
 * the channel's secret is the integration's routing key; the alert's
 * fingerprint is the dedup key, so its resolve closes the incident its
 * trigger opened. A test triggers an `info` event under a key of its own.
 */
export function pagerdutyBody(p: WebhookPayload, routingKey: string): Record<string, unknown> {
  const a = p.alerts[0];
  const click = clickUrl(p);
  const test = p.status === "test";
  return {
    routing_key: routingKey,
    event_action: p.status === "resolved" ? "resolve" : "trigger",
    dedup_key: test ? `fleetwatch-test-${p.fleet}` : (a?.fingerprint ?? ""),
    payload: {
      summary: (a ? headline(p, a) : `fleetwatch ${p.status}`).slice(0, 1024),
      source: test ? `fleetwatch/${p.fleet}` : (a?.host ?? p.fleet),
      severity: test ? "info" : a?.severity === "critical" ? "critical" : "warning",
      timestamp: a?.startsAt,
      group: p.fleet,
      class: test ? "test" : a?.rule,
      ...(a?.series ? { component: a.series } : {}),
      custom_details:
        test || !a
          ? { fleet: p.fleet }
          : { fleet: p.fleet, host_id: a.hostId, value: a.value, threshold: a.threshold, labels: a.labels },
    },
    client: "fleetwatch",
    ...(click
      ? { client_url: click, links: [{ href: click, text: test ? "Open channels" : "Open host" }] }
      : {}),
  };
}

/** Where an Alertmanager channel posts: `<base>/api/v2/alerts`, unless the URL already names it. */
export function alertmanagerEndpoint(url: string): string {
  const u = new URL(url);
  if (!u.pathname.endsWith("/api/v2/alerts")) u.pathname = `${u.pathname.replace(/\/+$/, "")}/api/v2/alerts`;
  return u.toString();
}

/** A firing alert stays active in Alertmanager this long unless fleetwatch resolves it first. */
export const ALERTMANAGER_HOLD_MS = 7 * 24 * 3_600_000;

/**
 * Alertmanager's API v2 (`POST /api/v2/alerts`): the alert with labels to
 * route and group on (alertname = the rule, severity, host, fleet, the
 * host's labels) so the user's routing, inhibition and receivers apply.
 * fleetwatch sends on firing, repeat and resolve, not every evaluation, so a
 * firing alert's endsAt is a week ahead (a repeat moves it on) and its
 * resolve sets it to the resolve time. A test ends by itself in 5 minutes.
 */
export function alertmanagerBody(p: WebhookPayload, now: number): unknown[] {
  return p.alerts.map((a) => {
    const labels: Record<string, string> =
      p.status === "test"
        ? { alertname: "FleetwatchTest", severity: "info", fleet: p.fleet }
        : {
            // The host's labels first: fleetwatch's own names win a clash.
            ...a.labels,
            alertname: a.rule,
            severity: a.severity,
            host: a.host,
            host_id: a.hostId,
            fleet: p.fleet,
            ...(a.series ? { series: a.series } : {}),
          };
    const hold = p.status === "test" ? 5 * 60_000 : ALERTMANAGER_HOLD_MS;
    const endsAt =
      p.status === "resolved"
        ? (a.endsAt ?? new Date(now).toISOString())
        : new Date(now + hold).toISOString();
    const click = clickUrl(p);
    return {
      labels,
      annotations: {
        summary: headline(p, a),
        ...(p.status === "test" ? {} : { value: String(a.value), threshold: String(a.threshold) }),
      },
      startsAt: a.startsAt,
      endsAt,
      ...(click ? { generatorURL: click } : {}),
    };
  });
}

/** Where a channel's request goes, its exact bytes and the headers that go with them. */
export function renderRequest(
  target: { kind: ChannelKind; url: string; secret: string | null },
  p: WebhookPayload,
  now = Date.now(),
): { url: string; body: string; headers: Record<string, string> } {
  const json = (v: unknown, url = target.url) => ({
    url,
    body: JSON.stringify(v),
    headers: { "Content-Type": "application/json" },
  });
  switch (target.kind) {
    case "webhook":
      return json(p);
    case "slack":
      return json(slackBody(p));
    case "discord":
      return json(discordBody(p));
    case "ntfy":
      return { url: target.url, ...ntfyRequest(p) };
    case "gotify":
      return json(gotifyBody(p));
    case "teams":
      return json(teamsBody(p));
    case "telegram":
      return json(telegramBody(p, target.url));
    case "pagerduty":
      return json(pagerdutyBody(p, target.secret ?? ""));
    case "alertmanager":
      return json(alertmanagerBody(p, now), alertmanagerEndpoint(target.url));
  }
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
