import type { ChannelKind } from "../db/alerts-schema";
import { checkAlertPayload, tryDecodeStored } from "../db/stored-json";
import { afterFailure, isRetryable } from "./backoff";
import { standardWebhooksKey } from "./channels";
import type { AlertDeps } from "./deps";
import { EMAIL_SETUP, sendEmail } from "./email";
import { signature, standardWebhooksSignature, type WebhookPayload } from "./payload";
import { pool } from "./pool";
import { renderRequest } from "./render";

/** A claimed outbox row stays invisible to other runs this long (longer than any run's deliveries). */
export const CLAIM_LEASE_MS = 5 * 60_000;
/** Parallel deliveries (a Worker has 6 simultaneous outbound connections). */
const CONCURRENCY = 6;
const USER_AGENT = "fleetwatch-alerts/1";

/** Where and how one notification goes. */
export interface Target {
  kind: ChannelKind;
  url: string;
  secret: string | null;
}

/** Result of one delivery attempt. */
export interface Attempt {
  ok: boolean;
  status?: number;
  error?: string;
  /** The row itself is at fault (its payload does not decode): retrying cannot help. */
  permanent?: boolean;
}

/**
 * Standard Webhooks headers of one attempt
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#webhook-headers-sending-metadata-to-consumers):
 * `webhook-id` is the message's idempotency key, the same on every retry;
 * `webhook-timestamp` is this attempt's time in Unix seconds; the signature
 * covers both and the body, so a receiver that checks the timestamp against
 * its clock and remembers ids it has handled cannot be replayed to. The
 * older `X-Fleetwatch-Signature` (body only) stays for existing receivers.
 */
export async function webhookHeaders(
  secret: string | null,
  id: string,
  attemptMs: number,
  body: string,
): Promise<Record<string, string>> {
  const timestampS = Math.floor(attemptMs / 1000);
  const headers: Record<string, string> = { "webhook-id": id, "webhook-timestamp": String(timestampS) };
  if (secret) {
    headers["webhook-signature"] = await standardWebhooksSignature(
      standardWebhooksKey(secret),
      id,
      timestampS,
      body,
    );
    headers["X-Fleetwatch-Signature"] = await signature(secret, body);
  }
  return headers;
}

/**
 * Sends one notification: email through the `send_email` binding, every
 * other kind as a POST. Every POST gets the idempotency key in
 * `X-Fleetwatch-Delivery` (the same on every retry); generic webhooks also
 * get the Standard Webhooks headers (`webhookHeaders`), with `webhook-id`
 * equal to that key, and the signatures. Redirects are not followed: a moved
 * endpoint is a configuration error to fix, not something to chase with a
 * signed body.
 */
