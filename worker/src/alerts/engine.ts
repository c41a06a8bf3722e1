import { and, eq, gt, inArray, ne } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import {
  type Aggregation,
  type Alert,
  type AlertRule,
  alertFleets,
  alertRules,
  alertSilences,
  alerts,
} from "../db/alerts-schema";
import { fleetEvaluationInputs } from "../fleet/stub";
import type { HostView } from "../metrics/types";
import { deliverDue } from "./deliver";
import { type AlertDeps, alertDeps } from "./deps";
import { hostFacts, type Observation, observeRule, type SeriesValue } from "./observe";
import { keyObservations, planFleet, type Scope } from "./plan";
import { pool } from "./pool";
import { HOST_DOWN, parseLabels } from "./rules";
import { type ActiveSilence, parseMatchers } from "./silences";
import { applyActions, ensureSeeded, recordEvalError, seedNewFleets } from "./store";

/** Fleets evaluated at once by a cron run. */
const FLEET_CONCURRENCY = 4;

/** One windowed aggregate a rule needs. */
export interface AggregateQuery {
  metric: string;
  agg: Aggregation;
  windowMs: number;
}

/**
 * What evaluation reads of a fleet's live data, in one call: every host and
 * one list of values per query (FleetDO, or hosts the DO already has in hand).
 */
export interface FleetSource {
  read(queries: AggregateQuery[]): Promise<{ hosts: HostView[]; values: SeriesValue[][] }>;
}

/** Everything D1 holds that one fleet's evaluation needs. */
export interface FleetInputs {
  fleetId: string;
  rules: AlertRule[];
  open: Alert[];
  silences: ActiveSilence[];
  /** PUBLIC_URL or the origin the fleet's API was used from; links in notifications start with it. */
  baseUrl: string;
}

/** Result of a cron run, for logs and tests. */
export interface AlertRunSummary {
  fleets: number;
  failedFleets: number;
  delivered: number;
}

function fleetSource(env: Env, fleetId: string): FleetSource {
  return { read: (queries) => fleetEvaluationInputs(env, fleetId, queries) };
}

/**
 * Evaluates one fleet: one read of its hosts and of an aggregate per
 * distinct (metric, aggregation, window) of its enabled rules, the state
 * machine per (rule, host, series), and the transitions with their
 * notifications written to D1.
 */
export async function evaluateFleet(
  db: D1Database,
  source: FleetSource,
  inputs: FleetInputs,
  now: number,
  scope?: Scope,
): Promise<void> {
  const enabled = inputs.rules.filter((r) => r.enabled && (!scope || scope.ruleIds.has(r.id)));
  if (enabled.length === 0 && inputs.open.length === 0) return;
  // One aggregate per distinct (metric, aggregation, window), read with the hosts in one call.
  const queries = new Map<string, AggregateQuery>();
  const keyOf = (r: AlertRule) => `${r.metric}\n${r.aggregation}\n${r.windowS}`;
  for (const rule of enabled) {
    if (rule.metric === HOST_DOWN || queries.has(keyOf(rule))) continue;
    queries.set(keyOf(rule), { metric: rule.metric, agg: rule.aggregation, windowMs: rule.windowS * 1000 });
  }
  const read = await source.read([...queries.values()]);
  const hosts = read.hosts.map(hostFacts);
  const valuesOf = new Map([...queries.keys()].map((k, i) => [k, read.values[i] ?? []]));
  const observations: Observation[] = [];
  for (const rule of enabled) {
    const values = valuesOf.get(keyOf(rule)) ?? [];
    observations.push(
      ...observeRule(
        {
          id: rule.id,
          metric: rule.metric,
          hostMatch: rule.hostMatch,
          labelMatch: parseLabels(rule.labelMatch),
        },
        hosts,
        values,
        now,
      ),
    );
  }
  const actions = planFleet({
    fleetId: inputs.fleetId,
    rules: inputs.rules,
    open: inputs.open,
    observations: await keyObservations(inputs.fleetId, observations),
    silences: inputs.silences,
    now,
    scope,
  });
  await applyActions(db, inputs.fleetId, actions, inputs.baseUrl, now);
}

function baseUrl(env: Env, origin: string | null | undefined): string {
  return env.PUBLIC_URL || origin || "";
}

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

/**
 * The cron's alerting step: seeds built-in rules of new fleets, evaluates
 * every fleet that has enabled rules or open alerts (a few at a time), then
 * delivers due notifications. A fleet whose evaluation fails is recorded in
 * `alert_fleets.last_error` and does not stop the others.
 */
