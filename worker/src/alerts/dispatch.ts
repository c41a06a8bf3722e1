import { z } from "zod";
import type { NotificationEvent } from "../db/alerts-schema";
import {
  type Check,
  checkLabels,
  checkPayloadAlert,
  PayloadAlertSchema,
  schemaCheck,
  tryDecodeStored,
} from "../db/stored-json";
import type { AlertPayload } from "./payload";
import { loadRouting, policyMuted, type Routing } from "./policies";
import {
  addToGroup,
  dueAt,
  flushGroup,
  type GroupAlert,
  type GroupState,
  groupKeyOf,
  groupLabels,
  type Policy,
  routeAlert,
} from "./routing";

/** One dispatcher holds a fleet this long; a run that dies leaves it to the next after this. */
export const DISPATCH_LEASE_MS = 60_000;
/** Events one run routes per fleet at most (the rest wait for the next run, in order). */
const MAX_EVENTS = 2_000;
/** Statements per D1 batch (each batch is a transaction). */
const BATCH_STATEMENTS = 100;

const checkGroupAlerts: Check<GroupAlert[]> = schemaCheck(
  z.array(PayloadAlertSchema.extend({ alertId: z.string(), announced: z.boolean() })),
);

interface EventRow {
  id: number;
  alert_id: string;
  event: NotificationEvent;
  alert: string;
}

interface GroupRow {
  group_key: string;
  policy_id: string;
  group_labels: string;
  alerts: string;
  changed_at: number | null;
  flushed_at: number | null;
}

function groupOf(r: GroupRow): GroupState | undefined {
  const where = `alert_groups ${r.group_key}`;
  const alerts = tryDecodeStored(r.alerts, checkGroupAlerts, `${where}: alerts`);
  const labels = tryDecodeStored(r.group_labels, checkLabels, `${where}: group_labels`);
  const bad = !alerts.ok ? alerts.error : !labels.ok ? labels.error : undefined;
  if (bad || !alerts.ok || !labels.ok) {
    // The group starts again from the next events of its alerts.
    console.error(`alerts: ${bad?.message}; the group is dropped`);
    return undefined;
  }
  return {
    groupKey: r.group_key,
    policyId: r.policy_id,
    groupLabels: labels.value,
    alerts: alerts.value,
    changedAt: r.changed_at,
    flushedAt: r.flushed_at,
  };
}

/** Fleets with events waiting or groups whose changes wait. */
async function fleetsToDispatch(db: D1Database, onlyFleet?: string): Promise<string[]> {
  const rows = await db
    .prepare(
      `SELECT fleet_id FROM alert_events WHERE ?1 IS NULL OR fleet_id = ?1
       UNION SELECT fleet_id FROM alert_groups WHERE changed_at IS NOT NULL AND (?1 IS NULL OR fleet_id = ?1)`,
    )
    .bind(onlyFleet ?? null)
    .all<{ fleet_id: string }>();
  return rows.results.map((r) => r.fleet_id);
}

/**
 * Routes and groups waiting alert events and queues the messages of due
 * groups, fleet by fleet (one run holds a fleet at a time). Returns the
 * number of messages queued (one per group per channel).
 */
export async function dispatchDue(db: D1Database, now: number, onlyFleet?: string): Promise<number> {
  let queued = 0;
  for (const fleetId of await fleetsToDispatch(db, onlyFleet)) {
    const lease = await db
      .prepare(
        `UPDATE alert_fleets SET dispatch_lease_until = ?3
         WHERE fleet_id = ?1 AND (dispatch_lease_until IS NULL OR dispatch_lease_until <= ?2) RETURNING fleet_id`,
      )
      .bind(fleetId, now, now + DISPATCH_LEASE_MS)
      .first();
    if (!lease) continue;
    try {
      queued += await dispatchFleet(db, fleetId, now);
    } finally {
      await db
        .prepare("UPDATE alert_fleets SET dispatch_lease_until = NULL WHERE fleet_id = ?1")
        .bind(fleetId)
        .run();
    }
  }
  return queued;
}

