import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { fleets } from "./schema";

export const AGGREGATIONS = ["avg", "max", "min", "last"] as const;
export const COMPARATORS = [">", ">=", "<", "<="] as const;
export const SEVERITIES = ["warning", "critical"] as const;
export const CHANNEL_KINDS = [
  "webhook",
  "slack",
  "discord",
  "ntfy",
  "gotify",
  "teams",
  "telegram",
  "pagerduty",
  "alertmanager",
] as const;
export const ALERT_STATES = ["pending", "firing", "resolved"] as const;
export const NOTIFICATION_EVENTS = ["firing", "repeat", "resolved", "test"] as const;
export const NOTIFICATION_STATUSES = ["pending", "delivered", "failed"] as const;

export type Aggregation = (typeof AGGREGATIONS)[number];
export type Comparator = (typeof COMPARATORS)[number];
export type Severity = (typeof SEVERITIES)[number];
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export type AlertState = (typeof ALERT_STATES)[number];
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * Fleet-wide alert rules, matched against hosts by hostname glob and label
 * globs at every evaluation, so hosts that join later inherit them.
 */
export const alertRules = sqliteTable(
  "alert_rules",
  {
    id: text("id").primaryKey(),
    fleetId: text("fleet_id")
      .notNull()
      .references(() => fleets.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** A series key (`cpu`, `disk:/`), a pattern (`disk:*`) or `host.down`. */
    metric: text("metric").notNull(),
    aggregation: text("aggregation", { enum: AGGREGATIONS }).notNull(),
    windowS: integer("window_s").notNull(),
    comparator: text("comparator", { enum: COMPARATORS }).notNull(),
    threshold: real("threshold").notNull(),
    /** The alert stays firing while the value still compares true against this. */
    clearThreshold: real("clear_threshold").notNull(),
    forS: integer("for_s").notNull(),
    severity: text("severity", { enum: SEVERITIES }).notNull(),
    /** Re-notify a firing alert this often; 0 = never. */
    repeatS: integer("repeat_s").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    hostMatch: text("host_match").notNull(),
    /** JSON `Record<label, glob>`. */
    labelMatch: text("label_match").notNull(),
    /** Which built-in rule this row started as (`host-down`, `cpu`, `mem`, `disk`), else null. */
    builtin: text("builtin"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("alert_rules_fleet_name_idx").on(t.fleetId, t.name)],
);

/** Where a fleet's notifications go. The webhook secret is kept as given: it must sign. */
export const alertChannels = sqliteTable(
  "alert_channels",
  {
    id: text("id").primaryKey(),
    fleetId: text("fleet_id")
      .notNull()
      .references(() => fleets.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    kind: text("kind", { enum: CHANNEL_KINDS }).notNull(),
    url: text("url").notNull(),
    /** HMAC-SHA256 key of generic webhooks; never returned by the API. */
    secret: text("secret"),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("alert_channels_fleet_idx").on(t.fleetId)],
);

/** Silences mute notifications (never evaluation) of matching alerts until `endsAt`. */
export const alertSilences = sqliteTable(
  "alert_silences",
  {
    id: text("id").primaryKey(),
    fleetId: text("fleet_id")
      .notNull()
      .references(() => fleets.id, { onDelete: "cascade" }),
    /** JSON `SilenceMatchers`. */
    matchers: text("matchers").notNull(),
    comment: text("comment").notNull(),
    createdBy: text("created_by").notNull(),
    startsAt: integer("starts_at").notNull(),
    endsAt: integer("ends_at").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("alert_silences_fleet_idx").on(t.fleetId, t.endsAt)],
);

/**
 * Alert episodes: one row from the first pending evaluation to the resolve.
 * A pending episode that clears before `for` is deleted (it never fired), so
 * the table is the firing history. At most one open (pending or firing)
 * episode per fingerprint: the partial unique index makes concurrent
 * evaluators (cron and the fleet DO's host-down hook) agree.
 */
export const alerts = sqliteTable(
  "alerts",
  {
    id: text("id").primaryKey(),
    fleetId: text("fleet_id")
      .notNull()
      .references(() => fleets.id, { onDelete: "cascade" }),
    /** hex SHA-256 of (fleet, rule id, host id, series). */
    fingerprint: text("fingerprint").notNull(),
    ruleId: text("rule_id").notNull(),
    /** Rule name, severity, hostname and labels as they were when the episode opened. */
    ruleName: text("rule_name").notNull(),
    severity: text("severity", { enum: SEVERITIES }).notNull(),
    hostId: text("host_id").notNull(),
    hostname: text("hostname").notNull(),
    series: text("series").notNull(),
    labels: text("labels").notNull(),
    state: text("state", { enum: ALERT_STATES }).notNull(),
    /** The value at the last transition or notification. */
    value: real("value").notNull(),
    threshold: real("threshold").notNull(),
    pendingSince: integer("pending_since").notNull(),
    startsAt: integer("starts_at"),
    endsAt: integer("ends_at"),
    /** When a firing or repeat notification was last queued (null: never, e.g. silenced). */
    lastNotifiedAt: integer("last_notified_at"),
    /** Optimistic concurrency: every write is guarded by the version it read. */
    version: integer("version").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("alerts_open_fingerprint_idx").on(t.fingerprint).where(sql`${t.state} <> 'resolved'`),
    index("alerts_fleet_idx").on(t.fleetId, t.updatedAt),
  ],
);

/**
 * The outbox and the delivery history: one row per notification per
 * channel. `id` is the idempotency key sent as `X-Fleetwatch-Delivery`.
 */
export const notifications = sqliteTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    fleetId: text("fleet_id")
      .notNull()
      .references(() => fleets.id, { onDelete: "cascade" }),
    channelId: text("channel_id")
      .notNull()
      .references(() => alertChannels.id, { onDelete: "cascade" }),
    alertId: text("alert_id"),
    event: text("event", { enum: NOTIFICATION_EVENTS }).notNull(),
    /** JSON `AlertPayload`: rendered per channel kind at delivery. */
    payload: text("payload").notNull(),
    status: text("status", { enum: NOTIFICATION_STATUSES }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    lastAttemptAt: integer("last_attempt_at"),
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    deliveredAt: integer("delivered_at"),
  },
  (t) => [
    index("notifications_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index("notifications_fleet_idx").on(t.fleetId, t.createdAt),
  ],
);

/**
 * Per-fleet alerting state: whether the built-in rules were created (so
 * deleting them sticks), the dashboard origin for links in notifications,
 * and the last evaluation error (cron failures are recorded, not only logged).
 */
export const alertFleets = sqliteTable("alert_fleets", {
  fleetId: text("fleet_id")
    .primaryKey()
    .references(() => fleets.id, { onDelete: "cascade" }),
  seededAt: integer("seeded_at").notNull(),
  origin: text("origin"),
  lastError: text("last_error"),
  lastErrorAt: integer("last_error_at"),
});

export type AlertRule = typeof alertRules.$inferSelect;
export type AlertChannel = typeof alertChannels.$inferSelect;
export type AlertSilence = typeof alertSilences.$inferSelect;
export type Alert = typeof alerts.$inferSelect;
export type Notification = typeof notifications.$inferSelect;
