import { z } from "zod";
import { AGGREGATIONS, type AlertRule, COMPARATORS, SEVERITIES } from "../db/alerts-schema";
import { checkLabels, tryDecodeStored } from "../db/stored-json";
import { displayName } from "../http/text";
import { parseSeriesKey } from "../metrics/catalog";
import { isProbeMetric } from "../probes/keys";
import { isTrafficMetric } from "../traffic/keys";

/** The special metric of host-down rules: missed sampling intervals since the last sample. */
export const HOST_DOWN = "host.down";

const glob = z.string().min(1).max(253);

/** A rule's fields as the REST API reads and writes them, validated; the routes' bodies derive from it. */
export const RuleFields = z.strictObject({
  name: displayName,
  metric: z
    .string()
    .max(300)
    .refine(
      isRuleMetric,
      "unknown metric: a series key (cpu, disk:/), a pattern (disk:*), host.down, a probe key (probe.down:*) or a traffic quota (traffic.month.tx, traffic.month.rx:eth*)",
    ),
  aggregation: z.enum(AGGREGATIONS),
  windowS: z.number().int().min(60).max(3600),
  comparator: z.enum(COMPARATORS),
  threshold: z.number(),
  clearThreshold: z.number(),
  forS: z.number().int().min(0).max(86_400),
  severity: z.enum(SEVERITIES),
  repeatS: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400),
  enabled: z.boolean(),
  hostMatch: glob,
  labelMatch: z
    .record(z.string().min(1).max(63), glob)
    .refine((m) => Object.keys(m).length <= 16, "at most 16 label matchers"),
});

/** A complete rule as the REST API reads and writes it: what `RuleFields` accepts. */
export type RuleSpec = z.output<typeof RuleFields>;

/** A stored rule as the REST API returns it. */
export interface RuleView extends RuleSpec {
  id: string;
  builtin: string | null;
  createdAt: number;
  updatedAt: number;
}

/** Whether `metric` is something a rule can watch: a series key, a `name:*` pattern or `host.down`. */
export function isRuleMetric(metric: string): boolean {
  return (
    metric === HOST_DOWN ||
    parseSeriesKey(metric) !== undefined ||
    isProbeMetric(metric) ||
    isTrafficMetric(metric)
  );
}

/** What is wrong with a complete rule (beyond field types), naming the field; undefined when fine. */
export function ruleProblem(r: RuleSpec): { path: string; message: string } | undefined {
  if (!isRuleMetric(r.metric)) {
    return { path: "metric", message: `unknown metric "${r.metric}"; see docs/API.md for series keys` };
  }
  const upper = r.comparator === ">" || r.comparator === ">=";
  if (r.metric === HOST_DOWN) {
    if (!upper) return { path: "comparator", message: "host.down rules compare with > or >=" };
    if (r.threshold < 1)
      return { path: "threshold", message: "host.down threshold is missed intervals, at least 1" };
  }
  if (upper ? r.clearThreshold > r.threshold : r.clearThreshold < r.threshold) {
    return {
      path: "clearThreshold",
      message: `must be on the clear side of threshold (${upper ? "<=" : ">="} ${r.threshold})`,
    };
  }
  if (r.repeatS !== 0 && r.repeatS < 60) {
    return { path: "repeatS", message: "repeat interval is 0 (never) or at least 60 s" };
  }
  return undefined;
}