async function dispatchFleet(db: D1Database, fleetId: string, now: number): Promise<number> {
  const [events, groupRows, channels] = await db.batch([
    db
      .prepare("SELECT id, alert_id, event, alert FROM alert_events WHERE fleet_id = ?1 ORDER BY id LIMIT ?2")
      .bind(fleetId, MAX_EVENTS),
    db.prepare("SELECT * FROM alert_groups WHERE fleet_id = ?1").bind(fleetId),
    db.prepare("SELECT id FROM alert_channels WHERE fleet_id = ?1 AND enabled = 1").bind(fleetId),
  ]);
  const routing = await loadRouting(db, fleetId);
  const groups = new Map<string, GroupState>();
  const stmts: D1PreparedStatement[] = [];
  for (const r of (groupRows?.results ?? []) as unknown as GroupRow[]) {
    const g = groupOf(r);
    if (g) groups.set(g.groupKey, g);
    else stmts.push(db.prepare("DELETE FROM alert_groups WHERE group_key = ?1").bind(r.group_key));
  }
  const touched = new Set<string>();
  const eventRows = (events?.results ?? []) as unknown as EventRow[];
  for (const e of eventRows) {
    const a = tryDecodeStored(e.alert, checkPayloadAlert, `alert_events ${e.id}: alert`);
    if (!a.ok) {
      console.error(`alerts: ${a.error.message}; the event is dropped`);
      continue;
    }
    const keys = new Set<string>();
    for (const p of routeAlert(routing.policies, routing.fallback, a.value)) {
      const labels = groupLabels(p, a.value);
      const key = await groupKeyOf(fleetId, p.id, labels);
      keys.add(key);
      let g = groups.get(key);
      if (!g) {
        g = {
          groupKey: key,
          policyId: p.id,
          groupLabels: labels,
          alerts: [],
          changedAt: null,
          flushedAt: null,
        };
        groups.set(key, g);
      }
      addToGroup(g, e.alert_id, a.value, now);
      touched.add(key);
    }
    // Groups that hold the alert from an earlier routing (a policy changed since) follow it too,
    // so an alert announced there is resolved there.
    for (const g of groups.values()) {
      if (keys.has(g.groupKey) || !g.alerts.some((x) => x.fingerprint === a.value.fingerprint)) continue;
      addToGroup(g, e.alert_id, a.value, now);
      touched.add(g.groupKey);
    }
  }

  const enabled = (channels?.results ?? []).map((r) => (r as { id: string }).id);
  let queued = 0;
  for (const g of groups.values()) {
    const policy = policyById(routing, g.policyId);
    const due = dueAt(g, policy);
    if (due !== null && due <= now && !policyMuted(policy, routing.mutes, now)) {
      const flush = flushGroup(g, now);
      if (flush.alerts.length > 0) {
        const targets = policy.channelIds ? policy.channelIds.filter((id) => enabled.includes(id)) : enabled;
        const payload: AlertPayload = {
          version: 1,
          fleet: fleetId,
          status: flush.status,
          groupKey: g.groupKey,
          groupLabels: g.groupLabels,
          alerts: flush.alerts.map(({ alertId: _id, announced: _a, ...a }) => a),
        };
        const event: NotificationEvent =
          flush.status === "resolved" ? "resolved" : flush.repeat ? "repeat" : "firing";
        const alertId = flush.alerts.length === 1 ? (flush.alerts[0] as GroupAlert).alertId : null;
        for (const channelId of targets) {
          stmts.push(queueMessage(db, fleetId, channelId, alertId, event, payload, g.groupKey, now));
          queued++;
        }
      }
      if (flush.next) stmts.push(writeGroup(db, fleetId, flush.next, now));
      else stmts.push(db.prepare("DELETE FROM alert_groups WHERE group_key = ?1").bind(g.groupKey));
    } else if (touched.has(g.groupKey)) {
      stmts.push(writeGroup(db, fleetId, g, now));
    }
  }
  // The events go with the last batch: a run that dies before routes them again (at least once).
  const last = eventRows.at(-1);
  if (last)
    stmts.push(
      db.prepare("DELETE FROM alert_events WHERE fleet_id = ?1 AND id <= ?2").bind(fleetId, last.id),
    );
  for (let i = 0; i < stmts.length; i += BATCH_STATEMENTS)
    await db.batch(stmts.slice(i, i + BATCH_STATEMENTS));
  return queued;
}

/** The policy a group belongs to; a group whose policy was deleted goes by the default. */
function policyById(r: Routing, id: string): Policy {
  return r.policies.find((p) => p.id === id) ?? r.fallback;
}

function writeGroup(db: D1Database, fleetId: string, g: GroupState, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO alert_groups (group_key, fleet_id, policy_id, group_labels, alerts, changed_at, flushed_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
       ON CONFLICT (group_key) DO UPDATE SET alerts = ?5, changed_at = ?6, flushed_at = ?7, updated_at = ?8`,
    )
    .bind(
      g.groupKey,
      fleetId,
      g.policyId,
      JSON.stringify(g.groupLabels),
      JSON.stringify(g.alerts),
      g.changedAt,
      g.flushedAt,
      now,
    );
}

function queueMessage(
  db: D1Database,
  fleetId: string,
  channelId: string,
  alertId: string | null,
  event: NotificationEvent,
  payload: AlertPayload,
  groupKey: string,
  now: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO notifications (id, fleet_id, channel_id, alert_id, event, payload, status, attempts,
         next_attempt_at, created_at, group_key)
       VALUES (lower(hex(randomblob(16))), ?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?6, ?7)`,
    )
    .bind(fleetId, channelId, alertId, event, JSON.stringify(payload), now, groupKey);
}
