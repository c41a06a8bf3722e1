import { globMatch } from "../alerts/glob";
import type { SeriesValue } from "../metrics/aggregate";
import { isTrafficMetric, parseTrafficMetric } from "./keys";
import type { HostTraffic } from "./totals";

/** A host's values of one traffic rule metric: its total, or each interface the glob matches. */
export function trafficValues(metric: string, hosts: HostTraffic[]): SeriesValue[] {
  const key = parseTrafficMetric(metric);
  if (!key) return [];
  const field = key.dir === "rx" ? "rxBytes" : "txBytes";
  const out: SeriesValue[] = [];
  for (const h of hosts) {
    if (key.iface === undefined) {
      out.push({ hostId: h.hostId, series: key.name, value: h[field] });
      continue;
    }
    for (const i of h.interfaces) {
      if (globMatch(key.iface, i.name))
        out.push({ hostId: h.hostId, series: `${key.name}:${i.name}`, value: i[field] });
    }
  }
  return out;
}

/**
 * Values of a fleet's enabled traffic rules by metric, reading the fleet's
 * totals once and only when it has such a rule. The hook of
 * alerts/evaluate.ts: the values go through `observeRule` like any series,
 * so host and label matchers apply as usual. A new period starts every total
 * at 0, which resolves a quota alert after the reset day.
 */
export async function trafficRuleValues(
  rules: { metric: string }[],
  source: { traffic?(now: number): Promise<HostTraffic[]> },
  now: number,
): Promise<Map<string, SeriesValue[]>> {
  const metrics = new Set(rules.map((r) => r.metric).filter(isTrafficMetric));
  if (metrics.size === 0 || !source.traffic) return new Map();
  const hosts = await source.traffic(now);
  return new Map([...metrics].map((m) => [m, trafficValues(m, hosts)]));
}
