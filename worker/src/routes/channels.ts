import { zValidator } from "@hono/zod-validator";
import { and, asc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { z } from "zod";
import { channelView, isHttpUrl, newSigningSecret, secretProblem } from "../alerts/channels";
import { send } from "../alerts/deliver";
import { alertDeps } from "../alerts/deps";
import { EMAIL_SETUP, emailSender, mailtoRecipients } from "../alerts/email";
import { testPayload } from "../alerts/payload";
import { PUSHOVER_KEY } from "../alerts/push-formats";
import { ensureSeeded, rememberOrigin } from "../alerts/store";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { randomId } from "../auth/secrets";
import { alertChannels, CHANNEL_KINDS, type ChannelKind, notifications } from "../db/alerts-schema";
import { httpError } from "../http/errors";
import { displayName } from "../http/text";
import { jsonError } from "../http/validation";

const url = z
  .string()
  .max(2048)
  .refine(
    (u) => isHttpUrl(u) || u.startsWith("mailto:"),
    "must be an absolute http:// or https:// URL (mailto: for email channels)",
  );
const secret = z
  .string()
  .min(16, "at least 16 characters")
  .max(256)
  .superRefine((s, ctx) => {
    const problem = secretProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const ChannelBody = z.strictObject({
  name: displayName,
  kind: z.enum(CHANNEL_KINDS),
  url,
  /** Webhook signing secret; generated when omitted. */
  secret: secret.optional(),
  enabled: z.boolean().optional(),
});

const ChannelPatch = z.strictObject({
  name: displayName.optional(),
  url: url.optional(),
  /** A new signing secret (webhooks only). */
  secret: secret.optional(),
  enabled: z.boolean().optional(),
});

/**
 * Kinds that keep a secret: the webhook's signing secret, PagerDuty's
 * routing key, Pushover's application token.
 */
const SECRET_KINDS = new Set<ChannelKind>(["webhook", "pagerduty", "pushover"]);

function unsignedKind(kind: string): never {
  httpError(
    400,
    "invalid_request",
    `secret: ${kind} channels take no secret; only webhook (signing secret), pagerduty (routing key) and pushover (application token) channels do`,
  );
}

/**
 * Kinds this hub cannot offer, with what to configure for each: email needs
 * the `send_email` binding and a sender address.
 */
function unavailableKinds(env: Env): Partial<Record<ChannelKind, string>> {
  return emailSender(env) ? {} : { email: EMAIL_SETUP };
}

/** What a kind needs of its URL and secret beyond the common rules; the message names the fix. */
function kindProblem(kind: ChannelKind, url: string, secret: string | null | undefined): string | undefined {
  if (kind === "email") {
    const to = mailtoRecipients(url);
    return Array.isArray(to) ? undefined : to.problem;
  }
  if (!isHttpUrl(url)) return "url: must be an absolute http:// or https:// URL";
  if (kind === "pushover") {
    if (!PUSHOVER_KEY.test(new URL(url).searchParams.get("user") ?? ""))
      return "url: a pushover channel's URL is https://api.pushover.net/1/messages.json?user=<user or group key> (30 letters and digits), optionally &device=<name>";
    if (!secret || !PUSHOVER_KEY.test(secret))
      return "secret: a pushover channel needs the application's API token (30 letters and digits) as its secret";
  }
  if (kind === "telegram") {
    const u = new URL(url);
    if (!/\/bot[^/]+\/sendMessage$/.test(u.pathname) || !u.searchParams.get("chat_id"))
      return "url: a telegram channel's URL is https://api.telegram.org/bot<token>/sendMessage?chat_id=<chat id>";
  }
  if (kind === "pagerduty" && !secret)
    return "secret: a pagerduty channel needs the integration's routing key (Events API v2) as its secret";
  return undefined;
}

/** Notification channels of a fleet (admin only: URLs and secrets are credentials). */
export const channelRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>()
  .get("/api/fleets/:fleet/channels", requireFleetRole("admin"), async (c) => {
    const rows = await drizzle(c.env.DB)
      .select()
      .from(alertChannels)
      .where(eq(alertChannels.fleetId, c.var.principal.fleetId))
      .orderBy(asc(alertChannels.createdAt))
      .all();
    return c.json({ channels: rows.map(channelView), unavailable: unavailableKinds(c.env) });
  })
  .get("/api/fleets/:fleet/channels/:id", requireFleetRole("admin"), async (c) => {
    const row = await findChannel(c.env, c.var.principal.fleetId, c.req.param("id"));
    return c.json({ channel: channelView(row) });
  })
  .post(
    "/api/fleets/:fleet/channels",
    requireFleetRole("admin"),
    zValidator("json", ChannelBody, jsonError),
    async (c) => {
      const body = c.req.valid("json");
      const unavailable = unavailableKinds(c.env)[body.kind];
      if (unavailable) httpError(400, "invalid_request", `kind: ${unavailable}`);
      if (!SECRET_KINDS.has(body.kind) && body.secret !== undefined) unsignedKind(body.kind);
      const problem = kindProblem(body.kind, body.url, body.secret);
      if (problem) httpError(400, "invalid_request", problem);
      const fleetId = c.var.principal.fleetId;
      const now = Date.now();
      const row = {
        id: `chan_${randomId()}`,
        fleetId,
        name: body.name,
        kind: body.kind,
        url: body.url,
        secret: body.kind === "webhook" ? (body.secret ?? newSigningSecret()) : (body.secret ?? null),
        enabled: body.enabled ?? true,
        createdAt: now,
        updatedAt: now,
      };
      await ensureSeeded(c.env.DB, fleetId, now);
      await drizzle(c.env.DB).insert(alertChannels).values(row);
      await rememberOrigin(c.env.DB, fleetId, new URL(c.req.url).origin);
      // The only time a webhook's secret leaves the hub (a routing key the admin gave is not echoed).
      return c.json(
        {
          channel: channelView(row),
          ...(body.kind === "webhook" && row.secret ? { secret: row.secret } : {}),
        },
        201,
      );
    },
  )
  .patch(
    "/api/fleets/:fleet/channels/:id",
    requireFleetRole("admin"),
    zValidator("json", ChannelPatch, jsonError),
    async (c) => {
      const patch = c.req.valid("json");
      const fleetId = c.var.principal.fleetId;
      const row = await findChannel(c.env, fleetId, c.req.param("id"));
      if (!SECRET_KINDS.has(row.kind) && patch.secret !== undefined) unsignedKind(row.kind);
      const next = { ...row, ...patch, updatedAt: Date.now() };
      const problem = kindProblem(next.kind, next.url, next.secret);
      if (problem) httpError(400, "invalid_request", problem);
      await drizzle(c.env.DB)
        .update(alertChannels)
        .set({
          name: next.name,
          url: next.url,
          secret: next.secret,
          enabled: next.enabled,
          updatedAt: next.updatedAt,
        })
        .where(and(eq(alertChannels.fleetId, fleetId), eq(alertChannels.id, row.id)));
      await rememberOrigin(c.env.DB, fleetId, new URL(c.req.url).origin);
      return c.json({ channel: channelView(next) });
    },
  )
  .delete("/api/fleets/:fleet/channels/:id", requireFleetRole("admin"), async (c) => {
    // Its queued notifications and delivery history go with it (foreign key cascade).
    const gone = await drizzle(c.env.DB)
      .delete(alertChannels)
      .where(and(eq(alertChannels.fleetId, c.var.principal.fleetId), eq(alertChannels.id, c.req.param("id"))))
      .returning({ id: alertChannels.id });
    if (gone.length === 0) httpError(404, "not_found", "no such channel");
    return c.body(null, 204);
  })
  .post("/api/fleets/:fleet/channels/:id/test", requireFleetRole("admin"), async (c) => {
    const fleetId = c.var.principal.fleetId;
    const row = await findChannel(c.env, fleetId, c.req.param("id"));
    const now = Date.now();
    const base = c.env.PUBLIC_URL || new URL(c.req.url).origin;
    // `status: "test"` and a link to the dashboard's channels: a receiver must
    // not take it for a firing alert (docs/WEBHOOKS.md, "Test notifications").
    const payload = testPayload(fleetId, base, now);
    const id = randomId(16);
    const attempt = await send(row, payload, id, alertDeps(c.env));
    // Recorded like any delivery, so a failing channel shows in the history too.
    await drizzle(c.env.DB)
      .insert(notifications)
      .values({
        id,
        fleetId,
        channelId: row.id,
        alertId: null,
        event: "test",
        payload: JSON.stringify(payload),
        status: attempt.ok ? "delivered" : "failed",
        attempts: 1,
        nextAttemptAt: now,
        lastAttemptAt: now,
        lastStatus: attempt.status ?? null,
        lastError: attempt.ok ? null : (attempt.error ?? "failed"),
        createdAt: now,
        deliveredAt: attempt.ok ? now : null,
      });
    return c.json({
      id,
      delivered: attempt.ok,
      status: attempt.status ?? null,
      error: attempt.error ?? null,
    });
  });

async function findChannel(env: Env, fleetId: string, id: string) {
  const row = await drizzle(env.DB)
    .select()
    .from(alertChannels)
    .where(and(eq(alertChannels.fleetId, fleetId), eq(alertChannels.id, id)))
    .get();
  if (!row) httpError(404, "not_found", "no such channel");
  return row;
}
