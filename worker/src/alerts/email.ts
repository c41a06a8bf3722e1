import { EmailMessage } from "cloudflare:email";
import { alertStatus, type PayloadAlert, type WebhookPayload } from "./payload";
import {
  alertCounts,
  alertLine,
  escapeHtml,
  fitList,
  groupTitle,
  headline,
  isGroup,
  orderedAlerts,
} from "./summary";

/**
 * Email channels, sent through Cloudflare's `send_email` binding
 * (https://developers.cloudflare.com/email-routing/email-workers/send-email-workers/):
 * one MIME message (plain text and HTML) per recipient, built here and
 * handed to the binding as an `EmailMessage`. Locally `wrangler dev` keeps
 * each message instead of sending it (its log names the .eml file).
 */

/** The Worker binding email channels send through. */
export const EMAIL_BINDING = "ALERT_EMAIL";
/** The Worker variable with the sender address (on a domain the account sends from). */
export const EMAIL_FROM_VAR = "ALERT_EMAIL_FROM";
/** What to configure for email channels; the API's 400 and the dashboard quote it. */
export const EMAIL_SETUP = `email channels need a [[send_email]] binding named ${EMAIL_BINDING} in wrangler.toml and the sender address in the ${EMAIL_FROM_VAR} variable (docs/API.md, "Channels")`;
/** Recipients per email channel at most. */
export const MAX_RECIPIENTS = 10;

/** Optional bindings and variables of email channels (absent from wrangler.toml by default). */
interface EmailEnv {
  ALERT_EMAIL?: SendEmail;
  ALERT_EMAIL_FROM?: string;
}

/** The configured way out for email, when there is one. */
export interface EmailSender {
  from: string;
  binding: Pick<SendEmail, "send">;
}

const ADDRESS =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** Whether `s` is a plain email address (no display name, nothing that could break a header). */
export function isEmailAddress(s: string): boolean {
  return s.length <= 254 && ADDRESS.test(s);
}

/** The binding and the sender from the Worker's environment; undefined unless both are set. */
export function emailSender(env: Env): EmailSender | undefined {
  const e = env as Env & EmailEnv;
  const from = e.ALERT_EMAIL_FROM?.trim() ?? "";
  return e.ALERT_EMAIL && isEmailAddress(from) ? { from, binding: e.ALERT_EMAIL } : undefined;
}

/**
 * The recipients of an email channel's URL, `mailto:ops@example.com` or
 * `mailto:a@example.com,b@example.com`, or what is wrong with it.
 */
export function mailtoRecipients(url: string): string[] | { problem: string } {
  const problem = {
    problem: `url: an email channel's URL is mailto:<address>[,<address>…] (at most ${MAX_RECIPIENTS} addresses)`,
  };
  if (!url.startsWith("mailto:") || url.includes("?")) return problem;
  let list: string[];
  try {
    list = decodeURIComponent(url.slice("mailto:".length))
      .split(",")
      .map((s) => s.trim());
  } catch {
    return problem;
  }
  if (list.length === 0 || list.length > MAX_RECIPIENTS || !list.every(isEmailAddress)) return problem;
  return list;
}

/** Alerts listed in one email at most. */
const EMAIL_MAX_LISTED = 200;

/** "[FIRING:2] CPU high", "[RESOLVED] CPU high", as Alertmanager's email subject reads. */
export function emailSubject(p: WebhookPayload): string {
  if (p.status === "test") return `[TEST] fleetwatch test notification (fleet ${p.fleet})`;
  const first = p.alerts[0];
  const what = isGroup(p) || !first ? groupTitle(p) : `${first.rule} on ${first.host}`;
  const { firing } = alertCounts(p);
  // A subject is one line; control characters from a name become spaces.
  const line = what.replace(/\p{Cc}+/gu, " ");
  return p.status === "firing" ? `[FIRING:${firing}] ${line}` : `[RESOLVED] ${line}`;
}

/** The plain-text body: the headline, one line and link per alert, the fleet. */
export function emailText(p: WebhookPayload): string {
  const alerts = orderedAlerts(p);
  const lines = fitList(
    alerts.map((a) => `${alertLine(p, a)}\n  ${a.url}`),
    Number.POSITIVE_INFINITY,
    { max: EMAIL_MAX_LISTED },
  );
  return [headline(p), "", ...lines, "", `fleet ${p.fleet}`, ""].join("\n");
}

