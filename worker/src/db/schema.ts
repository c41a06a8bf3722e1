import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** A fleet owns every host, token, rule and alert. Fleets never see each other. */
export const fleets = sqliteTable("fleets", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: integer("created_at").notNull(),
});

export const ROLES = ["agent", "viewer", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** API and agent tokens. Only the SHA-256 of the secret is stored. */
export const tokens = sqliteTable(
  "tokens",
  {
    id: text("id").primaryKey(),
    fleetId: text("fleet_id")
      .notNull()
      .references(() => fleets.id, { onDelete: "cascade" }),
    role: text("role", { enum: ROLES }).notNull(),
    name: text("name").notNull(),
    secretHash: text("secret_hash").notNull().unique(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("tokens_fleet_idx").on(t.fleetId)],
);

/** Dashboard sessions created by signing in with a token; the cookie holds the secret, D1 its hash. */
export const sessions = sqliteTable(
  "sessions",
  {
    idHash: text("id_hash").primaryKey(),
    tokenId: text("token_id")
      .notNull()
      .references(() => tokens.id, { onDelete: "cascade" }),
    fleetId: text("fleet_id").notNull(),
    role: text("role", { enum: ROLES }).notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("sessions_token_idx").on(t.tokenId)],
);

export type Fleet = typeof fleets.$inferSelect;
export type Token = typeof tokens.$inferSelect;
export type Session = typeof sessions.$inferSelect;

/**
 * 1-minute rollups, PACKED: one row per host per hour holding its 60 points
 * (min/avg/max/last of every series). Written when the hour closes and
 * rewritten when late samples change it.
 */
export const rollups1m = sqliteTable(
  "rollups_1m",
  {
    fleetId: text("fleet_id").notNull(),
    hostId: text("host_id").notNull(),
    /** Unix ms of the hour the row covers. */
    start: integer("start").notNull(),
    /** JSON `PackedPoints` (columnar: times once, each series aligned); see fleet/rollup.ts. */
    points: text("points").notNull(),
  },
  (t) => [primaryKey({ columns: [t.fleetId, t.hostId, t.start] })],
);

/** 1-hour rollups, PACKED: one row per host per UTC day holding up to 24 points. */
export const rollups1h = sqliteTable(
  "rollups_1h",
  {
    fleetId: text("fleet_id").notNull(),
    hostId: text("host_id").notNull(),
    /** Unix ms of the UTC day the row covers. */
    start: integer("start").notNull(),
    /** JSON `PackedPoints`, as in `rollups_1m`. */
    points: text("points").notNull(),
  },
  (t) => [primaryKey({ columns: [t.fleetId, t.hostId, t.start] })],
);
