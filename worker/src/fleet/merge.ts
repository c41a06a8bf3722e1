import type { Metrics } from "../metrics/types";

/**
 * Merges a newer sample into a host's state: every group the new sample
 * carries replaces the old one; groups it lacks (an agent collects
 * filesystems and processes less often) keep their last value.
 */
export function mergeMetrics(prev: Metrics, next: Metrics): Metrics {
  const out: Metrics = { ...prev };
  for (const key of Object.keys(next) as (keyof Metrics)[]) {
    const v = next[key];
    if (v !== undefined) (out as Record<string, unknown>)[key] = v;
  }
  return out;
}
