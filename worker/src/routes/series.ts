import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { MAX_TOP_HOSTS, mergeFleetSeries } from "../fleet/fleet-series";
import { RETENTION } from "../fleet/series";
import { fleetObjects, hostStub } from "../fleet/stub";
import { httpError } from "../http/errors";
import { jsonError } from "../http/validation";
import { parseSeriesKey } from "../metrics/catalog";
import type { SeriesExport } from "../metrics/types";

const ms = z.coerce.number().int().nonnegative();

const seriesKey = z
  .string()
  .max(300)
  .refine((k) => parseSeriesKey(k) !== undefined, "unknown metric; see docs/API.md for series keys");

/** Most series one export may name. */
export const MAX_EXPORT_SERIES = 200;

const range = {
  from: ms.optional(),
  to: ms.optional(),
  step: z.coerce.number().int().positive().max(86_400).optional(),
};

/** Defaults `to` to now and `from` to an hour before; refuses inverted and over-long ranges. */
function checkRange<T extends { from?: number; to?: number }>(q: T, ctx: z.RefinementCtx) {
  const to = q.to ?? Date.now();
  const from = q.from ?? to - 3_600_000;
  if (from >= to) ctx.addIssue({ code: "custom", path: ["from"], message: "from must be before to" });
  if (to - from > RETENTION["1h"])
    ctx.addIssue({ code: "custom", path: ["from"], message: "range exceeds 2 years" });
  return { from, to };
}

const SeriesQuery = z
  .strictObject({ metric: seriesKey, ...range })
  .transform((q, ctx) => ({ metric: q.metric, step: q.step, ...checkRange(q, ctx) }));

const ExportQuery = z
  .strictObject({
    // Repeat `metric` for several series; leave it out for every series the host has.
    metric: z.union([seriesKey, z.array(seriesKey).max(MAX_EXPORT_SERIES)]).optional(),
    format: z.enum(["csv", "json"]).default("csv"),
    ...range,
  })
  .transform((q, ctx) => ({
    metrics: q.metric === undefined ? [] : [q.metric].flat(),
    format: q.format,
    step: q.step,
    ...checkRange(q, ctx),
  }));

const FleetSeriesQuery = z
  .strictObject({
    metric: seriesKey,
    limit: z.coerce.number().int().min(1).max(MAX_TOP_HOSTS).default(10),
    by: z.enum(["avg", "max"]).default("avg"),
    ...range,
  })
  .transform((q, ctx) => ({
    metric: q.metric,
    limit: q.limit,
    by: q.by,
    ...(q.step === undefined ? {} : { stepS: q.step }),
    ...checkRange(q, ctx),
  }));

/** A CSV field: quoted when it holds a comma, quote or line break (series keys may name mounts). */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Long-format CSV: one line per series and point, ready for a spreadsheet or pandas. */
function toCsv(e: SeriesExport): string {
  const lines = ["time,time_ms,metric,min,avg,max,last"];
  for (const [metric, points] of Object.entries(e.series)) {
    const m = csvField(metric);
    for (const p of points) {
      lines.push(`${new Date(p.t).toISOString()},${p.t},${m},${p.min},${p.avg},${p.max},${p.last ?? ""}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * A host's history of one series (the tier is picked for the range), the
 * export of many, and the fleet's hosts ranked by one series.
 */
export const seriesRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>()
  .get(
    "/api/fleets/:fleet/series",
    requireFleetRole("viewer"),
    zValidator("query", FleetSeriesQuery, jsonError),
    async (c) => {
      const q = c.req.valid("query");
      // Each ingesting object ranks its own hosts; the best of their best are the fleet's.
      const parts = await Promise.all(
        fleetObjects(c.env, c.var.principal.fleetId).map((s) => s.fleetSeries(q)),
      );
      const merged = mergeFleetSeries(parts, q.limit);
      if (!merged) httpError(500, "internal", "the fleet has no objects");
      return c.json(merged);
    },
  )
  .get(
    "/api/fleets/:fleet/hosts/:host/series",
    requireFleetRole("viewer"),
    zValidator("query", SeriesQuery, jsonError),
    async (c) => {
      const q = c.req.valid("query");
      const hostId = c.req.param("host");
      const result = await hostStub(c.env, c.var.principal.fleetId, hostId).series(
        hostId,
        q.metric,
        q.from,
        q.to,
        q.step,
      );
      if (!result) httpError(404, "not_found", "no such host");
      return c.json(result);
    },
  )
  .get(
    "/api/fleets/:fleet/hosts/:host/export",
    requireFleetRole("viewer"),
    zValidator("query", ExportQuery, jsonError),
    async (c) => {
      const q = c.req.valid("query");
      const fleet = c.var.principal.fleetId;
      const hostId = c.req.param("host");
      const stub = hostStub(c.env, fleet, hostId);
      const [host, data] = await Promise.all([
        stub.getHost(hostId),
        stub.exportSeries(hostId, q.metrics, q.from, q.to, q.step),
      ]);
      if (!host || !data) httpError(404, "not_found", "no such host");
      const name = (host.info.hostname || hostId).replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 100);
      const file = `${name}-${new Date(q.from).toISOString().slice(0, 10)}-${q.format === "csv" ? "history.csv" : "history.json"}`;
      c.header("Content-Disposition", `attachment; filename="${file}"`);
      c.header("Cache-Control", "no-store");
      if (q.format === "json") return c.json({ host: { id: hostId, hostname: host.info.hostname }, ...data });
      return c.body(toCsv(data), 200, { "Content-Type": "text/csv; charset=utf-8" });
    },
  );
