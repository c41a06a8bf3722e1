import { globMatch } from "../alerts/glob";
import type { Metrics } from "./types";

/**
 * The one list of scalar series the hub derives from a host's metrics.
 * Rollups, the series API, alert rules, the Prometheus exposition and the
 * dashboard all name series by these keys. A key is `<name>` or
 * `<name>:<instance>` (mount, interface, core, sensor, container, TLS check).
 * A `counter` series only grows (until its container is recreated): alert
 * rules compare its increase within their window.
 */
export const SERIES = {
  cpu: { unit: "percent", help: "CPU busy, all cores" },
  "cpu.user": { unit: "percent", help: "CPU time in user mode" },
  "cpu.system": { unit: "percent", help: "CPU time in kernel mode" },
  "cpu.iowait": { unit: "percent", help: "CPU time waiting for IO" },
  "cpu.steal": { unit: "percent", help: "CPU time stolen by the hypervisor" },
  "cpu.core": { unit: "percent", help: "CPU busy per core", instance: "core" },
  load1: { unit: "load", help: "Load average, 1 minute" },
  load5: { unit: "load", help: "Load average, 5 minutes" },
  load15: { unit: "load", help: "Load average, 15 minutes" },
  mem: { unit: "percent", help: "Memory used" },
  "mem.used": { unit: "bytes", help: "Memory used" },
  "mem.available": { unit: "bytes", help: "Memory available" },
  "mem.cached": { unit: "bytes", help: "Memory used by the page cache" },
  swap: { unit: "percent", help: "Swap used" },
  "swap.used": { unit: "bytes", help: "Swap used" },
  disk: { unit: "percent", help: "Filesystem used", instance: "mount" },
  "disk.used": { unit: "bytes", help: "Filesystem used", instance: "mount" },
  "disk.read": { unit: "bytes/s", help: "Disk reads" },
  "disk.write": { unit: "bytes/s", help: "Disk writes" },
  "net.rx": { unit: "bytes/s", help: "Network received (all interfaces, or one)", instance: "iface" },
  "net.tx": { unit: "bytes/s", help: "Network sent (all interfaces, or one)", instance: "iface" },
  procs: { unit: "count", help: "Processes" },
  "procs.running": { unit: "count", help: "Processes running" },
  temp: { unit: "celsius", help: "Temperature", instance: "sensor" },
  uptime: { unit: "seconds", help: "Uptime" },
  "systemd.failed": { unit: "count", help: "systemd units in the failed state" },
  "container.cpu": { unit: "percent", help: "Container CPU, percent of one core", instance: "container" },
  "container.mem": {
    unit: "bytes",
    help: "Container memory used, page cache excluded",
    instance: "container",
  },
  "container.rx": { unit: "bytes/s", help: "Container network received", instance: "container" },
  "container.tx": { unit: "bytes/s", help: "Container network sent", instance: "container" },
  "container.read": { unit: "bytes/s", help: "Container block device reads", instance: "container" },
  "container.write": { unit: "bytes/s", help: "Container block device writes", instance: "container" },
  "container.running": { unit: "count", help: "1 while the container runs, else 0", instance: "container" },
  "container.unhealthy": {
    unit: "count",
    help: "1 while the container's health check fails, else 0 (absent without one)",
    instance: "container",
  },
  "container.restarts": {
    unit: "count",
    help: "Restarts by the engine's restart policy",
    instance: "container",
    counter: true,
  },
  "tls.days": {
    unit: "days",
    help: "Days until the TLS certificate expires, negative once expired (checked by the agent)",
    instance: "cert",
  },
} as const satisfies Record<string, { unit: string; help: string; instance?: string; counter?: true }>;

export type SeriesName = keyof typeof SERIES;

