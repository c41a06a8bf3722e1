import type { Metrics } from "../metrics/types";

/**
 * Merges a newer sample into a host's state: every group the new sample
 * carries replaces the old one; groups it lacks (an agent collects
 * filesystems and processes less often) keep their last value.
 *
 * Containers are the exception: an empty list is absent on the wire, so a
 * sample that carries the slow groups (processes) without containers says the
 * host has none now (the last one was removed, or the engine stopped), and
 * the old list goes: its series end and their alerts resolve.
 */
export function mergeMetrics(prev: Metrics, next: Metrics): Metrics {
  const out: Metrics = { ...prev };
  for (const key of Object.keys(next) as (keyof Metrics)[]) {
    const v = next[key];
    if (v !== undefined) (out as Record<string, unknown>)[key] = v;
  }
  if (next.processes !== undefined && next.containers === undefined) delete out.containers;
  return out;
}
