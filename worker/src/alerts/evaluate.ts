import type { Alert, AlertRule } from "../db/alerts-schema";
import { checkLabels, tryDecodeStored } from "../db/stored-json";
import type { AggregateQuery, EvaluationRead } from "../metrics/aggregate";
import { hostDownNotes } from "../probes/host-note";
import { isProbeMetric } from "../probes/keys";
import { probeObservations } from "../probes/observe";
import { isTrafficMetric } from "../traffic/keys";
import { trafficRuleValues } from "../traffic/observe";
import type { HostTraffic } from "../traffic/totals";
import { type AlertBoardUpdate, openAfter } from "./live-board";
import { hostFacts, type Observation, observeRule } from "./observe";
import { roundValue } from "./payload";
import { type Action, type Keyed, keyObservations, planFleet, type Scope } from "./plan";
import { HOST_DOWN, parseLabels } from "./rules";
import { type ActiveSilence, isSilenced } from "./silences";
import { applyActions } from "./store";

/**
 * What evaluation reads of a fleet's live data, in one call: every host and
 * one list of values per query (FleetDO, or hosts the DO already has in hand).
 */
export interface FleetSource {
  read(queries: AggregateQuery[]): Promise<EvaluationRead>;
  /** Shows the open alerts after the evaluation on the fleet's dashboards. */
  publish?(update: AlertBoardUpdate): Promise<void>;
  /** Every host's traffic this month at `now` (quota rules; traffic/observe.ts). */
  traffic?(now: number): Promise<HostTraffic[]>;
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
    if (rule.metric === HOST_DOWN || isProbeMetric(rule.metric) || isTrafficMetric(rule.metric)) continue;
    if (queries.has(keyOf(rule))) continue;
    queries.set(keyOf(rule), { metric: rule.metric, agg: rule.aggregation, windowMs: rule.windowS * 1000 });
  }
  const read = await source.read([...queries.values()]);
  const hosts = read.hosts.map(hostFacts);
  const valuesOf = new Map([...queries.keys()].map((k, i) => [k, read.values[i] ?? []]));
  const traffic = await trafficRuleValues(enabled, source, now);
  const observations: Observation[] = [];
  for (const rule of enabled) {
    if (isProbeMetric(rule.metric)) continue; // probes/observe.ts, below
    const labels = tryDecodeStored(rule.labelMatch, checkLabels, `alert_rules row ${rule.id}: label_match`);
    if (!labels.ok) {
      // An unreadable matcher matches no host (read as "no labels" it would match every host).
      console.error(`alerts: ${labels.error.message}; the rule matches no host until it is saved again`);
      continue;
    }
    const values = traffic.get(rule.metric) ?? valuesOf.get(keyOf(rule)) ?? [];
    const spec = { id: rule.id, metric: rule.metric, hostMatch: rule.hostMatch, labelMatch: labels.value };
    observations.push(...observeRule(spec, hosts, values, now));
  }
  observations.push(...(await probeObservations(db, inputs.fleetId, enabled, now)));
  const keyed = await keyObservations(inputs.fleetId, observations);
  const actions = planFleet({
    fleetId: inputs.fleetId,
    rules: inputs.rules,
    open: inputs.open,
    observations: keyed,
    silences: inputs.silences,
    now,
    scope,
  });
  const notes = await hostDownNotes(db, inputs.fleetId, actions, inputs.rules, now);
  await applyActions(db, inputs.fleetId, actions, inputs.baseUrl, now, notes);
  if (source.publish) await publishBoard(source.publish, inputs, actions, keyed, now, scope);
}

/**
 * Tells the fleet's object the open alerts after this evaluation, with the
 * values just observed, for its dashboards. Shown state only (D1 holds the
 * alerts): a failure is logged and the next evaluation sends it again.
 */
async function publishBoard(
  publish: NonNullable<FleetSource["publish"]>,
  inputs: FleetInputs,
  actions: Action[],
  keyed: Keyed[],
  now: number,
  scope: Scope | undefined,
): Promise<void> {
  const observed = new Map(keyed.map((o) => [o.fingerprint, roundValue(o.value)]));
  const silenced = (a: Alert) =>
    isSilenced(
      inputs.silences,
      { rule: a.ruleName, hostname: a.hostname, severity: a.severity, labels: parseLabels(a.labels) },
      now,
    );
  let alerts = openAfter(inputs.open, actions, observed, silenced);
  if (scope) alerts = alerts.filter((a) => scope.ruleIds.has(a.ruleId) && scope.hostIds.has(a.hostId));
  // A quiet fleet (nothing open before or after) costs its object no request per minute; the
  // board's "evaluated at" only shows beside open alerts.
  if (inputs.open.length === 0 && alerts.length === 0) return;
  const update: AlertBoardUpdate = {
    evaluatedAt: now,
    alerts,
    ...(scope ? { scope: { ruleIds: [...scope.ruleIds], hostIds: [...scope.hostIds] } } : {}),
  };
  try {
    await publish(update);
  } catch (e) {
    console.error(`alerts: showing fleet ${inputs.fleetId}'s alerts live failed:`, e);
  }
}

/** Where links in a fleet's notifications start: PUBLIC_URL, else the origin its API was used from. */
export function baseUrl(env: Env, origin: string | null | undefined): string {
  return env.PUBLIC_URL || origin || "";
}

/** An error as one short line for `alert_fleets.last_error`. */
export function errorText(e: unknown): string {
  return (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 500);
}