/** Splits `disk:/var` into its name and instance. */
export function parseSeriesKey(key: string): { name: SeriesName; instance?: string } | undefined {
  const colon = key.indexOf(":");
  const name = colon < 0 ? key : key.slice(0, colon);
  if (!Object.hasOwn(SERIES, name)) return undefined;
  const def = SERIES[name as SeriesName];
  if (colon < 0) return { name: name as SeriesName };
  if (!("instance" in def)) return undefined;
  const instance = key.slice(colon + 1);
  return instance === "" ? undefined : { name: name as SeriesName, instance };
}

/**
 * Which series keys a rule metric names: itself, every instance (`disk:*`)
 * or the instances an instance glob matches (`container.cpu:web-*`).
 */
export function seriesMatcher(metric: string): (key: string) => boolean {
  const parsed = parseSeriesKey(metric);
  if (!parsed?.instance || !/[*?]/.test(parsed.instance)) return (key) => key === metric;
  const prefix = `${parsed.name}:`;
  const glob = parsed.instance;
  return (key) => key.startsWith(prefix) && globMatch(glob, key.slice(prefix.length));
}

/** Whether a rule metric names a counter series, compared by its increase in the window. */
export function isCounterMetric(metric: string): boolean {
  const parsed = parseSeriesKey(metric);
  return parsed !== undefined && "counter" in SERIES[parsed.name];
}

const pct = (part: number, whole: number) => (whole > 0 ? (part / whole) * 100 : 0);
/**
 * A derived percentage as stored and alerted on: two decimals, the
 * precision of every percentage the agent sends (a full double would cost
 * 8 bytes a value in the raw window for digits nobody reads).
 */
const pct2 = (part: number, whole: number) => Math.round(pct(part, whole) * 100) / 100;

/**
 * Series keys with an instance, built once per (name, instance): a sample
 * names the same cores, mounts and interfaces every time, so ingest looks
 * keys up instead of building a string per value. Bounded, since a host
 * that renames instances endlessly must not grow it without end.
 */
const KEY_CACHE_LIMIT = 50_000;
const keyCache = new Map<string, Map<string, string>>();
let keyCacheSize = 0;

function seriesKey(name: string, instance: string): string {
  let m = keyCache.get(name);
  if (!m) {
    m = new Map();
    keyCache.set(name, m);
  }
  let k = m.get(instance);
  if (k === undefined) {
    k = `${name}:${instance}`;
    if (keyCacheSize >= KEY_CACHE_LIMIT) {
      for (const inner of keyCache.values()) inner.clear();
      keyCacheSize = 0;
    }
    m.set(instance, k);
    keyCacheSize++;
  }
  return k;
}

const coreKeys: string[] = [];
const coreKey = (i: number) => {
  coreKeys[i] ??= `cpu.core:${i}`;
  return coreKeys[i];
};

/**
 * Calls `fn` with each `series key, value` of a sample's metrics. Absent
 * groups give absent keys, never zeros.
 */