/** Row -> API view. */
export function ruleView(row: AlertRule): RuleView {
  return {
    id: row.id,
    name: row.name,
    metric: row.metric,
    aggregation: row.aggregation,
    windowS: row.windowS,
    comparator: row.comparator,
    threshold: row.threshold,
    clearThreshold: row.clearThreshold,
    forS: row.forS,
    severity: row.severity,
    repeatS: row.repeatS,
    enabled: row.enabled,
    hostMatch: row.hostMatch,
    labelMatch: parseLabels(row.labelMatch),
    builtin: row.builtin,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** API spec -> row columns. */
export function ruleColumns(spec: RuleSpec) {
  return { ...spec, labelMatch: JSON.stringify(spec.labelMatch) };
}

/**
 * Parses a stored `Record<string, string>` (rule label matchers, alert
 * labels) defensively: a bad row reads as no labels, logged with `where`,
 * rather than crashing a run.
 */
export function parseLabels(json: string, where = "stored labels"): Record<string, string> {
  const r = tryDecodeStored(json, checkLabels, where);
  if (r.ok) return r.value;
  console.error(`${r.error.message}; read as no labels`);
  return {};
}

const BUILTINS: (RuleSpec & { builtin: string })[] = [
  {
    builtin: "host-down",
    name: "Host down",
    metric: HOST_DOWN,
    aggregation: "last",
    windowS: 60,
    comparator: ">=",
    threshold: 3,
    clearThreshold: 3,
    forS: 0,
    severity: "critical",
    repeatS: 0,
    enabled: true,
    hostMatch: "*",
    labelMatch: {},
  },
  {
    builtin: "cpu",
    name: "CPU above 90 %",
    metric: "cpu",
    aggregation: "avg",
    windowS: 60,
    comparator: ">",
    threshold: 90,
    clearThreshold: 80,
    forS: 300,
    severity: "warning",
    repeatS: 0,
    enabled: true,
    hostMatch: "*",
    labelMatch: {},
  },
  {
    builtin: "mem",
    name: "Memory above 90 %",
    metric: "mem",
    aggregation: "avg",
    windowS: 60,
    comparator: ">",
    threshold: 90,
    clearThreshold: 85,
    forS: 300,
    severity: "warning",
    repeatS: 0,
    enabled: true,
    hostMatch: "*",
    labelMatch: {},
  },
  {
    builtin: "disk",
    name: "Disk above 90 %",
    metric: "disk:*",
    aggregation: "avg",
    windowS: 60,
    comparator: ">",
    threshold: 90,
    clearThreshold: 85,
    forS: 300,
    severity: "warning",
    repeatS: 0,
    enabled: true,
    hostMatch: "*",
    labelMatch: {},
  },
  // Containers come every 30 s: a 60 s window holds two readings, and a removed container's
  // series leaves it within a minute (no data: its alert resolves).
  containerRule("container-stopped", "Container stopped", "container.running:*", "<", 1, 1, 60),
  containerRule("container-unhealthy", "Container unhealthy", "container.unhealthy:*", ">=", 1, 1, 60),
  // container.restarts is a counter: the rule compares restarts within its 10-minute window.
  containerRule(
    "container-restarts",
    "Container restarted 3 times in 10 min",
    "container.restarts:*",
    ">=",
    3,
    1,
    600,
  ),
  // Failed units come every 30 s (the slow group); off until a fleet of systemd hosts turns it on.
  {
    builtin: "systemd-failed",
    name: "A systemd unit failed",
    metric: "systemd.failed",
    aggregation: "last",
    windowS: 60,
    comparator: ">",
    threshold: 0,
    clearThreshold: 0,
    forS: 0,
    severity: "warning",
    repeatS: 0,
    enabled: false,
    hostMatch: "*",
    labelMatch: {},
  },
  // Certificates come every 30 s from hosts whose agent checks them (--tls-check); without such
  // hosts a fleet has no tls.days series, so this rule, on by default, watches nothing there.
  // The 10-minute window holds a reading even at the slowest sampling interval (5 min).
  {
    builtin: "tls-expiry",
    name: "Certificate expires soon",
    metric: "tls.days:*",
    aggregation: "last",
    windowS: 600,
    comparator: "<",
    threshold: 14,
    clearThreshold: 14,
    forS: 0,
    severity: "warning",
    repeatS: 0,
    enabled: true,
    hostMatch: "*",
    labelMatch: {},
  },
];

/** A built-in container rule, disabled until a fleet with containers turns it on. */
function containerRule(
  builtin: string,
  name: string,
  metric: string,
  comparator: "<" | ">=",
  threshold: number,
  clearThreshold: number,
  windowS: number,
): RuleSpec & { builtin: string } {
  return {
    builtin,
    name,
    metric,
    aggregation: "last",
    windowS,
    comparator,
    threshold,
    clearThreshold,
    forS: 0,
    severity: "warning",
    repeatS: 0,
    enabled: false,
    hostMatch: "*",
    labelMatch: {},
  };
}

/**
 * The rules every fleet starts with (editable like any other): host down
 * (no sample for 3 intervals), CPU, memory and disk (per mount) above 90 %
 * for 5 minutes; a TLS certificate with less than 14 days left; container
 * stopped, unhealthy and restarting, and a failed systemd unit, disabled.
 */
export function builtinRules(fleetId: string, now = Date.now()): AlertRule[] {
  return BUILTINS.map((b) => ({
    ...ruleColumns(b),
    id: `rule_${b.builtin}_${crypto.randomUUID().slice(0, 8)}`,
    fleetId,
    builtin: b.builtin,
    createdAt: now,
    updatedAt: now,
  }));
}
