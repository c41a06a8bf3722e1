import { signal } from "@preact/signals";
import type { RuleView } from "./alerts-api";

/** Percent levels at which a utilisation turns warning or critical (inclusive; Infinity: never). */
export interface Threshold {
  warning: number;
  critical: number;
}

/** The metrics the dashboard colours, by their catalog series name. */
export type ThresholdMetric = "cpu" | "mem" | "disk";

export type Thresholds = Record<ThresholdMetric, Threshold>;

/** Severity of one value against its threshold. */
export type Level = "ok" | "warning" | "critical";

/** Defaults for a metric the fleet has no fleet-wide alert rule on. */
export const DEFAULT_THRESHOLDS: Thresholds = {
  cpu: { warning: 80, critical: 90 },
  mem: { warning: 80, critical: 90 },
  disk: { warning: 80, critical: 90 },
};

/**
 * The thresholds in force. A signal so that loading (or editing) the fleet's
 * rules recolours every card without a reload.
 */
export const thresholds = signal<Thresholds>(DEFAULT_THRESHOLDS);

/** The fields of an alert rule that colour the dashboard. */
export type ThresholdRule = Pick<
  RuleView,
  "metric" | "comparator" | "threshold" | "severity" | "enabled" | "hostMatch" | "labelMatch"
>;

/**
 * Rule metrics that watch what the fleet views show: total CPU, memory, and
 * the disk figure (the root filesystem, or every mount).
 */
const RULE_METRIC: Readonly<Record<string, ThresholdMetric>> = {
  cpu: "cpu",
  mem: "mem",
  disk: "disk",
  "disk:*": "disk",
  "disk:/": "disk",
};

/**
 * The dashboard's thresholds from the fleet's alert rules, so a bar turns
 * amber or red where an alert of that severity would fire. Per metric, the
 * enabled fleet-wide rules (every host, no label match) that fire above a
 * value count: the lowest warning threshold and the lowest critical one.
 * With only warning rules nothing turns red (no rule would fire critical);
 * with only critical rules nothing turns amber. A metric with no such rule
 * keeps the 80/90 defaults.
 */
export function thresholdsFromRules(rules: readonly ThresholdRule[]): Thresholds {
  const out: Thresholds = { ...DEFAULT_THRESHOLDS };
  for (const metric of Object.keys(out) as ThresholdMetric[]) {
    const watching = rules.filter(
      (r) =>
        r.enabled &&
        RULE_METRIC[r.metric] === metric &&
        (r.comparator === ">" || r.comparator === ">=") &&
        r.hostMatch === "*" &&
        Object.keys(r.labelMatch).length === 0 &&
        Number.isFinite(r.threshold),
    );
    if (watching.length === 0) continue;
    const lowest = (severity: ThresholdRule["severity"]) =>
      Math.min(...watching.filter((r) => r.severity === severity).map((r) => r.threshold));
    const critical = lowest("critical");
    out[metric] = { warning: Math.min(lowest("warning"), critical), critical };
  }
  return out;
}

/** Level of a percentage; an absent value is `ok` (nothing to warn about). */
export function levelOf(value: number | undefined, t: Threshold): Level {
  if (value === undefined || !Number.isFinite(value)) return "ok";
  if (value >= t.critical) return "critical";
  if (value >= t.warning) return "warning";
  return "ok";
}

const RANK: Record<Level, number> = { ok: 0, warning: 1, critical: 2 };

/** The more severe of two levels. */
export function worstLevel(a: Level, b: Level): Level {
  return RANK[b] > RANK[a] ? b : a;
}