export async function send(
  target: Target,
  payload: WebhookPayload,
  deliveryId: string,
  deps: Pick<AlertDeps, "fetch" | "timeoutMs" | "email">,
): Promise<Attempt> {
  if (target.kind === "email") {
    // The binding was removed after the channel was made: recorded, and retried in case it comes back.
    if (!deps.email) return { ok: false, error: EMAIL_SETUP.slice(0, 200) };
    return sendEmail(deps.email, target.url, payload, deliveryId, deps.timeoutMs);
  }
  const rendered = renderRequest({ ...target, kind: target.kind }, payload);
  const body = rendered.body;
  const headers: Record<string, string> = {
    ...rendered.headers,
    "User-Agent": USER_AGENT,
    "X-Fleetwatch-Delivery": deliveryId,
  };
  // The attempt's own time (not the cron tick's, nor the alert's): receivers
  // compare it with their clocks, and a run's later deliveries go out later.
  if (target.kind === "webhook")
    Object.assign(headers, await webhookHeaders(target.secret, deliveryId, Date.now(), body));
  try {
    const res = await deps.fetch(rendered.url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    if (res.status >= 200 && res.status < 300) {
      await res.body?.cancel();
      return { ok: true, status: res.status };
    }
    const text = (await res.text().catch(() => "")).slice(0, 200);
    const hint = res.status >= 300 && res.status < 400 ? "redirects are not followed" : text;
    return { ok: false, status: res.status, error: `HTTP ${res.status}${hint ? `: ${hint}` : ""}` };
  } catch (e) {
    const name = e instanceof Error ? e.name : "";
    const error =
      name === "TimeoutError" || name === "AbortError"
        ? `timed out after ${deps.timeoutMs} ms`
        : `${e instanceof Error ? e.message : String(e)}`.slice(0, 200) || "network error";
    return { ok: false, error };
  }
}

interface DueRow {
  id: string;
  payload: string;
  attempts: number;
  created_at: number;
  kind: ChannelKind;
  url: string;
  secret: string | null;
  enabled: number;
}

/**
 * Delivers due outbox rows (at most `deps.maxDeliveries`, oldest due first):
 * claims them with a lease so overlapping runs do not send them twice,
 * sends them a few at a time with a per-request timeout, and records every
 * outcome (attempts, status, error, next attempt or delivered_at) in D1.
 * Failed rows back off exponentially and are marked failed after 24 h.
 * Returns the number of rows attempted.
 */
export async function deliverDue(
  db: D1Database,
  now: number,
  deps: AlertDeps,
  fleetId?: string,
): Promise<number> {
  const due = await db
    .prepare(
      `SELECT n.id, n.payload, n.attempts, n.created_at, c.kind, c.url, c.secret, c.enabled
       FROM notifications n JOIN alert_channels c ON c.id = n.channel_id
       WHERE n.status = 'pending' AND n.next_attempt_at <= ?1 AND (?2 IS NULL OR n.fleet_id = ?2)
       ORDER BY n.next_attempt_at LIMIT ?3`,
    )
    .bind(now, fleetId ?? null, deps.maxDeliveries)
    .all<DueRow>();
  if (due.results.length === 0) return 0;
  const ids = due.results.map((r) => r.id);
  const claimed = await db
    .prepare(
      `UPDATE notifications SET next_attempt_at = ?1
       WHERE status = 'pending' AND next_attempt_at <= ?2 AND id IN (${ids.map((_, i) => `?${i + 3}`).join(",")})
       RETURNING id`,
    )
    .bind(now + CLAIM_LEASE_MS, now, ...ids)
    .all<{ id: string }>();
  const mine = new Set(claimed.results.map((r) => r.id));
  const rows = due.results.filter((r) => mine.has(r.id));

  const updates: D1PreparedStatement[] = [];
  await pool(rows, CONCURRENCY, async (row) => {
    // One row's surprise must not lose the outcomes of the others: it is recorded like any failure.
    const attempt = await attemptRow(row, deps).catch(
      (e: unknown): Attempt => ({
        ok: false,
        error: `delivery failed: ${e instanceof Error ? e.message : String(e)}`.slice(0, 200),
      }),
    );
    updates.push(recordAttempt(db, row, attempt, now, deps));
  });
  if (updates.length > 0) await db.batch(updates);
  return rows.length;
}

async function attemptRow(row: DueRow, deps: AlertDeps): Promise<Attempt> {
  if (!row.enabled) return { ok: false, error: "channel disabled" };
  const payload = tryDecodeStored(row.payload, checkAlertPayload, "stored payload");
  if (!payload.ok) {
    console.error(`notifications ${row.id}: ${payload.error.message}`);
    return { ok: false, error: payload.error.message.slice(0, 500), permanent: true };
  }
  return send({ kind: row.kind, url: row.url, secret: row.secret }, payload.value, row.id, deps);
}

function recordAttempt(
  db: D1Database,
  row: DueRow,
  a: Attempt,
  at: number,
  deps: AlertDeps,
): D1PreparedStatement {
  const attempts = row.attempts + 1;
  if (a.ok) {
    return db
      .prepare(
        `UPDATE notifications SET status = 'delivered', attempts = ?2, last_attempt_at = ?3,
           last_status = ?4, last_error = NULL, delivered_at = ?3 WHERE id = ?1`,
      )
      .bind(row.id, attempts, at, a.status ?? null);
  }
  // A disabled channel or a corrupt row will not heal by retrying.
  const retryable = row.enabled === 1 && !a.permanent && isRetryable(a.status);
  const next = afterFailure(attempts, row.created_at, at, retryable, deps.retryBaseMs, deps.random);
  return db
    .prepare(
      `UPDATE notifications SET status = ?2, attempts = ?3, last_attempt_at = ?4, last_status = ?5,
         last_error = ?6, next_attempt_at = ?7 WHERE id = ?1`,
    )
    .bind(
      row.id,
      next.status,
      attempts,
      at,
      a.status ?? null,
      a.error ?? "failed",
      next.status === "pending" ? next.nextAttemptAt : at,
    );
}
