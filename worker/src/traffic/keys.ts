/**
 * Rule metrics of monthly traffic quotas: bytes received or sent since the
 * host's reset day, all interfaces (`traffic.month.rx`) or per interface
 * (`traffic.month.tx:eth0`, globs such as `traffic.month.tx:*`). Each is the
 * month-to-date total (traffic/totals.ts): rules on them ignore aggregation
 * and window.
 */
export const TRAFFIC_SERIES = {
  "traffic.month.rx": { unit: "bytes", help: "Bytes received this traffic month" },
  "traffic.month.tx": { unit: "bytes", help: "Bytes sent this traffic month" },
} as const;

export type TrafficSeriesName = keyof typeof TRAFFIC_SERIES;

/** Splits `traffic.month.tx:eth*` into its name and interface glob; undefined when not a traffic key. */
export function parseTrafficMetric(
  key: string,
): { name: TrafficSeriesName; dir: "rx" | "tx"; iface?: string } | undefined {
  const colon = key.indexOf(":");
  const name = colon < 0 ? key : key.slice(0, colon);
  if (!Object.hasOwn(TRAFFIC_SERIES, name)) return undefined;
  const dir = name.endsWith(".rx") ? "rx" : "tx";
  if (colon < 0) return { name: name as TrafficSeriesName, dir };
  const iface = key.slice(colon + 1);
  return iface === "" ? undefined : { name: name as TrafficSeriesName, dir, iface };
}

/** Whether a rule metric names monthly traffic totals. */
export function isTrafficMetric(key: string): boolean {
  return parseTrafficMetric(key) !== undefined;
}
