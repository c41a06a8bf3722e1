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
  "pushover",
  "email",
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
    /** The notification group this went out for (`alert_groups.group_key`); null for tests and older rows. */
    groupKey: text("group_key"),
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
  /** Until when one cron run dispatches this fleet's notification groups (runs may overlap). */
  dispatchLeaseUntil: integer("dispatch_lease_until"),
});

/**
 * Notification policies: an ordered list per fleet. An alert goes to the
 * channels of the first policy whose matchers all match it, and on down the
 * list while the matched policies say `continue`; an alert no policy
 * matches goes by the fleet's default policy (`is_default`, one per fleet,
 * matchers ignored). Each policy groups its alerts (`group_by`) into one
 * message per group, waiting `group_wait_s` before a new group's first
 * message and `group_interval_s` between a group's messages.
 */
export const alertPolicies = sqliteTable(
  "alert_policies",
  {
    id: text("id").primaryKey(),
    fleetId: text("fleet_id")
      .notNull()
      .references(() => fleets.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** Order in the list (ascending); the default policy is last whatever this says. */
    position: integer("position").notNull(),
    isDefault: integer("is_default", { mode: "boolean" }).notNull(),
    /** JSON `PolicyMatchers` (the silences' matchers; `{}` matches every alert). */
    matchers: text("matchers").notNull(),
    /** JSON array of channel ids; null: every enabled channel of the fleet. */
    channelIds: text("channel_ids"),
    continueMatching: integer("continue_matching", { mode: "boolean" }).notNull(),
    /** JSON array: `rule`, `severity`, `host`, `series`, `label:<name>`; `[]` is one group for the policy. */
    groupBy: text("group_by").notNull(),
    groupWaitS: integer("group_wait_s").notNull(),
    groupIntervalS: integer("group_interval_s").notNull(),
    /** JSON array of `alert_mute_intervals` ids during which the policy sends nothing. */
    muteIntervalIds: text("mute_interval_ids").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("alert_policies_fleet_idx").on(t.fleetId, t.position),
    uniqueIndex("alert_policies_default_idx").on(t.fleetId).where(sql`${t.isDefault} = 1`),
  ],
);

/**
 * Mute time intervals: recurring quiet hours (weekdays and times of day in
 * a time zone) and one-off maintenance windows. Policies that name one send
 * nothing while it is active; evaluation goes on.
 */
export const alertMuteIntervals = sqliteTable(
  "alert_mute_intervals",
  {
    id: text("id").primaryKey(),
    fleetId: text("fleet_id")
      .notNull()
      .references(() => fleets.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** IANA time zone the times of day are in (`Europe/Berlin`, `UTC`). */
    timeZone: text("time_zone").notNull(),
    /** JSON `MuteTimes[]`: weekdays and a time-of-day range. */
    times: text("times").notNull(),
    /** JSON `MuteWindow[]`: absolute ranges (epoch ms). */
    windows: text("windows").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("alert_mute_intervals_fleet_name_idx").on(t.fleetId, t.name)],
);

/**
 * Alert transitions that want a notification, waiting for the dispatcher to
 * route and group them (written in the same batch as the transition).
 */
export const alertEvents = sqliteTable(
  "alert_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    fleetId: text("fleet_id")
      .notNull()
      .references(() => fleets.id, { onDelete: "cascade" }),
    alertId: text("alert_id").notNull(),
    event: text("event", { enum: NOTIFICATION_EVENTS }).notNull(),
    /** JSON `PayloadAlert` as of the transition. */
    alert: text("alert").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("alert_events_fleet_idx").on(t.fleetId, t.id)],
);

/**
 * Notification groups: per policy and grouped-by values, the alerts the
 * group's next message lists and when it may go.
 */
export const alertGroups = sqliteTable(
  "alert_groups",
  {
    /** Hash of (fleet, policy, group values): the payload's `groupKey`. */
    groupKey: text("group_key").primaryKey(),
    fleetId: text("fleet_id")
      .notNull()
      .references(() => fleets.id, { onDelete: "cascade" }),
    policyId: text("policy_id").notNull(),
    /** JSON `Record<string, string>`: the grouped-by values. */
    groupLabels: text("group_labels").notNull(),
    /** JSON `GroupAlert[]`: firing alerts, and resolved ones not yet sent. */
    alerts: text("alerts").notNull(),
    /** The earliest change not yet sent; null when nothing waits. */
    changedAt: integer("changed_at"),
    /** When the group's last message was queued; null before the first. */
    flushedAt: integer("flushed_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("alert_groups_fleet_idx").on(t.fleetId)],
);

export type AlertRule = typeof alertRules.$inferSelect;
export type AlertChannel = typeof alertChannels.$inferSelect;
export type AlertSilence = typeof alertSilences.$inferSelect;
export type Alert = typeof alerts.$inferSelect;
export type Notification = typeof notifications.$inferSelect;
export type AlertPolicy = typeof alertPolicies.$inferSelect;
export type AlertMuteInterval = typeof alertMuteIntervals.$inferSelect;
export type AlertGroup = typeof alertGroups.$inferSelect;
