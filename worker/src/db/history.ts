import { and, eq, inArray, sql } from "drizzle-orm";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import {
  HOSTS_WITH_FLEET,
  historyBindings,
  openDatabases,
  PRIMARY_DB,
  placeFleet,
  placeHost,
} from "./placement";
import { historyPlacement } from "./schema";

/** D1 allows 100 bound parameters per statement. */
const PARAM_CHUNK = 90;
/** Statements per D1 batch. */
const BATCH = 50;

/** Counters of D1 rows (the fleet object's `Usage` fits). */
export interface D1Meter {
  d1RowsRead: number;
  d1RowsWritten: number;
}

/** The D1 databases rollups may live in, from a Worker's bindings. */
export interface HistoryDatabases {
  /** Every bound history database by binding name: `DB` first, then `HISTORY_<n>` by n. */
  readonly all: ReadonlyMap<string, DrizzleD1Database>;
  /** Bindings open to new placements (`HISTORY_OPEN`); throws when that setting is wrong. */
  open(): string[];
}

function isD1(v: unknown): v is D1Database {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as D1Database).prepare === "function" &&
    typeof (v as D1Database).batch === "function"
  );
}

/**
 * The history databases among a Worker's bindings: `DB` and every
 * `HISTORY_<n>` bound to D1, whatever wrangler.toml lists (the Env type
 * only knows the databases of the default config).
 */
export function historyDatabases(bindings: object): HistoryDatabases {
  const env = bindings as Record<string, unknown>;
  const names = historyBindings(Object.keys(env).filter((k) => isD1(env[k])));
  if (!names.includes(PRIMARY_DB)) throw new Error(`no D1 binding ${PRIMARY_DB}`);
  const all = new Map<string, DrizzleD1Database>();
  for (const n of names) all.set(n, drizzle(env[n] as D1Database));
  const setting = typeof env.HISTORY_OPEN === "string" ? env.HISTORY_OPEN : undefined;
  return { all, open: () => openDatabases(names, setting) };
}

/**
 * The database bound as `name`. Throws when it is not bound: history
 * recorded there must not be read or written anywhere else (restore the
 * binding in wrangler.toml).
 */
export function historyDatabase(h: HistoryDatabases, name: string): DrizzleD1Database {
  const db = h.all.get(name);
  if (!db) {
    throw new Error(`history is placed in ${name}, which is not bound: restore its binding in wrangler.toml`);
  }
  return db;
}

/** Recorded placements of a fleet (`fleet`) and of those of `hostIds` that have one. */
async function recorded(
  primary: DrizzleD1Database,
  fleetId: string,
  hostIds: string[],
  meter?: D1Meter,
): Promise<{ fleet: string | undefined; hosts: Map<string, string> }> {
  let fleet: string | undefined;
  const hosts = new Map<string, string>();
  const ids = ["", ...hostIds];
  for (let i = 0; i < ids.length; i += PARAM_CHUNK) {
    const rows = await primary
      .select({ hostId: historyPlacement.hostId, database: historyPlacement.database })
      .from(historyPlacement)
      .where(
        and(
          eq(historyPlacement.fleetId, fleetId),
          inArray(historyPlacement.hostId, ids.slice(i, i + PARAM_CHUNK)),
        ),
      );
    if (meter) meter.d1RowsRead += rows.length;
    for (const r of rows) {
      if (r.hostId === "") fleet = r.database;
      else hosts.set(r.hostId, r.database);
    }
  }
  return { fleet, hosts };
}

/** Hosts of a fleet placed so far, counted up to `HOSTS_WITH_FLEET` (all the choice needs). */
async function hostsPlaced(primary: DrizzleD1Database, fleetId: string, meter?: D1Meter): Promise<number> {
  const [row] = await primary.all<{ n: number }>(
    sql`SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${historyPlacement}
      WHERE ${historyPlacement.fleetId} = ${fleetId} AND ${historyPlacement.hostId} <> '' LIMIT ${HOSTS_WITH_FLEET})`,
  );
  const n = row?.n ?? 0;
  if (meter) meter.d1RowsRead += n;
  return n;
}

/**
 * The database of each of a fleet's hosts, by binding name. Hosts (and the
 * fleet) with no placement yet are placed (`placeFleet`, `placeHost`) and
 * recorded in the primary database first; a recorded placement always
 * wins, including one another object recorded at the same time. Rows
 * read and written are added to `meter`.
 */
export async function placeHosts(
  primary: DrizzleD1Database,
  h: HistoryDatabases,
  fleetId: string,
  hostIds: string[],
  now: number,
  meter?: D1Meter,
): Promise<Map<string, string>> {
  const found = await recorded(primary, fleetId, hostIds, meter);
  const missing = hostIds.filter((id) => !found.hosts.has(id));
  if (missing.length === 0) return found.hosts;

  const open = h.open();
  const fleetDatabase = placeFleet(fleetId, found.fleet, open);
  let placed = await hostsPlaced(primary, fleetId, meter);
  const rows = missing.map((hostId) => {
    const database = placeHost({
      fleetId,
      hostId,
      recorded: undefined,
      fleetDatabase,
      hostsPlaced: placed,
      open,
    });
    placed++;
    return { fleetId, hostId, database, placedAt: now };
  });
  if (found.fleet === undefined)
    rows.unshift({ fleetId, hostId: "", database: fleetDatabase, placedAt: now });
  for (let i = 0; i < rows.length; i += BATCH) {
    const [first, ...rest] = rows
      .slice(i, i + BATCH)
      .map((r) => primary.insert(historyPlacement).values(r).onConflictDoNothing());
    if (!first) continue;
    await primary.batch([first, ...rest]);
    if (meter) meter.d1RowsWritten += rest.length + 1;
  }
  // Read back: where another object placed a host (or the fleet) first, its row stands.
  return (await recorded(primary, fleetId, hostIds, meter)).hosts;
}

/**
 * The binding of the database that holds a host's rollups, without placing
 * anything (`placed` says whether it is recorded). A host with no recorded
 * placement has never been flushed, and can only have rows in `DB`, written
 * before placement was recorded.
 */
export async function locateHost(
  primary: DrizzleD1Database,
  fleetId: string,
  hostId: string,
): Promise<{ database: string; placed: boolean }> {
  const [row] = await primary
    .select({ database: historyPlacement.database })
    .from(historyPlacement)
    .where(and(eq(historyPlacement.fleetId, fleetId), eq(historyPlacement.hostId, hostId)));
  return row ? { database: row.database, placed: true } : { database: PRIMARY_DB, placed: false };
}

/**
 * `locateHost` for many hosts at once (one query per 90 hosts): the binding
 * of each placed host's rollups. A host absent from the answer has no
 * recorded placement, so its rows (if any) are in `DB`.
 */
export async function locateHosts(
  primary: DrizzleD1Database,
  fleetId: string,
  hostIds: string[],
): Promise<Map<string, string>> {
  return (await recorded(primary, fleetId, hostIds)).hosts;
}
