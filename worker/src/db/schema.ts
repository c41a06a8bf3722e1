import { customType, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

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
 * A BLOB column read as bytes. D1 hands a BLOB back as an ArrayBuffer (older
 * runtimes: an array of byte values); drizzle's `blob({ mode: "buffer" })`
 * would make it a Node `Buffer`, which the Worker does not need.
 */
export const bytes = customType<{ data: Uint8Array; driverData: ArrayBuffer | ArrayBufferView | number[] }>({
  dataType: () => "blob",
  fromDriver: (v) =>
    v instanceof ArrayBuffer
      ? new Uint8Array(v)
      : ArrayBuffer.isView(v)
        ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
        : Uint8Array.from(v),
  toDriver: (v) => v,
});

// Rollup rows: why a `data` BLOB beside `points`. Rows are binary columnar
// tables (fleet/rollup.ts `encodeRollupRow`): ~1.5 bytes a value where the
// JSON text took ~8.5-9, 16 KiB of D1 file per host-hour instead of 81
// (storage is billed per GB and a D1 database is capped at 10 GB). SQLite
// cannot make `points` (TEXT NOT NULL) nullable or drop it without
// rebuilding the table, which on a database near its cap would need twice
// the space and one long write; new tables would make every read and prune
// look in two places. So `data` is added (ALTER TABLE ADD COLUMN rewrites
// nothing) and a row is one of:
//   data = the binary row, points = '' (an empty text costs one header byte,
//   as NULL would), written by this version and by every rewrite;
//   data = NULL, points = JSON text, written by older versions, read as
//   they are until a flush rewrites them.

/**
 * 1-minute rollups, PACKED: one row per host per 6 hours holding its points
 * (min/avg/max of every series; fleet/rollup-store.ts ROW_SPAN_MS). Each
 * hour is written into it when the hour closes, and again when late
 * samples change it. Rows older versions wrote hold one hour (and `last`).
 */
export const rollups1m = sqliteTable(
  "rollups_1m",
  {
    fleetId: text("fleet_id").notNull(),
    hostId: text("host_id").notNull(),
    /** Unix ms of the start of the span the row covers. */
    start: integer("start").notNull(),
    /** Legacy JSON `PackedPoints` (or point array); '' once `data` holds the row. */
    points: text("points").notNull(),
    /** The binary row: blocks per series family (`encodeRollupBlocks`), or one table in older rows; NULL in the oldest. */
    data: bytes("data"),
    /** The blocks' index, JSON `{family: [offset, length]}`; NULL where `data` is one table. */
    idx: text("idx"),
  },
  (t) => [primaryKey({ columns: [t.fleetId, t.hostId, t.start] })],
);

/**
 * 1-hour rollups, PACKED: one row per host per week (7 days from the epoch)
 * holding up to 168 points. Rows older versions wrote hold one UTC day.
 */
export const rollups1h = sqliteTable(
  "rollups_1h",
  {
    fleetId: text("fleet_id").notNull(),
    hostId: text("host_id").notNull(),
    /** Unix ms of the start of the week (or, in older rows, the day) the row covers. */
    start: integer("start").notNull(),
    /** As in `rollups_1m`. */
    points: text("points").notNull(),
    /** As in `rollups_1m`. */
    data: bytes("data"),
    /** As in `rollups_1m`. */
    idx: text("idx"),
  },
  (t) => [primaryKey({ columns: [t.fleetId, t.hostId, t.start] })],
);

/**
 * Where rollups live (db/placement.ts): one row per fleet (`host_id` '')
 * and one per host, written the first time its rollups are flushed and
 * never changed, so adding a database moves nothing. Only the primary
 * database's copy of this table is used.
 */
export const historyPlacement = sqliteTable(
  "history_placement",
  {
    fleetId: text("fleet_id").notNull(),
    /** '' for the fleet's own row. */
    hostId: text("host_id").notNull(),
    /** The binding of the database: `DB` or `HISTORY_<n>`. */
    database: text("database").notNull(),
    /** Unix ms of the placement; 0 for history found in `DB` when placement began. */
    placedAt: integer("placed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.fleetId, t.hostId] })],
);
