import { zValidator } from "@hono/zod-validator";
import { and, desc, eq, gt, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { z } from "zod";
import { parseLabels } from "../alerts/rules";
import { isSilenced, parseMatchers } from "../alerts/silences";
import type { AlertView, NotificationView } from "../alerts/views";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import {
  type AlertState,
  alertChannels,
  alertFleets,
  alertSilences,
  alerts,
  NOTIFICATION_STATUSES,
  notifications,
} from "../db/alerts-schema";
import { checkAlertPayload, tryDecodeStored } from "../db/stored-json";
import { jsonError } from "../http/validation";

const limit = z.coerce.number().int().min(1).max(500).optional();

const AlertsQuery = z.strictObject({
  state: z.enum(["firing", "pending", "active", "resolved", "all"]).optional(),
  limit,
});

const NotificationsQuery = z.strictObject({
  status: z.enum([...NOTIFICATION_STATUSES, "all"]).optional(),
  /** One channel's delivery history. */
  channelId: z.string().max(64).optional(),
  limit,
});

const STATES: Record<string, AlertState[]> = {
  firing: ["firing"],
  pending: ["pending"],
  active: ["pending", "firing"],
  resolved: ["resolved"],
};

/** What a notification was about; null when its stored payload does not decode (delivery records why). */
function summary(id: string, payload: string): NotificationView["summary"] {
  const r = tryDecodeStored(payload, checkAlertPayload, `notifications ${id} payload`);
  if (!r.ok) return null;
  const a = r.value.alerts[0];
  return a ? { status: r.value.status, rule: a.rule, host: a.host, alerts: r.value.alerts.length } : null;
}

/** Alert history and notification delivery history of a fleet. */
export const alertRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>()
  .get(
    "/api/fleets/:fleet/alerts",
    requireFleetRole("viewer"),
    zValidator("query", AlertsQuery, jsonError),
    async (c) => {
      const q = c.req.valid("query");
      const fleetId = c.var.principal.fleetId;
      const now = Date.now();
      const db = drizzle(c.env.DB);
      const states = STATES[q.state ?? "firing"];
      const fleet = eq(alerts.fleetId, fleetId);
      const [rows, silences, meta] = await Promise.all([
        db
          .select()
          .from(alerts)
          .where(states ? and(fleet, inArray(alerts.state, states)) : fleet)
          .orderBy(desc(alerts.updatedAt))
          .limit(q.limit ?? 100)
          .all(),
        db
          .select()
          .from(alertSilences)
          .where(and(eq(alertSilences.fleetId, fleetId), gt(alertSilences.endsAt, now)))
          .all(),
        db
          .select({ lastError: alertFleets.lastError, lastErrorAt: alertFleets.lastErrorAt })
          .from(alertFleets)
          .where(eq(alertFleets.fleetId, fleetId))
          .get(),
      ]);
      const active = silences.map((s) => ({ ...s, matchers: parseMatchers(s.matchers) }));
      const views = rows.map((a): AlertView => {
        const labels = parseLabels(a.labels);
        return {
          id: a.id,
          fingerprint: a.fingerprint,
          ruleId: a.ruleId,
          rule: a.ruleName,
          severity: a.severity,
          hostId: a.hostId,
          host: a.hostname,
          series: a.series,
          labels,
          state: a.state,
          value: a.value,
          threshold: a.threshold,
          pendingSince: a.pendingSince,
          startsAt: a.startsAt,
          endsAt: a.endsAt,
          lastNotifiedAt: a.lastNotifiedAt,
          silenced:
            a.state !== "resolved" &&
            isSilenced(active, { rule: a.ruleName, hostname: a.hostname, severity: a.severity, labels }, now),
        };
      });
      // Evaluation failures are shown where the alerts are, not only logged.
      return c.json({
        alerts: views,
        evaluation: { lastError: meta?.lastError ?? null, lastErrorAt: meta?.lastErrorAt ?? null },
      });
    },
  )
  .get(
    "/api/fleets/:fleet/notifications",
    requireFleetRole("viewer"),
    zValidator("query", NotificationsQuery, jsonError),
    async (c) => {
      const q = c.req.valid("query");
      const fleet = eq(notifications.fleetId, c.var.principal.fleetId);
      const status = q.status && q.status !== "all" ? q.status : undefined;
      const rows = await drizzle(c.env.DB)
        .select({ n: notifications, channel: alertChannels.name })
        .from(notifications)
        .innerJoin(alertChannels, eq(alertChannels.id, notifications.channelId))
        .where(
          and(
            fleet,
            status ? eq(notifications.status, status) : undefined,
            q.channelId ? eq(notifications.channelId, q.channelId) : undefined,
          ),
        )
        .orderBy(desc(notifications.createdAt))
        .limit(q.limit ?? 100)
        .all();
      return c.json({
        notifications: rows.map(
          ({ n, channel }): NotificationView => ({
            id: n.id,
            channelId: n.channelId,
            channel,
            alertId: n.alertId,
            event: n.event,
            status: n.status,
            summary: summary(n.id, n.payload),
            groupKey: n.groupKey,
            attempts: n.attempts,
            nextAttemptAt: n.status === "pending" ? n.nextAttemptAt : null,
            lastAttemptAt: n.lastAttemptAt,
            lastStatus: n.lastStatus,
            lastError: n.lastError,
            createdAt: n.createdAt,
            deliveredAt: n.deliveredAt,
          }),
        ),
      });
    },
  );
