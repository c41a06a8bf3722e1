import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { bytes, fleets } from "./schema";

export const PROBE_KINDS = ["http", "tcp"] as const;
export const PROBE_METHODS = ["GET", "HEAD", "POST", "PUT", "OPTIONS"] as const;

export type ProbeKind = (typeof PROBE_KINDS)[number];
export type ProbeMethod = (typeof PROBE_METHODS)[number];

/**
 * Uptime probes of a fleet, run from the edge by the minute cron. The row
 * also holds the latest check (what alert rules and the status page read),
 * so neither needs the history.
 */
export const probes = sqliteTable(
  "probes",
  {
    id: text("id").primaryKey(),
    fleetId: text("fleet_id")
      .notNull()
      .references(() => fleets.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    kind: text("kind", { enum: PROBE_KINDS }).notNull(),
    /** An absolute http(s) URL, or `host:port` for tcp. */
    target: text("target").notNull(),
    method: text("method", { enum: PROBE_METHODS }).notNull(),
    expectStatusMin: integer("expect_status_min").notNull(),
    expectStatusMax: integer("expect_status_max").notNull(),
    /** Text the response body must contain; null: any body. */
    keyword: text("keyword"),
    timeoutMs: integer("timeout_ms").notNull(),
    followRedirects: integer("follow_redirects", { mode: "boolean" }).notNull(),
    /** JSON `Record<name, value>` sent with every check; never returned by the API (values may be credentials). */
    headers: text("headers").notNull(),
    intervalS: integer("interval_s").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    /**
     * The fleet's host this probe watches from outside (null: none). A Host
     * down notification of that host says whether the probe still reaches it.
     */
    hostId: text("host_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /** The cron checks the probe at its first run at or after this time. */
    nextDueAt: integer("next_due_at").notNull(),
    lastCheckedAt: integer("last_checked_at"),
    lastUp: integer("last_up", { mode: "boolean" }),
    lastLatencyMs: integer("last_latency_ms"),
    /** HTTP status of the last check; null for tcp and for checks that got no response. */
    lastStatus: integer("last_status"),
    /** Why the last check failed, in one line; null when it succeeded. */
    lastError: text("last_error"),
    /** Consecutive failed checks up to the last one (0 while up). */
    failures: integer("failures").notNull(),
    /** When the probe last went up or down. */
    changedAt: integer("changed_at"),
  },
  (t) => [
    uniqueIndex("probes_fleet_name_idx").on(t.fleetId, t.name),
    index("probes_due_idx").on(t.nextDueAt),
    index("probes_host_idx").on(t.fleetId, t.hostId),
  ],
);

/**
 * Check history: one row per probe per UTC day. The counters answer uptime
 * over days without decoding anything; `data` holds the day's checks packed
 * (probes/history-codec.ts: a version byte, then 7 bytes a check), so a
 * check costs one row written and ~7 bytes stored (a probe checked every
 * minute: ~10 KB a day, ~0.9 MB for the 90 days kept).
 */
export const probeDays = sqliteTable(
  "probe_days",
  {
    probeId: text("probe_id")
      .notNull()
      .references(() => probes.id, { onDelete: "cascade" }),
    fleetId: text("fleet_id").notNull(),
    /** UTC days since the epoch. */
    day: integer("day").notNull(),
    checks: integer("checks").notNull(),
    up: integer("up").notNull(),
    /** Sum and maximum of the latency of the successful checks, ms. */
    latencySum: integer("latency_sum").notNull(),
    latencyMax: integer("latency_max").notNull(),
    data: bytes("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.probeId, t.day] }), index("probe_days_day_idx").on(t.day)],
);

/**
 * A fleet's public status page (opt-in): what it shows is only what was
 * chosen here, under the names given here.
 */
export const statusPages = sqliteTable("status_pages", {
  fleetId: text("fleet_id")
    .primaryKey()
    .references(() => fleets.id, { onDelete: "cascade" }),
  slug: text("slug").notNull().unique(),
  title: text("title").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  /** JSON `StatusEntry[]`: the chosen probes and hosts, in order, with their public names. */
  entries: text("entries").notNull(),
  /** A maintenance note shown on top; null: none. */
  note: text("note"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export type Probe = typeof probes.$inferSelect;
export type ProbeDay = typeof probeDays.$inferSelect;
export type StatusPage = typeof statusPages.$inferSelect;