export async function runAlerts(
  env: Env,
  now: number,
  deps: AlertDeps,
  /** Only this fleet (tests; an "evaluate now" action). */
  onlyFleet?: string,
): Promise<AlertRunSummary> {
  const db = drizzle(env.DB);
  if (onlyFleet) await ensureSeeded(env.DB, onlyFleet, now);
  else await seedNewFleets(env.DB, now);
  const [rules, open, silences, fleetRows] = await Promise.all([
    db.select().from(alertRules).all(),
    db.select().from(alerts).where(ne(alerts.state, "resolved")).all(),
    db.select().from(alertSilences).where(gt(alertSilences.endsAt, now)).all(),
    db
      .select({ fleetId: alertFleets.fleetId, origin: alertFleets.origin, lastError: alertFleets.lastError })
      .from(alertFleets)
      .all(),
  ]);
  const rulesBy = groupBy(rules, (r) => r.fleetId);
  const openBy = groupBy(open, (a) => a.fleetId);
  const silencesBy = groupBy(silences, (s) => s.fleetId);
  const meta = new Map(fleetRows.map((f) => [f.fleetId, f]));
  const fleetIds = [
    ...new Set([...rules.filter((r) => r.enabled).map((r) => r.fleetId), ...open.map((a) => a.fleetId)]),
  ].filter((id) => !onlyFleet || id === onlyFleet);

  let failed = 0;
  await pool(fleetIds, FLEET_CONCURRENCY, async (fleetId) => {
    const inputs: FleetInputs = {
      fleetId,
      rules: rulesBy.get(fleetId) ?? [],
      open: openBy.get(fleetId) ?? [],
      silences: (silencesBy.get(fleetId) ?? []).map((s) => ({ ...s, matchers: parseMatchers(s.matchers) })),
      baseUrl: baseUrl(env, meta.get(fleetId)?.origin),
    };
    try {
      await evaluateFleet(env.DB, fleetSource(env, fleetId), inputs, now);
      if (meta.get(fleetId)?.lastError) await recordEvalError(env.DB, fleetId, null, now);
    } catch (e) {
      failed++;
      console.error(`alerts: evaluating fleet ${fleetId} failed:`, e);
      await recordEvalError(env.DB, fleetId, errorText(e), now);
    }
  });
  const delivered = await deliverDue(env.DB, now, deps, onlyFleet);
  return { fleets: fleetIds.length, failedFleets: failed, delivered };
}

/**
 * Host-down without waiting for the cron: the fleet DO calls this when its
 * alarm sees hosts change status (online -> stale after 3 missed intervals).
 * Evaluates only the fleet's host-down rules for those hosts, with the host
 * views the DO already has (no call back into the DO), then delivers the
 * fleet's due notifications. Never throws: failures are recorded in D1.
 */
export async function onHostsChanged(
  env: Env,
  fleetId: string,
  changed: string[],
  hosts: HostView[],
  now = Date.now(),
  deps: AlertDeps = alertDeps(env),
): Promise<void> {
  if (!fleetId || changed.length === 0) return;
  try {
    await ensureSeeded(env.DB, fleetId, now);
    const db = drizzle(env.DB);
    const rules = await db
      .select()
      .from(alertRules)
      .where(and(eq(alertRules.fleetId, fleetId), eq(alertRules.metric, HOST_DOWN)))
      .all();
    if (!rules.some((r) => r.enabled)) return;
    const [open, silences, meta] = await Promise.all([
      db
        .select()
        .from(alerts)
        .where(
          and(
            ne(alerts.state, "resolved"),
            eq(alerts.fleetId, fleetId),
            inArray(
              alerts.ruleId,
              rules.map((r) => r.id),
            ),
          ),
        )
        .all(),
      db
        .select()
        .from(alertSilences)
        .where(and(eq(alertSilences.fleetId, fleetId), gt(alertSilences.endsAt, now)))
        .all(),
      db
        .select({ origin: alertFleets.origin })
        .from(alertFleets)
        .where(eq(alertFleets.fleetId, fleetId))
        .get(),
    ]);
    const scope: Scope = { ruleIds: new Set(rules.map((r) => r.id)), hostIds: new Set(changed) };
    const source: FleetSource = { read: async (queries) => ({ hosts, values: queries.map(() => []) }) };
    await evaluateFleet(
      env.DB,
      source,
      {
        fleetId,
        rules,
        open,
        silences: silences.map((s) => ({ ...s, matchers: parseMatchers(s.matchers) })),
        baseUrl: baseUrl(env, meta?.origin),
      },
      now,
      scope,
    );
    await deliverDue(env.DB, now, deps, fleetId);
  } catch (e) {
    console.error(`alerts: host-down hook for fleet ${fleetId} failed:`, e);
    await recordEvalError(env.DB, fleetId, errorText(e), now).catch(() => {});
  }
}

function errorText(e: unknown): string {
  return (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 500);
}