export function forEachSeries(m: Metrics, fn: (key: string, value: number) => void): void {
  if (m.cpu) {
    fn("cpu", m.cpu.totalPct);
    if (m.cpu.userPct !== undefined) fn("cpu.user", m.cpu.userPct);
    if (m.cpu.systemPct !== undefined) fn("cpu.system", m.cpu.systemPct);
    if (m.cpu.iowaitPct !== undefined) fn("cpu.iowait", m.cpu.iowaitPct);
    if (m.cpu.stealPct !== undefined) fn("cpu.steal", m.cpu.stealPct);
    const cores = m.cpu.perCorePct;
    for (let i = 0; i < cores.length; i++) fn(coreKey(i), cores[i] as number);
  }
  if (m.load) {
    fn("load1", m.load.load1);
    fn("load5", m.load.load5);
    fn("load15", m.load.load15);
  }
  if (m.memory) {
    fn("mem", pct2(m.memory.totalBytes - m.memory.availableBytes, m.memory.totalBytes));
    fn("mem.used", m.memory.usedBytes);
    fn("mem.available", m.memory.availableBytes);
    if (m.memory.cachedBytes !== undefined) fn("mem.cached", m.memory.cachedBytes);
  }
  if (m.swap) {
    fn("swap", pct2(m.swap.usedBytes, m.swap.totalBytes));
    fn("swap.used", m.swap.usedBytes);
  }
  for (const fs of m.filesystems ?? []) {
    fn(seriesKey("disk", fs.mount), pct2(fs.usedBytes, fs.sizeBytes));
    fn(seriesKey("disk.used", fs.mount), fs.usedBytes);
  }
  if (m.diskIo) {
    fn("disk.read", m.diskIo.readBytesPerS);
    fn("disk.write", m.diskIo.writeBytesPerS);
  }
  if (m.net) {
    let rx = 0;
    let tx = 0;
    for (const n of m.net) {
      fn(seriesKey("net.rx", n.name), n.rxBytesPerS);
      fn(seriesKey("net.tx", n.name), n.txBytesPerS);
      rx += n.rxBytesPerS;
      tx += n.txBytesPerS;
    }
    // Sums of two-decimal rates, rounded back: float addition leaves 11213.119999999999.
    if (Number.isFinite(rx)) fn("net.rx", Math.round(rx * 100) / 100);
    if (Number.isFinite(tx)) fn("net.tx", Math.round(tx * 100) / 100);
  }
  if (m.processes) {
    fn("procs", m.processes.total);
    fn("procs.running", m.processes.running);
  }
  for (const t of m.temperatures ?? []) fn(seriesKey("temp", t.sensor), t.celsius);
  if (m.uptimeS !== undefined) fn("uptime", m.uptimeS);
  if (m.systemd) fn("systemd.failed", m.systemd.failedCount);
  for (const c of m.containers ?? []) {
    if (c.cpuPct !== undefined) fn(seriesKey("container.cpu", c.name), c.cpuPct);
    if (c.memUsedBytes !== undefined) fn(seriesKey("container.mem", c.name), c.memUsedBytes);
    if (c.rxBytesPerS !== undefined) fn(seriesKey("container.rx", c.name), c.rxBytesPerS);
    if (c.txBytesPerS !== undefined) fn(seriesKey("container.tx", c.name), c.txBytesPerS);
    if (c.readBytesPerS !== undefined) fn(seriesKey("container.read", c.name), c.readBytesPerS);
    if (c.writeBytesPerS !== undefined) fn(seriesKey("container.write", c.name), c.writeBytesPerS);
    fn(seriesKey("container.running", c.name), c.state === "running" ? 1 : 0);
    if (c.health !== "none") fn(seriesKey("container.unhealthy", c.name), c.health === "unhealthy" ? 1 : 0);
    fn(seriesKey("container.restarts", c.name), c.restarts);
  }
  for (const c of m.tlsCerts ?? [])
    if (c.daysLeft !== undefined) fn(seriesKey("tls.days", c.name), c.daysLeft);
}

/** Metrics as `series key -> value` (see `forEachSeries`). */
export function flattenMetrics(m: Metrics): Record<string, number> {
  const out: Record<string, number> = {};
  forEachSeries(m, (k, v) => {
    out[k] = v;
  });
  return out;
}

/** Memory used in percent as the dashboard and rules see it (total - available). */
export function memoryPct(m: Metrics): number | undefined {
  return m.memory ? pct(m.memory.totalBytes - m.memory.availableBytes, m.memory.totalBytes) : undefined;
}

/** Percent used of the root filesystem, or of the fullest one when `/` is not reported. */
export function diskPct(m: Metrics): number | undefined {
  const fss = m.filesystems ?? [];
  const root = fss.find((f) => f.mount === "/");
  if (root) return pct(root.usedBytes, root.sizeBytes);
  let worst: number | undefined;
  for (const f of fss) worst = Math.max(worst ?? 0, pct(f.usedBytes, f.sizeBytes));
  return worst;
}
