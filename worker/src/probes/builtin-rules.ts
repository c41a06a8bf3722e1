import { drizzle } from "drizzle-orm/d1";
import { type RuleSpec, ruleColumns } from "../alerts/rules";
import { alertRules } from "../db/alerts-schema";

/** What both built-in probe rules share: the latest check of every probe, no repeats. */
const COMMON = {
  aggregation: "last",
  windowS: 60,
  repeatS: 0,
  enabled: true,
  hostMatch: "*",
  labelMatch: {},
} as const satisfies Partial<RuleSpec>;

const PROBE_BUILTINS: (RuleSpec & { builtin: string })[] = [
  {
    ...COMMON,
    builtin: "probe-down",
    name: "Probe down",
    metric: "probe.down:*",
    comparator: ">=",
    threshold: 2,
    // Firing until a check succeeds again (consecutive failures back to 0).
    clearThreshold: 1,
    forS: 0,
    severity: "critical",
  },
  {
    ...COMMON,
    builtin: "probe-slow",
    name: "Probe slow",
    metric: "probe.latency:*",
    comparator: ">",
    threshold: 2000,
    clearThreshold: 1500,
    forS: 300,
    severity: "warning",
  },
];

/**
 * Adds the built-in probe rules to a fleet: down for 2 consecutive checks
 * (critical), slower than 2 s for 5 minutes (warning). Called when a fleet
 * gets its first probe; a rule of the same name that exists is left alone.
 */
export async function seedProbeRules(db: D1Database, fleetId: string, now: number): Promise<void> {
  const rows = PROBE_BUILTINS.map((b) => ({
    ...ruleColumns(b),
    id: `rule_${b.builtin}_${crypto.randomUUID().slice(0, 8)}`,
    fleetId,
    createdAt: now,
    updatedAt: now,
  }));
  await drizzle(db).insert(alertRules).values(rows).onConflictDoNothing();
}
