import { zValidator } from "@hono/zod-validator";
import { and, asc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import type { z } from "zod";
import { RuleFields, type RuleSpec, ruleColumns, ruleProblem, ruleView } from "../alerts/rules";
import { ensureSeeded, rememberOrigin } from "../alerts/store";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { alertRules } from "../db/alerts-schema";
import { httpError } from "../http/errors";
import { jsonError } from "../http/validation";

/** POST and PUT: the essentials are required, the rest defaults. */
const RuleBody = RuleFields.partial().required({
  name: true,
  metric: true,
  comparator: true,
  threshold: true,
});
/** PATCH: any subset; the merged rule is checked as a whole. */
const RulePatch = RuleFields.partial();

function withDefaults(b: z.infer<typeof RuleBody>): RuleSpec {
  return {
    name: b.name,
    metric: b.metric,
    aggregation: b.aggregation ?? "avg",
    windowS: b.windowS ?? 300,
    comparator: b.comparator,
    threshold: b.threshold,
    clearThreshold: b.clearThreshold ?? b.threshold,
    forS: b.forS ?? 0,
    severity: b.severity ?? "warning",
    repeatS: b.repeatS ?? 0,
    enabled: b.enabled ?? true,
    hostMatch: b.hostMatch ?? "*",
    labelMatch: b.labelMatch ?? {},
  };
}

function checked(spec: RuleSpec): RuleSpec {
  const problem = ruleProblem(spec);
  if (problem) httpError(400, "invalid_request", `${problem.path}: ${problem.message}`);
  return spec;
}

function isUniqueViolation(e: unknown): boolean {
  return e instanceof Error && /UNIQUE constraint failed/i.test(`${e.message} ${String(e.cause ?? "")}`);
}

function nameTaken(name: string): never {
  httpError(409, "conflict", `a rule named "${name}" exists in this fleet`);
}

/**
 * Alert rules of a fleet. Fleet-wide: each rule applies to every host whose
 * hostname and labels match its globs, including hosts that join later.
 */
export const ruleRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>()
  .get("/api/fleets/:fleet/rules", requireFleetRole("viewer"), async (c) => {
    const fleetId = c.var.principal.fleetId;
    // Built-in rules appear as soon as a fleet's rules are first looked at.
    await ensureSeeded(c.env.DB, fleetId, Date.now());
    const rows = await drizzle(c.env.DB)
      .select()
      .from(alertRules)
      .where(eq(alertRules.fleetId, fleetId))
      .orderBy(asc(alertRules.createdAt), asc(alertRules.name))
      .all();
    return c.json({ rules: rows.map(ruleView) });
  })
  .get("/api/fleets/:fleet/rules/:id", requireFleetRole("viewer"), async (c) => {
    const row = await drizzle(c.env.DB)
      .select()
      .from(alertRules)
      .where(and(eq(alertRules.fleetId, c.var.principal.fleetId), eq(alertRules.id, c.req.param("id"))))
      .get();
    if (!row) httpError(404, "not_found", "no such rule");
    return c.json({ rule: ruleView(row) });
  })
  .post(
    "/api/fleets/:fleet/rules",
    requireFleetRole("admin"),
    zValidator("json", RuleBody, jsonError),
    async (c) => {
      const fleetId = c.var.principal.fleetId;
      const spec = checked(withDefaults(c.req.valid("json")));
      const now = Date.now();
      await ensureSeeded(c.env.DB, fleetId, now);
      await rememberOrigin(c.env.DB, fleetId, new URL(c.req.url).origin);
      const row = {
        ...ruleColumns(spec),
        id: `rule_${crypto.randomUUID()}`,
        fleetId,
        builtin: null,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await drizzle(c.env.DB).insert(alertRules).values(row);
      } catch (e) {
        if (isUniqueViolation(e)) nameTaken(spec.name);
        throw e;
      }
      return c.json({ rule: ruleView(row) }, 201);
    },
  )
  .put(
    "/api/fleets/:fleet/rules/:id",
    requireFleetRole("admin"),
    zValidator("json", RuleBody, jsonError),
    async (c) => {
      const spec = checked(withDefaults(c.req.valid("json")));
      return c.json({
        rule: await updateRule(c.env, c.var.principal.fleetId, c.req.param("id"), () => spec, c.req.url),
      });
    },
  )
  .patch(
    "/api/fleets/:fleet/rules/:id",
    requireFleetRole("admin"),
    zValidator("json", RulePatch, jsonError),
    async (c) => {
      const patch = c.req.valid("json");
      const rule = await updateRule(
        c.env,
        c.var.principal.fleetId,
        c.req.param("id"),
        (cur) => checked({ ...cur, ...patch }),
        c.req.url,
      );
      return c.json({ rule });
    },
  )
  .delete("/api/fleets/:fleet/rules/:id", requireFleetRole("admin"), async (c) => {
    // Open alerts of a deleted rule resolve at the next evaluation.
    const gone = await drizzle(c.env.DB)
      .delete(alertRules)
      .where(and(eq(alertRules.fleetId, c.var.principal.fleetId), eq(alertRules.id, c.req.param("id"))))
      .returning({ id: alertRules.id });
    if (gone.length === 0) httpError(404, "not_found", "no such rule");
    return c.body(null, 204);
  });

async function updateRule(
  env: Env,
  fleetId: string,
  id: string,
  next: (cur: RuleSpec) => RuleSpec,
  url: string,
) {
  const db = drizzle(env.DB);
  const where = and(eq(alertRules.fleetId, fleetId), eq(alertRules.id, id));
  const row = await db.select().from(alertRules).where(where).get();
  if (!row) httpError(404, "not_found", "no such rule");
  const { id: _id, builtin: _b, createdAt: _c, updatedAt: _u, ...cur } = ruleView(row);
  const spec = next(cur);
  const updatedAt = Date.now();
  try {
    await db
      .update(alertRules)
      .set({ ...ruleColumns(spec), updatedAt })
      .where(where);
  } catch (e) {
    if (isUniqueViolation(e)) nameTaken(spec.name);
    throw e;
  }
  await rememberOrigin(env.DB, fleetId, new URL(url).origin);
  return ruleView({ ...row, ...ruleColumns(spec), updatedAt });
}
