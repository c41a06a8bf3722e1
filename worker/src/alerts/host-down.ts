import { and, eq, gt, inArray, ne } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { alertFleets, alertRules, alertSilences, alerts } from "../db/alerts-schema";
import type { HostView } from "../metrics/types";
import { baseUrl, errorText, evaluateFleet, type FleetSource } from "./evaluate";
import type { Scope } from "./plan";
import { HOST_DOWN } from "./rules";
import { parseMatchers } from "./silences";
import { ensureSeeded, recordEvalError } from "./store";

/**
 * Host-down without waiting for the cron: the fleet's Durable Object calls
 * this from its alarm when hosts change status (online -> stale after 3
 * missed intervals). Evaluates only the fleet's host-down rules for those
 * hosts, with the views the object already has (no call back into it), and
 * writes the transitions and their notifications to D1. Delivery is the
 * cron's job (`deliverDue`): a webhook's timeout never holds the object.
 * Never throws: a failure is recorded in `alert_fleets.last_error`.
 */
export async function recordHostDown(
  env: Env,
  fleetId: string,
  changed: string[],
  hosts: HostView[],
  now = Date.now(),
  /** Shows the changed alerts on the fleet's dashboards (the object's alert board). */
  publish?: FleetSource["publish"],
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
    const ruleIds = rules.map((r) => r.id);
    const [open, silences, meta] = await Promise.all([
      db
        .select()
        .from(alerts)
        .where(
          and(ne(alerts.state, "resolved"), eq(alerts.fleetId, fleetId), inArray(alerts.ruleId, ruleIds)),
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
    const scope: Scope = { ruleIds: new Set(ruleIds), hostIds: new Set(changed) };
    const source: FleetSource = {
      read: async (queries) => ({ hosts, values: queries.map(() => []) }),
      ...(publish ? { publish } : {}),
    };
    const silenced = silences.map((s) => ({ ...s, matchers: parseMatchers(s.matchers) }));
    await evaluateFleet(
      env.DB,
      source,
      { fleetId, rules, open, silences: silenced, baseUrl: baseUrl(env, meta?.origin) },
      now,
      scope,
    );
  } catch (e) {
    console.error(`alerts: host-down hook for fleet ${fleetId} failed:`, e);
    await recordEvalError(env.DB, fleetId, errorText(e), now).catch(() => {});
  }
}
