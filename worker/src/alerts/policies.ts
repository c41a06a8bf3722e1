import { asc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { type AlertPolicy, alertMuteIntervals, alertPolicies, SEVERITIES } from "../db/alerts-schema";
import { type Check, schemaCheck, tryDecodeStored } from "../db/stored-json";
import { type MuteSpec, muteActive, readMuteSpec } from "./mute";
import {
  DEFAULT_POLICY,
  DEFAULT_POLICY_ID,
  type GroupField,
  type Policy,
  type PolicyMatchers,
} from "./routing";

const glob = z.string().min(1).max(253);
const labelName = z.string().min(1).max(63);

/** A policy's matchers as the API takes them (none: every alert). */
export const PolicyMatchersSchema = z.strictObject({
  rule: glob.optional(),
  host: glob.optional(),
  severity: z.enum(SEVERITIES).optional(),
  labels: z
    .record(labelName, glob)
    .refine((m) => Object.keys(m).length <= 16, "at most 16 label matchers")
    .optional(),
});

export const GroupFieldSchema = z.union([
  z.enum(["rule", "severity", "host", "series", "..."]),
  z.templateLiteral(["label:", z.string().min(1).max(63)]),
]) as z.ZodType<GroupField>;

export const GroupBySchema = z
  .array(GroupFieldSchema)
  .max(8)
  .refine((g) => new Set(g).size === g.length, "each field at most once")
  .refine((g) => !g.includes("...") || g.length === 1, '"..." (one group per alert) stands alone');

/** Longest group_wait / group_interval: a day. */
export const MAX_GROUP_S = 86_400;

const checkMatchers: Check<PolicyMatchers> = schemaCheck(PolicyMatchersSchema);
const checkIds: Check<string[]> = schemaCheck(z.array(z.string()));
const checkGroupBy: Check<GroupField[]> = schemaCheck(GroupBySchema);

/** Matches no alert (no rule name contains NUL): what an unreadable matcher becomes. */
const NOTHING: PolicyMatchers = { rule: "\u0000" };

/**
 * A stored policy as routing uses it. Unreadable parts fail safe and are
 * logged with the row: matchers match nothing (the alert falls through to
 * later policies and the default), channels become every channel, grouping
 * one group per alert, mutes none.
 */
export function policyOf(row: AlertPolicy): Policy {
  const where = `alert_policies ${row.id}`;
  const read = <T>(text: string | null, check: Check<T>, field: string, fallback: T): T => {
    if (text === null) return fallback;
    const r = tryDecodeStored(text, check, `${where}: ${field}`);
    if (r.ok) return r.value;
    console.error(`alerts: ${r.error.message}`);
    return fallback;
  };
  return {
    // The default keeps one id whether or not it was ever saved, so its groups keep their keys.
    id: row.isDefault ? DEFAULT_POLICY_ID : row.id,
    name: row.name,
    matchers: row.isDefault ? {} : read(row.matchers, checkMatchers, "matchers", NOTHING),
    channelIds: read<string[] | null>(row.channelIds, checkIds, "channel_ids", null),
    continueMatching: row.continueMatching,
    groupBy: read<GroupField[]>(row.groupBy, checkGroupBy, "group_by", ["..."]),
    groupWaitS: row.groupWaitS,
    groupIntervalS: row.groupIntervalS,
    muteIntervalIds: read(row.muteIntervalIds, checkIds, "mute_interval_ids", []),
  };
}

/** A fleet's routing: ordered policies, the default, and mute intervals by id. */
export interface Routing {
  policies: Policy[];
  fallback: Policy;
  mutes: Map<string, MuteSpec>;
}

/** Reads a fleet's routing from D1. */
export async function loadRouting(db: D1Database, fleetId: string): Promise<Routing> {
  const d = drizzle(db);
  const [rows, mutes] = await Promise.all([
    d
      .select()
      .from(alertPolicies)
      .where(eq(alertPolicies.fleetId, fleetId))
      .orderBy(asc(alertPolicies.position), asc(alertPolicies.createdAt))
      .all(),
    d.select().from(alertMuteIntervals).where(eq(alertMuteIntervals.fleetId, fleetId)).all(),
  ]);
  const def = rows.find((r) => r.isDefault);
  return {
    policies: rows.filter((r) => !r.isDefault).map(policyOf),
    fallback: def ? policyOf(def) : { id: DEFAULT_POLICY_ID, ...DEFAULT_POLICY },
    mutes: new Map(mutes.map((m) => [m.id, readMuteSpec(m)])),
  };
}

/** Whether any of the policy's mute intervals is active at `now`. */
export function policyMuted(p: Policy, mutes: Map<string, MuteSpec>, now: number): boolean {
  return p.muteIntervalIds.some((id) => {
    const m = mutes.get(id);
    return m !== undefined && muteActive(m, now);
  });
}
