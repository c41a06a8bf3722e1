/**
 * Series keys of probes, for alert rules: `<name>:<probe name>`, or
 * `<name>:<glob>` for every probe whose name matches (`probe.down:*`).
 * Each is the probe's latest check: rules on them ignore aggregation and
 * window (use `forS` for "for so long").
 */
export const PROBE_SERIES = {
  "probe.up": { unit: "bool", help: "1 when the last check succeeded, else 0" },
  "probe.latency": { unit: "ms", help: "Latency of the last check, when it succeeded" },
  "probe.down": { unit: "checks", help: "Consecutive failed checks" },
} as const;

export type ProbeSeriesName = keyof typeof PROBE_SERIES;

/** Splits `probe.up:api` into its name and probe-name glob; undefined when not a probe key. */
export function parseProbeMetric(key: string): { name: ProbeSeriesName; probe: string } | undefined {
  const colon = key.indexOf(":");
  if (colon < 0) return undefined;
  const name = key.slice(0, colon);
  const probe = key.slice(colon + 1);
  if (!Object.hasOwn(PROBE_SERIES, name) || probe === "") return undefined;
  return { name: name as ProbeSeriesName, probe };
}

/** Whether a rule metric names probe series. */
export function isProbeMetric(key: string): boolean {
  return parseProbeMetric(key) !== undefined;
}
