import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { globMatch } from "../alerts/glob";
import type { Observation } from "../alerts/observe";
import { type Probe, probes } from "../db/probes-schema";
import { isProbeMetric, type ProbeSeriesName, parseProbeMetric } from "./keys";

/** A probe not checked for this many intervals (plus the cron's minute) has no value: its alerts resolve. */
const STALE_INTERVALS = 3;

/** The value of one probe series; undefined when the probe has none now. */
export function probeValue(name: ProbeSeriesName, p: Probe, now: number): number | undefined {
  if (!p.enabled || p.lastCheckedAt === null) return undefined;
  if (now - p.lastCheckedAt > STALE_INTERVALS * p.intervalS * 1000 + 60_000) return undefined;
  switch (name) {
    case "probe.up":
      return p.lastUp ? 1 : 0;
    case "probe.latency":
      return p.lastUp && p.lastLatencyMs !== null ? p.lastLatencyMs : undefined;
    case "probe.down":
      return p.failures;
  }
}

/**
 * Observations of probe rules: one per (rule, matching probe) with a value.
 * The probe stands where a host would (`hostId` `probe:<id>`, `hostname` its
 * name, no labels), and the series is the probe's key, so alerts, silences
 * (`host` matches the probe name) and notifications work as for hosts.
 */
export function observeProbes(
  rules: { id: string; metric: string }[],
  list: Probe[],
  now: number,
): Observation[] {
  const out: Observation[] = [];
  for (const rule of rules) {
    const key = parseProbeMetric(rule.metric);
    if (!key) continue;
    for (const p of list) {
      if (!globMatch(key.probe, p.name)) continue;
      const value = probeValue(key.name, p, now);
      if (value === undefined) continue;
      out.push({
        ruleId: rule.id,
        hostId: probeSubject(p.id),
        hostname: p.name,
        labels: {},
        series: `${key.name}:${p.name}`,
        value,
      });
    }
  }
  return out;
}

/** The `hostId` of a probe's alerts. */
export function probeSubject(probeId: string): string {
  return `probe:${probeId}`;
}

/**
 * Observations of a fleet's enabled probe rules, reading its probes only
 * when it has such a rule. The hook of alerts/evaluate.ts.
 */
export async function probeObservations(
  db: D1Database,
  fleetId: string,
  rules: { id: string; metric: string }[],
  now: number,
): Promise<Observation[]> {
  const probeRules = rules.filter((r) => isProbeMetric(r.metric));
  if (probeRules.length === 0) return [];
  const list = await drizzle(db).select().from(probes).where(eq(probes.fleetId, fleetId)).all();
  return observeProbes(probeRules, list, now);
}
