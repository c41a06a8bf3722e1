import { STALE_AFTER_INTERVALS } from "../fleet/status";
import type { SeriesValue } from "../metrics/aggregate";
import type { HostView } from "../metrics/types";
import { hostMatches } from "./glob";
import { HOST_DOWN } from "./rules";

/** What evaluation needs of a host. */
export interface HostFacts {
  id: string;
  hostname: string;
  labels: Record<string, string>;
  /** Hub time of the newest sample; 0 when none yet. */
  lastSeen: number;
  intervalS: number;
}

/** One aggregated series value of one host (what FleetDO.aggregate returns). */

/** A rule's value for one host and series at one evaluation. */
export interface Observation {
  ruleId: string;
  hostId: string;
  hostname: string;
  labels: Record<string, string>;
  /** Series key (`disk:/var`), empty for host.down. */
  series: string;
  value: number;
}

/** The matcher part of a rule. */
export interface RuleScope {
  id: string;
  metric: string;
  hostMatch: string;
  labelMatch: Record<string, string>;
}

export function hostFacts(h: HostView): HostFacts {
  return {
    id: h.id,
    hostname: h.info.hostname,
    labels: h.info.labels ?? {},
    lastSeen: h.lastSeen,
    intervalS: h.info.intervalS,
  };
}

/**
 * Sampling intervals missed since the host's last sample (two decimals).
 * The fleet DO marks a host stale after STALE_AFTER_INTERVALS of them.
 */
export function missedIntervals(lastSeen: number, intervalS: number, now: number): number {
  const ms = Math.max(1, intervalS) * 1000;
  return Math.round((Math.max(0, now - lastSeen) / ms) * 100) / 100;
}

/** The built-in host-down threshold, as missed intervals. */
export const HOST_DOWN_INTERVALS = STALE_AFTER_INTERVALS;

/**
 * Values of one rule for every host it matches. host.down rules measure
 * missed intervals of every host that ever sent a sample; metric rules take
 * the aggregated series of their metric (every instance for `name:*`).
 * Matched hosts without a value are absent: for an open alert that means
 * "no data" and resolves it.
 */
export function observeRule(
  rule: RuleScope,
  hosts: HostFacts[],
  values: SeriesValue[],
  now: number,
): Observation[] {
  const matched = new Map<string, HostFacts>();
  for (const h of hosts) if (hostMatches(rule.hostMatch, rule.labelMatch, h)) matched.set(h.id, h);
  const obs = (h: HostFacts, series: string, value: number): Observation => ({
    ruleId: rule.id,
    hostId: h.id,
    hostname: h.hostname,
    labels: h.labels,
    series,
    value,
  });
  if (rule.metric === HOST_DOWN) {
    return [...matched.values()]
      .filter((h) => h.lastSeen > 0)
      .map((h) => obs(h, "", missedIntervals(h.lastSeen, h.intervalS, now)));
  }
  const out: Observation[] = [];
  for (const v of values) {
    const h = matched.get(v.hostId);
    if (h && Number.isFinite(v.value)) out.push(obs(h, v.series, v.value));
  }
  return out;
}
