import { zValidator } from "@hono/zod-validator";
import { and, desc, eq, gt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { z } from "zod";
import { parseMatchers } from "../alerts/silences";
import type { SilenceView } from "../alerts/views";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { randomId } from "../auth/secrets";
import { type AlertSilence, alertSilences, SEVERITIES } from "../db/alerts-schema";
import { httpError } from "../http/errors";
import { jsonError } from "../http/validation";

/** Silences longer than this are refused: disable the rule instead. */
const MAX_SILENCE_MS = 90 * 86_400_000;

const glob = z.string().min(1).max(253);

const Matchers = z
  .strictObject({
    rule: glob.optional(),
    host: glob.optional(),
    severity: z.enum(SEVERITIES).optional(),
    labels: z
      .record(z.string().min(1).max(63), glob)
      .refine((m) => Object.keys(m).length <= 16, "at most 16 label matchers")
      .optional(),
  })
  .refine(
    (m) => Object.values(m).some((v) => v !== undefined),
    'give at least one matcher (host: "*" mutes everything)',
  );

const SilenceBody = z
  .strictObject({
    matchers: Matchers,
    comment: z.string().max(500).optional(),
    startsAt: z.number().int().nonnegative().optional(),
    endsAt: z.number().int().positive().optional(),
    durationS: z
      .number()
      .int()
      .min(60)
      .max(MAX_SILENCE_MS / 1000)
      .optional(),
  })
  .superRefine((b, ctx) => {
    if ((b.endsAt === undefined) === (b.durationS === undefined)) {
      ctx.addIssue({ code: "custom", path: ["endsAt"], message: "give either endsAt or durationS" });
    }
  });

const ListQuery = z.strictObject({ state: z.enum(["active", "all"]).optional() });

function silenceView(s: AlertSilence, now: number): SilenceView {
  return {
    id: s.id,
    matchers: parseMatchers(s.matchers),
    comment: s.comment,
    createdBy: s.createdBy,
    startsAt: s.startsAt,
    endsAt: s.endsAt,
    active: s.startsAt <= now && now < s.endsAt,
    createdAt: s.createdAt,
  };
}

/** Silences: mute notifications of matching alerts until they expire. Evaluation goes on. */
export const silenceRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>()
  .get(
    "/api/fleets/:fleet/silences",
    requireFleetRole("viewer"),
    zValidator("query", ListQuery, jsonError),
    async (c) => {
      const now = Date.now();
      const all = c.req.valid("query").state === "all";
      const fleet = eq(alertSilences.fleetId, c.var.principal.fleetId);
      const rows = await drizzle(c.env.DB)
        .select()
        .from(alertSilences)
        .where(all ? fleet : and(fleet, gt(alertSilences.endsAt, now)))
        .orderBy(desc(alertSilences.createdAt))
        .limit(500)
        .all();
      return c.json({ silences: rows.map((s) => silenceView(s, now)) });
    },
  )
  .post(
    "/api/fleets/:fleet/silences",
    requireFleetRole("admin"),
    zValidator("json", SilenceBody, jsonError),
    async (c) => {
      const b = c.req.valid("json");
      const now = Date.now();
      const startsAt = b.startsAt ?? now;
      const endsAt = b.endsAt ?? startsAt + (b.durationS ?? 0) * 1000;
      if (endsAt <= Math.max(now, startsAt))
        httpError(400, "invalid_request", "endsAt: must be in the future and after startsAt");
      if (endsAt - startsAt > MAX_SILENCE_MS)
        httpError(400, "invalid_request", "endsAt: a silence lasts at most 90 days");
      const row: AlertSilence = {
        id: `sil_${randomId()}`,
        fleetId: c.var.principal.fleetId,
        matchers: JSON.stringify(b.matchers),
        comment: b.comment ?? "",
        createdBy: c.var.principal.tokenId,
        startsAt,
        endsAt,
        createdAt: now,
      };
      await drizzle(c.env.DB).insert(alertSilences).values(row);
      return c.json({ silence: silenceView(row, now) }, 201);
    },
  )
  .delete("/api/fleets/:fleet/silences/:id", requireFleetRole("admin"), async (c) => {
    // Expires the silence now; it stays listed (state=all) as history.
    const now = Date.now();
    const where = and(
      eq(alertSilences.fleetId, c.var.principal.fleetId),
      eq(alertSilences.id, c.req.param("id")),
    );
    const db = drizzle(c.env.DB);
    const row = await db.select().from(alertSilences).where(where).get();
    if (!row) httpError(404, "not_found", "no such silence");
    const endsAt = Math.min(row.endsAt, now);
    if (endsAt !== row.endsAt) await db.update(alertSilences).set({ endsAt }).where(where);
    return c.json({ silence: silenceView({ ...row, endsAt }, now) });
  });
