import type { WebhookPayload } from "./payload";
import { clickUrl, escapeHtml, messageText, shortTitle, urgency, utf8Length } from "./summary";

/** Push services' request formats (ntfy, Gotify, Pushover). */

/** A rendered HTTP request: where it goes, its exact bytes and the headers that go with them. */
export interface RenderedRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** ntfy keeps messages up to 4,096 bytes as text (longer ones become attachments). */
const NTFY_MESSAGE_MAX_BYTES = 4096;

/**
 * ntfy (https://docs.ntfy.sh/publish/): the message as the body of a POST to
 * the topic's URL, title, priority, tags and click action as headers.
 */
export function ntfyRequest(p: WebhookPayload): { body: string; headers: Record<string, string> } {
  const tags =
    p.status === "test" ? "test_tube" : p.status === "resolved" ? "white_check_mark" : "rotating_light";
  const headers: Record<string, string> = {
    "Content-Type": "text/plain; charset=utf-8",
    // Header values must be Latin-1: anything else in a rule name is replaced, the body keeps it.
    Title: shortTitle(p)
      .replace(/[^\x20-\x7e]/g, "?")
      .slice(0, 250),
    Priority: String(urgency(p)),
    Tags: tags,
  };
  const click = clickUrl(p);
  if (click) headers.Click = click;
  return { body: messageText(p, NTFY_MESSAGE_MAX_BYTES, utf8Length), headers };
}

/** Gotify (https://gotify.net/api-docs#/message/createMessage): title, message, priority 0..10, a click URL. */
export function gotifyBody(p: WebhookPayload): Record<string, unknown> {
  const click = clickUrl(p);
  return {
    title: shortTitle(p),
    message: messageText(p),
    priority: { 1: 1, 2: 2, 3: 4, 4: 6, 5: 8 }[urgency(p)],
    ...(click ? { extras: { "client::notification": { click: { url: click } } } } : {}),
  };
}

/**
 * Pushover's limits (https://pushover.net/api#limits): message 1,024
 * characters, title 250, url 512, url_title 100.
 */
const PUSHOVER_MESSAGE_MAX = 1024;
const PUSHOVER_TITLE_MAX = 250;
const PUSHOVER_URL_MAX = 512;

/** Pushover application tokens and user (or group) keys: 30 characters of [A-Za-z0-9]. */
export const PUSHOVER_KEY = /^[A-Za-z0-9]{30}$/;

/**
 * Pushover priority (https://pushover.net/api#priority): 1 (high, bypasses
 * quiet hours) while a critical alert fires, 0 for warnings, -1 (quiet) for
 * resolves and tests. Never 2 (emergency): it needs acknowledging and
 * repeats until then, which a resolve could not stop.
 */
function pushoverPriority(p: WebhookPayload): -1 | 0 | 1 {
  const u = urgency(p);
  return u === 5 ? 1 : u === 4 ? 0 : -1;
}

/**
 * Pushover Message API (https://pushover.net/api): a form POST of `token`
 * (the application's API token: the channel's secret), `user` (the user or
 * group key, from the channel URL's `user` parameter, with `device` if
 * given there), `message` as HTML (`html=1`, everything from the fleet
 * escaped), `title`, `priority`, `url`/`url_title` to the host and the
 * alert's time. The URL's query is not sent: the keys travel in the body.
 */
export function pushoverRequest(p: WebhookPayload, url: string, token: string): RenderedRequest {
  const u = new URL(url);
  const form = new URLSearchParams();
  form.set("token", token);
  form.set("user", u.searchParams.get("user") ?? "");
  const device = u.searchParams.get("device");
  if (device) form.set("device", device);
  const [head, ...rest] = messageText(p, PUSHOVER_MESSAGE_MAX - 7, (s) => escapeHtml(s).length).split("\n");
  form.set("message", [`<b>${escapeHtml(head ?? "")}</b>`, ...rest.map(escapeHtml)].join("\n"));
  form.set("html", "1");
  form.set("title", shortTitle(p).slice(0, PUSHOVER_TITLE_MAX));
  form.set("priority", String(pushoverPriority(p)));
  const click = clickUrl(p);
  if (click && click.length <= PUSHOVER_URL_MAX) {
    form.set("url", click);
    form.set("url_title", p.status === "test" ? "Open channels" : "Open host");
  }
  const at = Date.parse(p.alerts[0]?.endsAt ?? p.alerts[0]?.startsAt ?? "");
  if (Number.isFinite(at)) form.set("timestamp", String(Math.floor(at / 1000)));
  return {
    url: `${u.origin}${u.pathname}`,
    body: form.toString(),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  };
}
