import type { Alert } from "../db/alerts-schema";
import type { PayloadAlert } from "./payload";
import { type Action, type AlertEvent, payloadAlert } from "./plan";
import { builtinRules } from "./rules";

/** D1 allows this many statements per batch comfortably; batches are transactions. */
const BATCH_STATEMENTS = 50;

const ALERT_COLUMNS = `id, fleet_id, fingerprint, rule_id, rule_name, severity, host_id, hostname, series,
  labels, state, value, threshold, pending_since, starts_at, ends_at, last_notified_at, version, updated_at`;

function alertValues(a: Alert): unknown[] {
  return [
    a.id,
    a.fleetId,
    a.fingerprint,
    a.ruleId,
    a.ruleName,
    a.severity,
    a.hostId,
    a.hostname,
    a.series,
    a.labels,
    a.state,
    a.value,
    a.threshold,
    a.pendingSince,
    a.startsAt,
    a.endsAt,
    a.lastNotifiedAt,
    a.version,
    a.updatedAt,
  ];
}

/**
 * Queues an alert's transition for the dispatcher (alerts/dispatch.ts: routing
 * and grouping into messages), but only when the statement just before it in
 * the batch changed a row (`changes()`): an evaluator that lost the race for a
 * transition queues nothing.
 */
export function queueEventIfChanged(
  db: D1Database,
  fleetId: string,
  alertId: string,
  event: AlertEvent,
  alert: PayloadAlert,
  now: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO alert_events (fleet_id, alert_id, event, alert, created_at)
       SELECT ?1, ?2, ?3, ?4, ?5 WHERE changes() > 0`,
    )
    .bind(fleetId, alertId, event, JSON.stringify(alert), now);
}

/** Statements for one action; a notification statement always directly follows its write. */
function statementsFor(
  db: D1Database,
  fleetId: string,
  a: Action,
  baseUrl: string,
  now: number,
  notes: Map<string, string>,
) {
  if (a.kind === "delete") {
    return [db.prepare("DELETE FROM alerts WHERE id = ?1 AND version = ?2").bind(a.id, a.version)];
  }
  const out: D1PreparedStatement[] = [];
  if (a.kind === "open") {
    // The partial unique index (one open episode per fingerprint) turns a
    // concurrent duplicate into a no-op.
    out.push(
      db
        .prepare(
          `INSERT INTO alerts (${ALERT_COLUMNS}) VALUES (${ALERT_COLUMNS.split(",")
            .map((_, i) => `?${i + 1}`)
            .join(",")}) ON CONFLICT DO NOTHING`,
        )
        .bind(...alertValues(a.alert)),
    );
  } else {
    const x = a.alert;
    out.push(
      db
        .prepare(
          `UPDATE alerts SET rule_name = ?3, severity = ?4, hostname = ?5, labels = ?6, state = ?7, value = ?8,
             threshold = ?9, pending_since = ?10, starts_at = ?11, ends_at = ?12, last_notified_at = ?13,
             updated_at = ?14, version = version + 1
           WHERE id = ?1 AND version = ?2`,
        )
        .bind(
          x.id,
          a.version,
          x.ruleName,
          x.severity,
          x.hostname,
          x.labels,
          x.state,
          x.value,
          x.threshold,
          x.pendingSince,
          x.startsAt,
          x.endsAt,
          x.lastNotifiedAt,
          x.updatedAt,
        ),
    );
  }
  if (a.notify) {
    const payload = payloadAlert(a.alert, baseUrl, notes.get(a.alert.id));
    out.push(queueEventIfChanged(db, fleetId, a.alert.id, a.notify, payload, now));
  }
  return out;
}

/** Writes a plan: transitions and their notifications atomically, in batches. */
export async function applyActions(
  db: D1Database,
  fleetId: string,
  actions: Action[],
  baseUrl: string,
  now: number,
  /** A note for the notification of an alert, by alert id (payload.ts `note`). */
  notes = new Map<string, string>(),
): Promise<void> {
  let batch: D1PreparedStatement[] = [];
  for (const a of actions) {
    const stmts = statementsFor(db, fleetId, a, baseUrl, now, notes);
    if (batch.length + stmts.length > BATCH_STATEMENTS) {
      await db.batch(batch);
      batch = [];
    }
    batch.push(...stmts);
  }
  if (batch.length > 0) await db.batch(batch);
}

/**
 * Creates the built-in rules of a fleet once. The `alert_fleets` row
 * remembers it, so rules an admin deleted stay deleted; a rule of the same
 * name that already exists is left alone.
 */
export async function seedFleet(db: D1Database, fleetId: string, now: number): Promise<void> {
  const stmts = builtinRules(fleetId, now).map((r) =>
    db
      .prepare(
        `INSERT INTO alert_rules (id, fleet_id, name, metric, aggregation, window_s, comparator, threshold,
           clear_threshold, for_s, severity, repeat_s, enabled, host_match, label_match, builtin, created_at,
           updated_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17
         WHERE NOT EXISTS (SELECT 1 FROM alert_fleets WHERE fleet_id = ?2)
         ON CONFLICT DO NOTHING`,
      )
      .bind(
        r.id,
        fleetId,
        r.name,
        r.metric,
        r.aggregation,
        r.windowS,
        r.comparator,
        r.threshold,
        r.clearThreshold,
        r.forS,
        r.severity,
        r.repeatS,
        r.enabled ? 1 : 0,
        r.hostMatch,
        r.labelMatch,
        r.builtin,
        now,
      ),
  );
  stmts.push(
    db
      .prepare("INSERT INTO alert_fleets (fleet_id, seeded_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING")
      .bind(fleetId, now),
  );
  await db.batch(stmts);
}

/** Seeds every fleet that has no alerting state yet (however the fleet was created). */
export async function seedNewFleets(db: D1Database, now: number): Promise<void> {
  const fresh = await db
    .prepare("SELECT id FROM fleets WHERE id NOT IN (SELECT fleet_id FROM alert_fleets)")
    .all<{ id: string }>();
  for (const f of fresh.results) await seedFleet(db, f.id, now);
}

/** Seeds one fleet when needed (API calls before the first cron run). */
export async function ensureSeeded(db: D1Database, fleetId: string, now: number): Promise<void> {
  const row = await db.prepare("SELECT 1 AS x FROM alert_fleets WHERE fleet_id = ?1").bind(fleetId).first();
  if (!row) await seedFleet(db, fleetId, now);
}

/** Remembers where the fleet's dashboard is reached, for links in notifications. */
export async function rememberOrigin(db: D1Database, fleetId: string, origin: string): Promise<void> {
  await db
    .prepare("UPDATE alert_fleets SET origin = ?2 WHERE fleet_id = ?1 AND origin IS NOT ?2")
    .bind(fleetId, origin)
    .run();
}

/** Records (or clears, with null) the fleet's last evaluation error. */
export async function recordEvalError(db: D1Database, fleetId: string, error: string | null, now: number) {
  await db
    .prepare(
      `UPDATE alert_fleets SET last_error = ?2, last_error_at = CASE WHEN ?2 IS NULL THEN last_error_at ELSE ?3 END
       WHERE fleet_id = ?1 AND last_error IS NOT ?2`,
    )
    .bind(fleetId, error, now)
    .run();
}

/** Alert history and delivery history are kept this long. */
export const ALERT_RETENTION_MS = 90 * 86_400_000;
export const NOTIFICATION_RETENTION_MS = 30 * 86_400_000;

/** Drops resolved alerts, finished notifications and expired silences past retention. */
export async function pruneAlerts(db: D1Database, now: number): Promise<void> {
  await db.batch([
    db.prepare("DELETE FROM alerts WHERE state = 'resolved' AND ends_at < ?1").bind(now - ALERT_RETENTION_MS),
    db
      .prepare("DELETE FROM notifications WHERE status <> 'pending' AND created_at < ?1")
      .bind(now - NOTIFICATION_RETENTION_MS),
    db.prepare("DELETE FROM alert_silences WHERE ends_at < ?1").bind(now - NOTIFICATION_RETENTION_MS),
  ]);
}
