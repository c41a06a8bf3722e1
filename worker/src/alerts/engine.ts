import { gt, ne } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { alertFleets, alertRules, alertSilences, alerts } from "../db/alerts-schema";
import { fleetEvaluationInputs, fleetStub } from "../fleet/stub";
import { TRAFFIC_MAX_AGE_MS } from "../traffic/cache";
import { fleetTraffic } from "../traffic/fleet";
import { deliverDue } from "./deliver";
import type { AlertDeps } from "./deps";
import { dispatchDue } from "./dispatch";
import { baseUrl, errorText, evaluateFleet, type FleetInputs, type FleetSource } from "./evaluate";
import { pool } from "./pool";
import { parseMatchers } from "./silences";
import { ensureSeeded, recordEvalError, seedNewFleets } from "./store";

/** Fleets evaluated at once by a cron run. */
const FLEET_CONCURRENCY = 4;

/** Result of a cron run, for logs and tests. */
export interface AlertRunSummary {
  fleets: number;
  failedFleets: number;
  /** Messages queued by routing and grouping (one per group per channel). */
  queued: number;
  delivered: number;
}

function fleetSource(env: Env, fleetId: string): FleetSource {
  return {
    read: (queries) => fleetEvaluationInputs(env, fleetId, queries),
    publish: (update) => fleetStub(env, fleetId).publishAlerts(update),
    traffic: async (now) => (await fleetTraffic(env, fleetId, { now, maxAgeMs: TRAFFIC_MAX_AGE_MS })).hosts,
  };
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
  const queued = await dispatchDue(env.DB, now, onlyFleet);
  const delivered = await deliverDue(env.DB, now, deps, onlyFleet);
  return { fleets: fleetIds.length, failedFleets: failed, queued, delivered };
}
