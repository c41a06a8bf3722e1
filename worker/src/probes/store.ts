import type { Probe } from "../db/probes-schema";
import { dayOf, decodeDay, encodeEntry, type HistoryEntry } from "./history-codec";
import { type CheckResult, isUp } from "./outcome";

/** D1 batches are transactions; this many statements keep one short. */
const BATCH_STATEMENTS = 50;

/** Check history is kept this many days (the status page's bars). */
export const PROBE_HISTORY_DAYS = 90;

/**
 * The writes of one check: the probe's latest result (consecutive failures,
 * when it went up or down, when it is next due) and the check appended to
 * its day row. Both skip a probe deleted meanwhile.
 */
export function resultStatements(
  db: D1Database,
  probe: Pick<Probe, "id" | "fleetId">,
  r: CheckResult,
  nextDueAt: number,
): D1PreparedStatement[] {
  const up = isUp(r) ? 1 : 0;
  const entry = { at: r.at, outcome: r.outcome, status: r.status, latencyMs: r.latencyMs };
  const latency = up ? Math.round(r.latencyMs) : 0;
  return [
    db
      .prepare(
        `UPDATE probes SET last_checked_at = ?2, last_up = ?3, last_latency_ms = ?4, last_status = ?5,
           last_error = ?6, failures = CASE WHEN ?3 = 1 THEN 0 ELSE failures + 1 END,
           changed_at = CASE WHEN last_up IS ?3 THEN changed_at ELSE ?2 END,
           next_due_at = max(next_due_at, ?7)
         WHERE id = ?1`,
      )
      .bind(probe.id, r.at, up, Math.round(r.latencyMs), r.status, r.error, nextDueAt),
    // A day's first check carries the format version byte; later ones are
    // appended. `||` on BLOBs yields their bytes as TEXT, so the CAST gives
    // the concatenated bytes back as a BLOB.
    db
      .prepare(
        `INSERT INTO probe_days (probe_id, fleet_id, day, checks, up, latency_sum, latency_max, data)
         SELECT ?1, ?2, ?3, 1, ?4, ?5, ?5, ?6 WHERE EXISTS (SELECT 1 FROM probes WHERE id = ?1)
         ON CONFLICT (probe_id, day) DO UPDATE SET checks = checks + 1, up = up + excluded.up,
           latency_sum = latency_sum + excluded.latency_sum, latency_max = max(latency_max, excluded.latency_max),
           data = CAST(data || ?7 AS BLOB)`,
      )
      .bind(
        probe.id,
        probe.fleetId,
        dayOf(r.at),
        up,
        latency,
        encodeEntry(entry, true),
        encodeEntry(entry, false),
      ),
  ];
}

/** Runs statements in batches of BATCH_STATEMENTS (each batch a transaction). */
export async function runBatched(db: D1Database, stmts: D1PreparedStatement[]): Promise<void> {
  for (let i = 0; i < stmts.length; i += BATCH_STATEMENTS) {
    await db.batch(stmts.slice(i, i + BATCH_STATEMENTS));
  }
}

/** A day row as history reads it. */
export interface DayRow {
  probeId: string;
  day: number;
  checks: number;
  up: number;
  latencySum: number;
  latencyMax: number;
  data: Uint8Array;
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (Array.isArray(v)) return Uint8Array.from(v as number[]);
  return new Uint8Array(0);
}

/**
 * Day rows of a fleet's probes (or of one) from `fromDay` on. The packed
 * checks come only for days from `dataFromDay` on (default: all); older
 * rows bring their counters (uptime over days, the status bars) and no data.
 */
export async function readDays(
  db: D1Database,
  fleetId: string,
  fromDay: number,
  opts: { probeId?: string; dataFromDay?: number } = {},
): Promise<DayRow[]> {
  const where = opts.probeId ? "AND probe_id = ?4" : "";
  const stmt = db.prepare(
    `SELECT probe_id, day, checks, up, latency_sum, latency_max,
       CASE WHEN day >= ?3 THEN data ELSE x'' END AS data
     FROM probe_days WHERE fleet_id = ?1 AND day >= ?2 ${where} ORDER BY probe_id, day`,
  );
  const dataFrom = opts.dataFromDay ?? fromDay;
  const bound = opts.probeId
    ? stmt.bind(fleetId, fromDay, dataFrom, opts.probeId)
    : stmt.bind(fleetId, fromDay, dataFrom);
  const rows = await bound.all<Record<string, unknown>>();
  return rows.results.map((r) => ({
    probeId: String(r.probe_id),
    day: Number(r.day),
    checks: Number(r.checks),
    up: Number(r.up),
    latencySum: Number(r.latency_sum),
    latencyMax: Number(r.latency_max),
    data: toBytes(r.data),
  }));
}

/** The checks in day rows at or after `from`, oldest first. */
export function checksSince(rows: DayRow[], from: number, to = Number.POSITIVE_INFINITY): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const r of rows) {
    for (const e of decodeDay(r.day, r.data)) if (e.at >= from && e.at <= to) out.push(e);
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Uptime of one probe, percent with two decimals; null where it has no check. */
export interface Uptime {
  h24: number | null;
  d7: number | null;
  d30: number | null;
}

const pct = (up: number, checks: number) => (checks > 0 ? Math.round((up / checks) * 10_000) / 100 : null);

/**
 * Uptime over the last 24 h (exact: the checks of today's and yesterday's
 * rows), and over the last 7 and 30 UTC days including today (the day
 * counters, no decoding).
 */
export function uptimeOf(rows: DayRow[], now: number): Uptime {
  const today = dayOf(now);
  const sum = (days: number) => {
    let up = 0;
    let checks = 0;
    for (const r of rows) {
      if (r.day > today - days) {
        up += r.up;
        checks += r.checks;
      }
    }
    return pct(up, checks);
  };
  const recent = checksSince(
    rows.filter((r) => r.day >= today - 1),
    now - 86_400_000,
  );
  return {
    h24: pct(recent.filter((e) => e.outcome === "up").length, recent.length),
    d7: sum(7),
    d30: sum(30),
  };
}

/** Drops day rows past PROBE_HISTORY_DAYS. */
export async function pruneProbeHistory(db: D1Database, now: number): Promise<void> {
  await db
    .prepare("DELETE FROM probe_days WHERE day < ?1")
    .bind(dayOf(now) - PROBE_HISTORY_DAYS)
    .run();
}
