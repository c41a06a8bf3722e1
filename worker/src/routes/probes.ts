import { zValidator } from "@hono/zod-validator";
import { and, asc, count, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { z } from "zod";
import { ensureSeeded, rememberOrigin } from "../alerts/store";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { type Probe, probes } from "../db/probes-schema";
import { fleetStub } from "../fleet/stub";
import { httpError } from "../http/errors";
import { jsonError } from "../http/validation";
import { seedProbeRules } from "../probes/builtin-rules";
import { DAY_MS, dayOf } from "../probes/history-codec";
import { checkProbe, probeDeps } from "../probes/runner";
import {
  ProbeFields,
  type ProbeSpec,
  probeColumns,
  probeProblem,
  probeSpecOf,
  probeView,
} from "../probes/spec";
import {
  checksSince,
  type DayRow,
  PROBE_HISTORY_DAYS,
  readDays,
  resultStatements,
  uptimeOf,
} from "../probes/store";

/** Probes per fleet at most: each is a subrequest a minute for the cron (probes/runner.ts). */
export const MAX_PROBES_PER_FLEET = 200;
/** Longest span of `results` in one call (a week of minute checks is ~10,000 rows of JSON). */
const MAX_RESULTS_SPAN_MS = 7 * DAY_MS;

/** POST and PUT: the essentials are required, the rest defaults. */
const ProbeBody = ProbeFields.partial().required({ name: true, target: true });
/** PATCH: any subset; the merged probe is checked as a whole. */
const ProbePatch = ProbeFields.partial();

const ResultsQuery = z.object({
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
});

function withDefaults(b: z.infer<typeof ProbeBody>): ProbeSpec {
  return {
    name: b.name,
    kind: b.kind ?? (b.target.includes("://") ? "http" : "tcp"),
    target: b.target,
    method: b.method ?? "GET",
    expectStatusMin: b.expectStatusMin ?? 200,
    expectStatusMax: b.expectStatusMax ?? b.expectStatusMin ?? 399,
    keyword: b.keyword ?? null,
    timeoutMs: b.timeoutMs ?? 10_000,
    followRedirects: b.followRedirects ?? true,
    headers: b.headers ?? {},
    intervalS: b.intervalS ?? 60,
    enabled: b.enabled ?? true,
    hostId: b.hostId ?? null,
  };
}

function checked(spec: ProbeSpec): ProbeSpec {
  const problem = probeProblem(spec);
  if (problem) httpError(400, "invalid_request", `${problem.path}: ${problem.message}`);
  return spec;
}

/** A linked host must be one of the fleet's own: another fleet's id reads as unknown. */
async function checkHost(env: Env, fleetId: string, hostId: string | null): Promise<void> {
  if (hostId !== null && !(await fleetStub(env, fleetId).getHost(hostId))) {
    httpError(400, "invalid_request", "hostId: no such host in this fleet");
  }
}

function isUniqueViolation(e: unknown): boolean {
  return e instanceof Error && /UNIQUE constraint failed/i.test(`${e.message} ${String(e.cause ?? "")}`);
}

function nameTaken(name: string): never {
  httpError(409, "conflict", `a probe named "${name}" exists in this fleet`);
}

/** The probe's view with its uptime (24 h, 7 d, 30 d) from its day rows. */
function withUptime(row: Probe, days: DayRow[], now: number) {
  return { ...probeView(row), uptime: uptimeOf(days, now) };
}

/** Day rows of the last 30 days, checks packed only for today and yesterday (the 24 h uptime). */
function uptimeDays(db: D1Database, fleetId: string, now: number, probeId?: string) {
  const today = dayOf(now);
  return readDays(db, fleetId, today - 29, { probeId, dataFromDay: today - 1 });
}

async function findProbe(env: Env, fleetId: string, id: string): Promise<Probe> {
  const row = await drizzle(env.DB)
    .select()
    .from(probes)
    .where(and(eq(probes.fleetId, fleetId), eq(probes.id, id)))
    .get();
  if (!row) httpError(404, "not_found", "no such probe");
  return row;
}

/**
 * Uptime probes of a fleet, checked from the edge by the minute cron
 * (probes/runner.ts). Viewers read them and their results; admins manage them.
 */
export const probeRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>()
  .get("/api/fleets/:fleet/probes", requireFleetRole("viewer"), async (c) => {
    const fleetId = c.var.principal.fleetId;
    const now = Date.now();
    const [rows, days] = await Promise.all([
      drizzle(c.env.DB)
        .select()
        .from(probes)
        .where(eq(probes.fleetId, fleetId))
        .orderBy(asc(probes.name))
        .all(),
      uptimeDays(c.env.DB, fleetId, now),
    ]);
    const byProbe = new Map<string, DayRow[]>();
    for (const d of days) byProbe.set(d.probeId, [...(byProbe.get(d.probeId) ?? []), d]);
    return c.json({ probes: rows.map((r) => withUptime(r, byProbe.get(r.id) ?? [], now)) });
  })
  .get("/api/fleets/:fleet/probes/:id", requireFleetRole("viewer"), async (c) => {
    const fleetId = c.var.principal.fleetId;
    const row = await findProbe(c.env, fleetId, c.req.param("id"));
    const now = Date.now();
    return c.json({ probe: withUptime(row, await uptimeDays(c.env.DB, fleetId, now, row.id), now) });
  })
  .get(
    "/api/fleets/:fleet/probes/:id/results",
    requireFleetRole("viewer"),
    zValidator("query", ResultsQuery, jsonError),
    async (c) => {
      const fleetId = c.var.principal.fleetId;
      const row = await findProbe(c.env, fleetId, c.req.param("id"));
      const q = c.req.valid("query");
      const to = q.to ?? Date.now();
      const from = q.from ?? to - DAY_MS;
      if (from > to) httpError(400, "invalid_request", "from: must not be after to");
      if (to - from > MAX_RESULTS_SPAN_MS)
        httpError(400, "invalid_request", "from: at most 7 days before to");
      const days = await readDays(c.env.DB, fleetId, dayOf(from), { probeId: row.id });
      const results = checksSince(
        days.filter((d) => d.day <= dayOf(to)),
        from,
        to,
      ).map((e) => ({ ...e, up: e.outcome === "up" }));
      return c.json({ from, to, results });
    },
  )
  .get("/api/fleets/:fleet/probes/:id/days", requireFleetRole("viewer"), async (c) => {
    const fleetId = c.var.principal.fleetId;
    const row = await findProbe(c.env, fleetId, c.req.param("id"));
    const today = dayOf(Date.now());
    const days = await readDays(c.env.DB, fleetId, today - PROBE_HISTORY_DAYS + 1, {
      probeId: row.id,
      dataFromDay: today + 1,
    });
    return c.json({ days: days.map(dayView) });
  })
  .post(
    "/api/fleets/:fleet/probes",
    requireFleetRole("admin"),
    zValidator("json", ProbeBody, jsonError),
    async (c) => {
      const fleetId = c.var.principal.fleetId;
      const spec = checked(withDefaults(c.req.valid("json")));
      await checkHost(c.env, fleetId, spec.hostId);
      const db = drizzle(c.env.DB);
      const have =
        (await db.select({ n: count() }).from(probes).where(eq(probes.fleetId, fleetId)).get())?.n ?? 0;
      if (have >= MAX_PROBES_PER_FLEET) {
        httpError(400, "invalid_request", `a fleet has at most ${MAX_PROBES_PER_FLEET} probes`);
      }
      const now = Date.now();
      const row: Probe = {
        ...probeColumns(spec),
        id: `probe_${crypto.randomUUID()}`,
        fleetId,
        createdAt: now,
        updatedAt: now,
        nextDueAt: now,
        lastCheckedAt: null,
        lastUp: null,
        lastLatencyMs: null,
        lastStatus: null,
        lastError: null,
        failures: 0,
        changedAt: null,
      };
      try {
        await db.insert(probes).values(row);
      } catch (e) {
        if (isUniqueViolation(e)) nameTaken(spec.name);
        throw e;
      }
      // A fleet's first probe brings the built-in probe rules (after the
      // host rules, so seeding those later does not skip them).
      if (have === 0) {
        await ensureSeeded(c.env.DB, fleetId, now);
        await seedProbeRules(c.env.DB, fleetId, now);
      }
      await rememberOrigin(c.env.DB, fleetId, new URL(c.req.url).origin);
      return c.json({ probe: withUptime(row, [], now) }, 201);
    },
  )
  .put(
    "/api/fleets/:fleet/probes/:id",
    requireFleetRole("admin"),
    zValidator("json", ProbeBody, jsonError),
    async (c) => {
      const spec = checked(withDefaults(c.req.valid("json")));
      const probe = await updateProbe(c.env, c.var.principal.fleetId, c.req.param("id"), () => spec);
      return c.json({ probe });
    },
  )
  .patch(
    "/api/fleets/:fleet/probes/:id",
    requireFleetRole("admin"),
    zValidator("json", ProbePatch, jsonError),
    async (c) => {
      const patch = c.req.valid("json");
      const probe = await updateProbe(c.env, c.var.principal.fleetId, c.req.param("id"), (cur) =>
        checked({ ...cur, ...patch }),
      );
      return c.json({ probe });
    },
  )
  .delete("/api/fleets/:fleet/probes/:id", requireFleetRole("admin"), async (c) => {
    // Its history goes with it (ON DELETE CASCADE); its open alerts resolve at the next evaluation.
    const gone = await drizzle(c.env.DB)
      .delete(probes)
      .where(and(eq(probes.fleetId, c.var.principal.fleetId), eq(probes.id, c.req.param("id"))))
      .returning({ id: probes.id });
    if (gone.length === 0) httpError(404, "not_found", "no such probe");
    return c.body(null, 204);
  })
  .post("/api/fleets/:fleet/probes/:id/check", requireFleetRole("admin"), async (c) => {
    // Checks now, recorded like a cron check; the schedule stays as it is.
    const row = await findProbe(c.env, c.var.principal.fleetId, c.req.param("id"));
    const now = Date.now();
    const result = await checkProbe(row, now, probeDeps(c.env));
    await c.env.DB.batch(resultStatements(c.env.DB, row, result, row.nextDueAt));
    return c.json({ result: { ...result, up: result.outcome === "up" } });
  });

function dayView(d: DayRow) {
  return {
    day: d.day * DAY_MS,
    checks: d.checks,
    up: d.up,
    latencyAvgMs: d.up > 0 ? Math.round(d.latencySum / d.up) : null,
    latencyMaxMs: d.up > 0 ? d.latencyMax : null,
  };
}

async function updateProbe(env: Env, fleetId: string, id: string, next: (cur: ProbeSpec) => ProbeSpec) {
  const db = drizzle(env.DB);
  const row = await findProbe(env, fleetId, id);
  const cur = probeSpecOf(row);
  const spec = next(cur);
  // A host deleted since it was linked does not block other edits.
  if (spec.hostId !== row.hostId) await checkHost(env, fleetId, spec.hostId);
  const now = Date.now();
  // A changed probe is checked at the next cron run.
  const update = { ...probeColumns(spec), updatedAt: now, nextDueAt: Math.min(row.nextDueAt, now) };
  try {
    await db
      .update(probes)
      .set(update)
      .where(and(eq(probes.fleetId, fleetId), eq(probes.id, id)));
  } catch (e) {
    if (isUniqueViolation(e)) nameTaken(spec.name);
    throw e;
  }
  const now2 = Date.now();
  return withUptime({ ...row, ...update }, await uptimeDays(env.DB, fleetId, now2, id), now2);
}
