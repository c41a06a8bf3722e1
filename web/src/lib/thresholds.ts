import { signal } from "@preact/signals";

/** Percent levels at which a utilisation turns warning or critical (inclusive). */
export interface Threshold {
  warning: number;
  critical: number;
}

/** The metrics the dashboard colours, by their catalog series name. */
export type ThresholdMetric = "cpu" | "mem" | "disk";

export type Thresholds = Record<ThresholdMetric, Threshold>;

/** Severity of one value against its threshold. */
export type Level = "ok" | "warning" | "critical";

/** Defaults until the fleet's alert rules can supply their own. */
export const DEFAULT_THRESHOLDS: Thresholds = {
  cpu: { warning: 80, critical: 90 },
  mem: { warning: 80, critical: 90 },
  disk: { warning: 80, critical: 90 },
};

/**
 * The thresholds in force. A signal so that, once the rules API exists,
 * loading the fleet's rules recolours every card without a reload.
 */
export const thresholds = signal<Thresholds>(DEFAULT_THRESHOLDS);

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