function htmlRow(p: WebhookPayload, a: PayloadAlert): string {
  const firing = p.status !== "test" && alertStatus(a) === "firing";
  const state = p.status === "test" ? "TEST" : firing ? `FIRING [${a.severity}]` : "RESOLVED";
  const color = p.status === "test" ? "#3b82f6" : firing ? "#d83c3e" : "#2fa84f";
  const link = /^https?:\/\//.test(a.url)
    ? `<a href="${escapeHtml(a.url)}">${escapeHtml(a.host || "open")}</a>`
    : escapeHtml(a.host);
  const cells = [
    `<td style="color:${color};font-weight:bold">${state}</td>`,
    `<td>${escapeHtml(a.rule)}</td>`,
    `<td>${link}${a.series ? ` ${escapeHtml(a.series)}` : ""}</td>`,
    `<td>${a.value}</td>`,
    `<td>${a.threshold}</td>`,
    `<td>${escapeHtml(a.startsAt)}${a.endsAt ? ` – ${escapeHtml(a.endsAt)}` : ""}</td>`,
  ];
  return `<tr>${cells.join("")}</tr>`;
}

/** The HTML body: everything from the fleet escaped; a table of the alerts. */
export function emailHtml(p: WebhookPayload): string {
  const alerts = orderedAlerts(p);
  const listed = alerts.slice(0, EMAIL_MAX_LISTED);
  const more = alerts.length > listed.length ? `<p>… and ${alerts.length - listed.length} more</p>` : "";
  const th = ["State", "Rule", "Host", "Value", "Threshold", "Time"].map((h) => `<th align="left">${h}</th>`);
  return [
    "<!doctype html>",
    '<html><body style="font-family:system-ui,sans-serif">',
    `<h2>${escapeHtml(headline(p))}</h2>`,
    `<table cellpadding="4" cellspacing="0" border="1" style="border-collapse:collapse"><tr>${th.join("")}</tr>`,
    ...listed.map((a) => htmlRow(p, a)),
    "</table>",
    more,
    `<p>fleet ${escapeHtml(p.fleet)}</p>`,
    "</body></html>",
    "",
  ].join("\r\n");
}

const utf8 = new TextEncoder();

function base64Utf8(s: string): string {
  let bin = "";
  for (const b of utf8.encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Base64 body lines of at most 76 characters (RFC 2045). */
function base64Lines(s: string): string {
  return (base64Utf8(s).match(/.{1,76}/g) ?? []).join("\r\n");
}

/**
 * An RFC 2047 encoded-word header value, folded (each word at most 75
 * characters): a rule name can be any text, and no CR or LF of it can ever
 * reach the header.
 */
export function encodeHeader(s: string): string {
  const words: string[] = [];
  let chunk = "";
  for (const ch of s) {
    // 45 bytes of UTF-8 encode to 60 base64 characters: 72 with "=?UTF-8?B?" and "?=".
    if (utf8.encode(chunk + ch).length > 45) {
      words.push(chunk);
      chunk = "";
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${base64Utf8(w)}?=`).join("\r\n ");
}

/** The whole MIME message (RFC 5322, multipart/alternative) to one recipient. */
export function emailMime(
  p: WebhookPayload,
  m: { from: string; to: string; messageId: string; deliveryId: string; date: number },
): string {
  const boundary = `fleetwatch-${m.deliveryId}`;
  return [
    `From: fleetwatch <${m.from}>`,
    `To: <${m.to}>`,
    `Subject: ${encodeHeader(emailSubject(p))}`,
    `Date: ${new Date(m.date).toUTCString()}`,
    `Message-ID: <${m.messageId}>`,
    "MIME-Version: 1.0",
    // RFC 3834: an automatic message, so auto-responders do not answer it.
    "Auto-Submitted: auto-generated",
    `X-Fleetwatch-Delivery: ${m.deliveryId}`,
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    base64Lines(emailText(p)),
    `--${boundary}`,
    "Content-Type: text/html; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    base64Lines(emailHtml(p)),
    `--${boundary}--`,
    "",
  ].join("\r\n");
}

/**
 * Sends a notification to each recipient of the channel's `mailto:` URL.
 * Any recipient's failure fails the attempt (a retry sends to all again:
 * delivery is at least once, as for every channel).
 */
export async function sendEmail(
  sender: EmailSender,
  url: string,
  p: WebhookPayload,
  deliveryId: string,
  timeoutMs: number,
): Promise<{ ok: boolean; error?: string }> {
  const to = mailtoRecipients(url);
  if (!Array.isArray(to)) return { ok: false, error: to.problem };
  const domain = sender.from.slice(sender.from.lastIndexOf("@") + 1);
  for (const rcpt of to) {
    const raw = emailMime(p, {
      from: sender.from,
      to: rcpt,
      // The delivery id keeps a retry's Message-ID, so mail clients can drop a duplicate.
      messageId: `${deliveryId}.${to.indexOf(rcpt)}@${domain}`,
      deliveryId,
      date: Date.now(),
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        sender.binding.send(new EmailMessage(sender.from, rcpt, raw)),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (e) {
      return {
        ok: false,
        error: `email to ${rcpt}: ${e instanceof Error ? e.message : String(e)}`.slice(0, 200),
      };
    } finally {
      clearTimeout(timer);
    }
  }
  return { ok: true };
}
