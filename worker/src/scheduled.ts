import { lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { alertDeps } from "./alerts/deps";
import { runAlerts } from "./alerts/engine";
import { pruneAlerts } from "./alerts/store";
import { historyDatabases } from "./db/history";
import { sessions } from "./db/schema";
import { pruneRollups } from "./fleet/rollup-store";
import { RETENTION } from "./fleet/series";
import { probeDeps, runProbes } from "./probes/runner";
import { pruneProbeHistory } from "./probes/store";

/** Minute of each hour at which retention pruning runs. */
export const PRUNE_MINUTE = 17;

/**
 * Cron trigger (every minute). Retention pruning of the D1 tiers and expired
 * sessions, then alert evaluation and notification delivery. Errors
 * propagate so the cron run is marked failed (per-fleet evaluation and
 * delivery failures are recorded in D1 instead).
 */
export async function scheduled(controller: ScheduledController, env: Env): Promise<void> {
  const db = drizzle(env.DB);
  const now = controller.scheduledTime;
  // Hourly is plenty for retention, and a prune scans the rollup tables:
  // every minute would read ~30x more rows than the data is worth.
  const pruning = new Date(now).getUTCMinutes() === PRUNE_MINUTE;
  const pruned = pruning ? await pruneHistory(env, now) : [];
  if (pruning) await Promise.all([pruneAlerts(env.DB, now), pruneProbeHistory(env.DB, now)]);
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
  // Probes first, so alerts see this minute's checks; a failed run fails the cron after the alerts.
  const probing = await runProbes(env.DB, now, probeDeps(env)).then(
    () => undefined,
    (e: unknown) => e,
  );
  await runAlerts(env, now, alertDeps(env));
  if (probing) throw probing;
  const failed = pruned.filter((r) => r.status === "rejected").map((r) => r.reason);
  if (failed.length > 0) throw new AggregateError(failed, "rollup retention failed in a history database");
}

/**
 * Retention of the rollup tiers in every history database (db/history.ts),
 * each on its own: one that fails (say, unreachable) neither stops the
 * others nor the alerts, and fails the cron run after them.
 */
function pruneHistory(env: Env, now: number): Promise<PromiseSettledResult<number>[]> {
  const databases = [...historyDatabases(env).all].map(async ([name, db]) => {
    try {
      return await pruneRollups(db, now - RETENTION["1m"], now - RETENTION["1h"]);
    } catch (e) {
      throw new Error(`pruning rollups in ${name}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
  });
  return Promise.allSettled(databases);
}
