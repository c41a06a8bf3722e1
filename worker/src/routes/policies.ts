import { zValidator } from "@hono/zod-validator";
import { and, asc, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { z } from "zod";
import {
  isTimeZone,
  type MuteSpec,
  MuteTimesSchema,
  MuteWindowSchema,
  muteActive,
  readMuteSpec,
} from "../alerts/mute";
import { GroupBySchema, MAX_GROUP_S, PolicyMatchersSchema, policyOf } from "../alerts/policies";
import { DEFAULT_POLICY, DEFAULT_POLICY_ID, type Policy } from "../alerts/routing";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { randomId } from "../auth/secrets";
import {
  type AlertMuteInterval,
  type AlertPolicy,
  alertMuteIntervals,
  alertPolicies,
} from "../db/alerts-schema";
import { httpError } from "../http/errors";
import { displayName } from "../http/text";
import { jsonError } from "../http/validation";

/** Policies per fleet at most (each alert walks the list at every dispatch). */
const MAX_POLICIES = 100;
const MAX_MUTE_INTERVALS = 50;

const seconds = z.number().int().min(0).max(MAX_GROUP_S);
const ids = z.array(z.string().min(1).max(64)).max(32);

const PolicyFields = {
  matchers: PolicyMatchersSchema,
  /** null: every enabled channel of the fleet; []: none (the matched alerts are not notified). */
  channelIds: ids.nullable(),
  continue: z.boolean(),
  groupBy: GroupBySchema,
  groupWaitS: seconds,
  groupIntervalS: seconds,
  muteIntervalIds: ids,
};

const PolicyBody = z.strictObject({
  name: displayName,
  ...PolicyFields,
  matchers: PolicyFields.matchers.optional(),
  channelIds: PolicyFields.channelIds.optional(),
  continue: PolicyFields.continue.optional(),
  groupBy: PolicyFields.groupBy.optional(),
  groupWaitS: PolicyFields.groupWaitS.optional(),
  groupIntervalS: PolicyFields.groupIntervalS.optional(),
  muteIntervalIds: PolicyFields.muteIntervalIds.optional(),
  /** Index in the list (0: first); the end when absent. */
  position: z.number().int().min(0).optional(),
});

const PolicyPatch = PolicyBody.omit({ position: true }).partial();

const OrderBody = z.strictObject({ ids: z.array(z.string()).max(MAX_POLICIES) });

const MuteBody = z
  .strictObject({
    name: displayName,
    timeZone: z.string().max(64).refine(isTimeZone, "an IANA time zone such as Europe/Berlin or UTC"),
    times: z.array(MuteTimesSchema).max(16).optional(),
    windows: z.array(MuteWindowSchema).max(16).optional(),
  })
  .refine((m) => (m.times?.length ?? 0) + (m.windows?.length ?? 0) > 0, {
    message: "give times (recurring) or windows (one-off), or both",
    path: ["times"],
  });

const MutePatch = z.strictObject({
  name: displayName.optional(),
  timeZone: z
    .string()
    .max(64)
    .refine(isTimeZone, "an IANA time zone such as Europe/Berlin or UTC")
    .optional(),
  times: z.array(MuteTimesSchema).max(16).optional(),
  windows: z.array(MuteWindowSchema).max(16).optional(),
});

/** A policy as the API returns it. */
export interface PolicyView {
  id: string;
  name: string;
  isDefault: boolean;
  matchers: Policy["matchers"];
  channelIds: string[] | null;
  continue: boolean;
  groupBy: Policy["groupBy"];
  groupWaitS: number;
  groupIntervalS: number;
  muteIntervalIds: string[];
}

/** A mute interval as the API returns it. */
export interface MuteIntervalView {
  id: string;
  name: string;
  timeZone: string;
  times: MuteSpec["times"];
  windows: MuteSpec["windows"];
  /** It mutes now. */
  active: boolean;
  createdAt: number;
  updatedAt: number;
}

function policyView(p: Policy, isDefault: boolean): PolicyView {
  return {
    id: isDefault ? DEFAULT_POLICY_ID : p.id,
    name: p.name,
    isDefault,
    matchers: p.matchers,
    channelIds: p.channelIds,
    continue: p.continueMatching,
    groupBy: p.groupBy,
    groupWaitS: p.groupWaitS,
    groupIntervalS: p.groupIntervalS,
    muteIntervalIds: p.muteIntervalIds,
  };
}

function muteView(m: AlertMuteInterval, now: number): MuteIntervalView {
  const spec = readMuteSpec(m);
  return {
    id: m.id,
    name: m.name,
    timeZone: m.timeZone,
    times: spec.times,
    windows: spec.windows,
    active: muteActive(spec, now),
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

async function policyRows(db: D1Database, fleetId: string): Promise<AlertPolicy[]> {
  return drizzle(db)
    .select()
    .from(alertPolicies)
    .where(eq(alertPolicies.fleetId, fleetId))
    .orderBy(asc(alertPolicies.position), asc(alertPolicies.createdAt))
    .all();
}

async function listView(db: D1Database, fleetId: string): Promise<PolicyView[]> {
  const rows = await policyRows(db, fleetId);
  const def = rows.find((r) => r.isDefault);
  return [
    ...rows.filter((r) => !r.isDefault).map((r) => policyView(policyOf(r), false)),
    policyView(def ? policyOf(def) : { id: DEFAULT_POLICY_ID, ...DEFAULT_POLICY }, true),
  ];
}

/** Refuses channel and mute interval ids that are not this fleet's (fleets never see each other's). */
async function checkRefs(
  db: D1Database,
  fleetId: string,
  b: { channelIds?: string[] | null; muteIntervalIds?: string[] },
): Promise<void> {
  const refs = [
    { field: "channelIds", what: "channel", table: "alert_channels", ids: b.channelIds ?? [] },
    {
      field: "muteIntervalIds",
      what: "mute interval",
      table: "alert_mute_intervals",
      ids: b.muteIntervalIds ?? [],
    },
  ];
  for (const r of refs) {
    if (r.ids.length === 0) continue;
    const rows = await db
      .prepare(`SELECT id FROM ${r.table} WHERE fleet_id = ?1`)
      .bind(fleetId)
      .all<{ id: string }>();
    const have = new Set(rows.results.map((x) => x.id));
    const missing = r.ids.filter((id) => !have.has(id));
    if (missing.length > 0)
      httpError(400, "invalid_request", `${r.field}: no ${r.what} ${missing.join(", ")} in this fleet`);
  }
}

function rowFields(b: z.infer<typeof PolicyPatch>): Partial<AlertPolicy> {
  const out: Partial<AlertPolicy> = {};
  if (b.name !== undefined) out.name = b.name;
  if (b.matchers !== undefined) out.matchers = JSON.stringify(b.matchers);
  if (b.channelIds !== undefined)
    out.channelIds = b.channelIds === null ? null : JSON.stringify(b.channelIds);
  if (b.continue !== undefined) out.continueMatching = b.continue;
  if (b.groupBy !== undefined) out.groupBy = JSON.stringify(b.groupBy);
  if (b.groupWaitS !== undefined) out.groupWaitS = b.groupWaitS;
  if (b.groupIntervalS !== undefined) out.groupIntervalS = b.groupIntervalS;
  if (b.muteIntervalIds !== undefined) out.muteIntervalIds = JSON.stringify(b.muteIntervalIds);
  return out;
}

/** Rewrites positions 0..n-1 in the given order. */
function reorder(db: D1Database, ordered: string[]): D1PreparedStatement[] {
  return ordered.map((id, i) =>
    db.prepare("UPDATE alert_policies SET position = ?2 WHERE id = ?1").bind(id, i),
  );
}

/**
 * Notification policies (ordered routes from alerts to channels, with
 * grouping) and mute time intervals. Reading needs a viewer; changing an admin.
 */
export const policyRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>()
  .get("/api/fleets/:fleet/policies", requireFleetRole("viewer"), async (c) => {
    return c.json({ policies: await listView(c.env.DB, c.var.principal.fleetId) });
  })
  .post(
    "/api/fleets/:fleet/policies",
    requireFleetRole("admin"),
    zValidator("json", PolicyBody, jsonError),
    async (c) => {
      const b = c.req.valid("json");
      const fleetId = c.var.principal.fleetId;
      await checkRefs(c.env.DB, fleetId, b);
      const rows = (await policyRows(c.env.DB, fleetId)).filter((r) => !r.isDefault);
      if (rows.length >= MAX_POLICIES)
        httpError(409, "limit_reached", `a fleet has at most ${MAX_POLICIES} policies`);
      const now = Date.now();
      const row: AlertPolicy = {
        id: `pol_${randomId()}`,
        fleetId,
        position: rows.length,
        isDefault: false,
        createdAt: now,
        updatedAt: now,
        name: b.name,
        matchers: "{}",
        channelIds: null,
        continueMatching: false,
        groupBy: JSON.stringify(DEFAULT_POLICY.groupBy),
        groupWaitS: DEFAULT_POLICY.groupWaitS,
        groupIntervalS: DEFAULT_POLICY.groupIntervalS,
        muteIntervalIds: "[]",
        ...rowFields(b),
      };
      const order = rows.map((r) => r.id);
      order.splice(Math.min(b.position ?? order.length, order.length), 0, row.id);
      await drizzle(c.env.DB).insert(alertPolicies).values(row);
      await c.env.DB.batch(reorder(c.env.DB, order));
      return c.json(
        { policy: policyView(policyOf(row), false), policies: await listView(c.env.DB, fleetId) },
        201,
      );
    },
  )
  .put(
    "/api/fleets/:fleet/policies/order",
    requireFleetRole("admin"),
    zValidator("json", OrderBody, jsonError),
    async (c) => {
      const fleetId = c.var.principal.fleetId;
      const want = c.req.valid("json").ids;
      const have = (await policyRows(c.env.DB, fleetId)).filter((r) => !r.isDefault).map((r) => r.id);
      if (
        want.length !== have.length ||
        new Set(want).size !== want.length ||
        want.some((id) => !have.includes(id))
      )
        httpError(
          400,
          "invalid_request",
          "ids: list every policy of the fleet once (the default stays last)",
        );
      await c.env.DB.batch(reorder(c.env.DB, want));
      return c.json({ policies: await listView(c.env.DB, fleetId) });
    },
  )
  .patch(
    "/api/fleets/:fleet/policies/:id",
    requireFleetRole("admin"),
    zValidator("json", PolicyPatch, jsonError),
    async (c) => {
      const b = c.req.valid("json");
      const fleetId = c.var.principal.fleetId;
      const id = c.req.param("id");
      await checkRefs(c.env.DB, fleetId, b);
      const now = Date.now();
      const d = drizzle(c.env.DB);
      if (id === DEFAULT_POLICY_ID) {
        if (b.matchers !== undefined || b.continue !== undefined)
          httpError(
            400,
            "invalid_request",
            "the default policy takes every alert no other policy took: it has no matchers and no continue",
          );
        const existing = (await policyRows(c.env.DB, fleetId)).find((r) => r.isDefault);
        if (existing) {
          await d
            .update(alertPolicies)
            .set({ ...rowFields(b), updatedAt: now })
            .where(eq(alertPolicies.id, existing.id));
        } else {
          await d.insert(alertPolicies).values({
            id: `pol_${randomId()}`,
            fleetId,
            position: MAX_POLICIES,
            isDefault: true,
            matchers: "{}",
            channelIds: null,
            continueMatching: false,
            groupBy: JSON.stringify(DEFAULT_POLICY.groupBy),
            groupWaitS: DEFAULT_POLICY.groupWaitS,
            groupIntervalS: DEFAULT_POLICY.groupIntervalS,
            muteIntervalIds: "[]",
            createdAt: now,
            ...rowFields(b),
            name: b.name ?? DEFAULT_POLICY.name,
            updatedAt: now,
          });
        }
      } else {
        const gone = await d
          .update(alertPolicies)
          .set({ ...rowFields(b), updatedAt: now })
          .where(
            and(
              eq(alertPolicies.fleetId, fleetId),
              eq(alertPolicies.id, id),
              eq(alertPolicies.isDefault, false),
            ),
          )
          .returning({ id: alertPolicies.id });
        if (gone.length === 0) httpError(404, "not_found", "no such policy");
      }
      const policies = await listView(c.env.DB, fleetId);
      return c.json({ policy: policies.find((p) => p.id === id), policies });
    },
  )
  .delete("/api/fleets/:fleet/policies/:id", requireFleetRole("admin"), async (c) => {
    const fleetId = c.var.principal.fleetId;
    const id = c.req.param("id");
    if (id === DEFAULT_POLICY_ID)
      httpError(400, "invalid_request", "the default policy cannot be deleted; change it instead");
    const gone = await drizzle(c.env.DB)
      .delete(alertPolicies)
      .where(
        and(eq(alertPolicies.fleetId, fleetId), eq(alertPolicies.id, id), eq(alertPolicies.isDefault, false)),
      )
      .returning({ id: alertPolicies.id });
    if (gone.length === 0) httpError(404, "not_found", "no such policy");
    // Its open groups finish under the default policy (alerts/dispatch.ts).
    return c.body(null, 204);
  })
  .get("/api/fleets/:fleet/mute-intervals", requireFleetRole("viewer"), async (c) => {
    const now = Date.now();
    const rows = await drizzle(c.env.DB)
      .select()
      .from(alertMuteIntervals)
      .where(eq(alertMuteIntervals.fleetId, c.var.principal.fleetId))
      .orderBy(asc(alertMuteIntervals.name))
      .all();
    return c.json({ muteIntervals: rows.map((r) => muteView(r, now)) });
  })
  .post(
    "/api/fleets/:fleet/mute-intervals",
    requireFleetRole("admin"),
    zValidator("json", MuteBody, jsonError),
    async (c) => {
      const b = c.req.valid("json");
      const fleetId = c.var.principal.fleetId;
      const d = drizzle(c.env.DB);
      const [count] = await d
        .select({ n: sql<number>`count(*)` })
        .from(alertMuteIntervals)
        .where(eq(alertMuteIntervals.fleetId, fleetId))
        .all();
      if ((count?.n ?? 0) >= MAX_MUTE_INTERVALS)
        httpError(409, "limit_reached", `a fleet has at most ${MAX_MUTE_INTERVALS} mute intervals`);
      const now = Date.now();
      const row: AlertMuteInterval = {
        id: `mute_${randomId()}`,
        fleetId,
        name: b.name,
        timeZone: b.timeZone,
        times: JSON.stringify(b.times ?? []),
        windows: JSON.stringify(b.windows ?? []),
        createdAt: now,
        updatedAt: now,
      };
      const inserted = await d
        .insert(alertMuteIntervals)
        .values(row)
        .onConflictDoNothing()
        .returning({ id: alertMuteIntervals.id });
      if (inserted.length === 0) httpError(409, "conflict", `a mute interval named "${b.name}" exists`);
      return c.json({ muteInterval: muteView(row, now) }, 201);
    },
  )
  .patch(
    "/api/fleets/:fleet/mute-intervals/:id",
    requireFleetRole("admin"),
    zValidator("json", MutePatch, jsonError),
    async (c) => {
      const b = c.req.valid("json");
      const where = and(
        eq(alertMuteIntervals.fleetId, c.var.principal.fleetId),
        eq(alertMuteIntervals.id, c.req.param("id")),
      );
      const d = drizzle(c.env.DB);
      const row = await d.select().from(alertMuteIntervals).where(where).get();
      if (!row) httpError(404, "not_found", "no such mute interval");
      const now = Date.now();
      const next: AlertMuteInterval = {
        ...row,
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.timeZone !== undefined ? { timeZone: b.timeZone } : {}),
        ...(b.times !== undefined ? { times: JSON.stringify(b.times) } : {}),
        ...(b.windows !== undefined ? { windows: JSON.stringify(b.windows) } : {}),
        updatedAt: now,
      };
      if (next.times === "[]" && next.windows === "[]")
        httpError(400, "invalid_request", "times: give times (recurring) or windows (one-off), or both");
      try {
        await d.update(alertMuteIntervals).set(next).where(where);
      } catch (e) {
        if (String(e).includes("UNIQUE"))
          httpError(409, "conflict", `a mute interval named "${next.name}" exists`);
        throw e;
      }
      return c.json({ muteInterval: muteView(next, now) });
    },
  )
  .delete("/api/fleets/:fleet/mute-intervals/:id", requireFleetRole("admin"), async (c) => {
    const fleetId = c.var.principal.fleetId;
    const id = c.req.param("id");
    const users = (await policyRows(c.env.DB, fleetId)).filter((r) =>
      policyOf(r).muteIntervalIds.includes(id),
    );
    if (users.length > 0)
      httpError(
        409,
        "in_use",
        `used by ${users.length === 1 ? "policy" : "policies"} ${users.map((u) => `"${u.isDefault ? "Default" : u.name}"`).join(", ")}; take it out of them first`,
      );
    const gone = await drizzle(c.env.DB)
      .delete(alertMuteIntervals)
      .where(and(eq(alertMuteIntervals.fleetId, fleetId), eq(alertMuteIntervals.id, id)))
      .returning({ id: alertMuteIntervals.id });
    if (gone.length === 0) httpError(404, "not_found", "no such mute interval");
    return c.body(null, 204);
  });
