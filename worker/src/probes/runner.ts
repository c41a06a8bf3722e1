import { and, asc, eq, lte } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { pool } from "../alerts/pool";
import { type Probe, probes } from "../db/probes-schema";
import { checkHttp } from "./check-http";
import { type Connector, checkTcp } from "./check-tcp";
import type { CheckResult } from "./outcome";
import { probeHeaders } from "./spec";
import { resultStatements, runBatched } from "./store";

/**
 * Platform limits the probe runner stays within (Cloudflare Workers limits,
 * https://developers.cloudflare.com/workers/platform/limits/):
 * - "Simultaneous outgoing connections/request: 6" (Free and Paid), counted
 *   per invocation, a cron run included: a seventh waits for one of six to
 *   get its response headers. So at most 6 checks are in flight.
 * - "Subrequests: 50/request (Free), 10,000/request (Paid)": every check is
 *   one (each redirect followed is one more), as are the run's D1 batches
 *   and the alert deliveries after it. A run checks at most
 *   PROBES_PER_RUN probes, the most overdue first; the rest stay due and go
 *   first in the next minute.
 * - The cron also runs alert evaluation and delivery after the probes, and
 *   the next run starts a minute later: no check starts after
 *   RUN_DEADLINE_MS, the others wait for the next run.
 */
export const PROBE_CONCURRENCY = 6;
export const PROBES_PER_RUN = 500;
export const RUN_DEADLINE_MS = 40_000;

/** Outside effects of a run, injectable for tests. */
export interface ProbeDeps {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  connect?: Connector;
  concurrency: number;
  maxPerRun: number;
  deadlineMs: number;
  /** The wall clock (the runtime's advances with I/O). */
  clock: () => number;
}

/** Optional variables that tune probing (not in wrangler.toml by default). */
interface ProbeVars {
  PROBES_PER_RUN?: string;
}

/** Defaults; PROBES_PER_RUN from the environment when set (a Free plan needs it under 50). */
export function probeDeps(env: Env, overrides: Partial<ProbeDeps> = {}): ProbeDeps {
  const max = Number((env as Env & ProbeVars).PROBES_PER_RUN);
  return {
    fetch: (url, init) => fetch(url, init),
    concurrency: PROBE_CONCURRENCY,
    maxPerRun: Number.isInteger(max) && max > 0 ? max : PROBES_PER_RUN,
    deadlineMs: RUN_DEADLINE_MS,
    clock: () => Date.now(),
    ...overrides,
  };
}

/** What a run did, for logs, tests and the bench. */
export interface ProbeRunSummary {
  due: number;
  checked: number;
  up: number;
  /** Due probes left for the next run (over the per-run cap or past the deadline). */
  deferred: number;
  /** Highest number of checks in flight at once. */
  peakInFlight: number;
}

/** One check of one probe, by kind. Never throws. */
export function checkProbe(
  p: Probe,
  at: number,
  deps: Pick<ProbeDeps, "fetch" | "connect">,
): Promise<CheckResult> {
  if (p.kind === "tcp") return checkTcp(p, at, deps.connect);
  return checkHttp({ ...p, headers: probeHeaders(p) }, at, deps.fetch);
}

/**
 * When a probe checked by the run at `at` is next due. Runs start on the
 * minute, so an interval is rounded up to whole minutes of cron.
 */
export function nextDue(at: number, intervalS: number): number {
  return at + intervalS * 1000;
}

/**
 * The cron's probing step: checks every enabled probe that is due (across
 * fleets, most overdue first), at most `concurrency` at once, and writes
 * each result (latest check and history) in batches. `now` is the run's
 * scheduled time, which every check of the run is recorded at.
 */
export async function runProbes(db: D1Database, now: number, deps: ProbeDeps): Promise<ProbeRunSummary> {
  const due = await drizzle(db)
    .select()
    .from(probes)
    .where(and(eq(probes.enabled, true), lte(probes.nextDueAt, now)))
    .orderBy(asc(probes.nextDueAt))
    .limit(deps.maxPerRun + 1)
    .all();
  const dueCount = due.length > deps.maxPerRun ? await countDue(db, now) : due.length;
  const batch = due.slice(0, deps.maxPerRun);
  const results = await checkAll(batch, now, deps);
  const stmts = results.flatMap(([p, r]) => resultStatements(db, p, r, nextDue(now, p.intervalS)));
  await runBatched(db, stmts);
  return {
    due: dueCount,
    checked: results.length,
    up: results.filter(([, r]) => r.outcome === "up").length,
    deferred: dueCount - results.length,
    peakInFlight: results.peak,
  };
}

async function countDue(db: D1Database, now: number): Promise<number> {
  const row = await db
    .prepare("SELECT count(*) AS n FROM probes WHERE enabled = 1 AND next_due_at <= ?1")
    .bind(now)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Checks probes with at most `deps.concurrency` in flight; none starts past the deadline. */
async function checkAll(
  list: Probe[],
  at: number,
  deps: ProbeDeps,
): Promise<[Probe, CheckResult][] & { peak: number }> {
  const started = deps.clock();
  const out = [] as unknown as [Probe, CheckResult][] & { peak: number };
  out.peak = 0;
  let inFlight = 0;
  await pool(list, deps.concurrency, async (p) => {
    if (deps.clock() - started > deps.deadlineMs) return;
    inFlight++;
    out.peak = Math.max(out.peak, inFlight);
    try {
      out.push([p, await checkProbe(p, at, deps)]);
    } finally {
      inFlight--;
    }
  });
  return out;
}
