import type { Comparator } from "../db/alerts-schema";

/** `for` is measured between evaluations, which run about a minute apart: allow a little jitter. */
export const FOR_SLACK_MS = 5_000;

/** Whether `value comparator threshold` holds. */
export function compare(value: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
  }
}

/** What the state machine needs of a rule. */
export interface StepRule {
  comparator: Comparator;
  threshold: number;
  clearThreshold: number;
  forS: number;
  repeatS: number;
}

/** The open episode of an alert (a resolved one is history: the next crossing starts anew). */
export interface OpenAlert {
  state: "pending" | "firing";
  pendingSince: number;
  lastNotifiedAt: number | null;
}

/** The transition one evaluation asks for. */
export type Step =
  /** Nothing to write. */
  | { to: "same" }
  /** Open a pending episode (value crossed the threshold, `for` not yet held). */
  | { to: "pending" }
  /** Fire: open an episode straight to firing (`for` 0) or promote the pending one. */
  | { to: "firing"; notify: boolean }
  /** The pending episode cleared before `for`: it never fired, forget it. */
  | { to: "inactive" }
  /** The firing episode crossed the clear threshold (or lost its data). */
  | { to: "resolved"; notify: boolean }
  /** Still firing; notify now (first time after a silence, or the repeat interval passed). */
  | { to: "notify"; event: "firing" | "repeat" };

/**
 * One evaluation of one (rule, host, series). `value` undefined means no
 * data (host gone, no samples in the window, rule no longer matches it).
 *
 * inactive -> pending when the value crosses the threshold; pending ->
 * firing once it has held for `for`; pending -> inactive when it stops
 * crossing (no notification was ever sent, so flapping around the threshold
 * is silent). firing stays while the value is still on the firing side of the
 * clear threshold (hysteresis) and resolves only when it crosses it. A
 * resolved episode is closed: firing again takes a new crossing plus `for`.
 *
 * Silences mute notifications, never transitions. A resolve is announced
 * only when the firing was (a receiver must not be left with an open
 * incident, nor told about one it never saw).
 */
export function stepAlert(
  rule: StepRule,
  open: OpenAlert | undefined,
  value: number | undefined,
  now: number,
  silenced: boolean,
): Step {
  const crossing = value !== undefined && compare(value, rule.comparator, rule.threshold);
  if (!open) {
    if (!crossing) return { to: "same" };
    return rule.forS === 0 ? { to: "firing", notify: !silenced } : { to: "pending" };
  }
  if (open.state === "pending") {
    if (!crossing) return { to: "inactive" };
    if (now - open.pendingSince + FOR_SLACK_MS >= rule.forS * 1000)
      return { to: "firing", notify: !silenced };
    return { to: "same" };
  }
  const holding = value !== undefined && compare(value, rule.comparator, rule.clearThreshold);
  if (!holding) return { to: "resolved", notify: open.lastNotifiedAt !== null };
  if (silenced) return { to: "same" };
  if (open.lastNotifiedAt === null) return { to: "notify", event: "firing" };
  if (rule.repeatS > 0 && now - open.lastNotifiedAt + FOR_SLACK_MS >= rule.repeatS * 1000) {
    return { to: "notify", event: "repeat" };
  }
  return { to: "same" };
}
