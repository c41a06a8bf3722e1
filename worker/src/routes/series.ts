import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { RETENTION } from "../fleet/series";
import { fleetStub } from "../fleet/stub";
import { httpError } from "../http/errors";
import { jsonError } from "../http/validation";
import { parseSeriesKey } from "../metrics/catalog";

const ms = z.coerce.number().int().nonnegative();

const SeriesQuery = z
  .strictObject({
    metric: z
      .string()
      .max(300)
      .refine((k) => parseSeriesKey(k) !== undefined, "unknown metric; see docs/API.md for series keys"),
    from: ms.optional(),
    to: ms.optional(),
    step: z.coerce.number().int().positive().max(86_400).optional(),
  })
  .transform((q, ctx) => {
    const to = q.to ?? Date.now();
    const from = q.from ?? to - 3_600_000;
    if (from >= to) ctx.addIssue({ code: "custom", path: ["from"], message: "from must be before to" });
    if (to - from > RETENTION["1h"])
      ctx.addIssue({ code: "custom", path: ["from"], message: "range exceeds 2 years" });
    return { metric: q.metric, from, to, step: q.step };
  });

/** A host's history of one series: the tier is picked for the range. */
export const seriesRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>().get(
  "/api/fleets/:fleet/hosts/:host/series",
  requireFleetRole("viewer"),
  zValidator("query", SeriesQuery, jsonError),
  async (c) => {
    const q = c.req.valid("query");
    const result = await fleetStub(c.env, c.var.principal.fleetId).series(
      c.req.param("host"),
      q.metric,
      q.from,
      q.to,
      q.step,
    );
    if (!result) httpError(404, "not_found", "no such host");
    return c.json(result);
  },
);
