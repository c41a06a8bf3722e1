import type { Metrics } from "./types";

/**
 * The one list of scalar series the hub derives from a host's metrics.
 * Rollups, the series API, alert rules, the Prometheus exposition and the
 * dashboard all name series by these keys. A key is `<name>` or
 * `<name>:<instance>` (mount, interface, core, sensor).
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
} as const satisfies Record<string, { unit: string; help: string; instance?: string }>;

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

const pct = (part: number, whole: number) => (whole > 0 ? (part / whole) * 100 : 0);
/**
 * A derived percentage as stored and alerted on: two decimals, the
 * precision of every percentage the agent sends (a full double would cost
 * 8 bytes a value in the raw window for digits nobody reads).
 */
const pct2 = (part: number, whole: number) => Math.round(pct(part, whole) * 100) / 100;

/**
 * Flattens metrics into `series key -> value`. Absent groups give absent
 * keys, never zeros.
 */
export function flattenMetrics(m: Metrics): Record<string, number> {
  const out: Record<string, number> = {};
  if (m.cpu) {
    out.cpu = m.cpu.totalPct;
    if (m.cpu.userPct !== undefined) out["cpu.user"] = m.cpu.userPct;
    if (m.cpu.systemPct !== undefined) out["cpu.system"] = m.cpu.systemPct;
    if (m.cpu.iowaitPct !== undefined) out["cpu.iowait"] = m.cpu.iowaitPct;
    if (m.cpu.stealPct !== undefined) out["cpu.steal"] = m.cpu.stealPct;
    m.cpu.perCorePct.forEach((v, i) => {
      out[`cpu.core:${i}`] = v;
    });
  }
  if (m.load) {
    out.load1 = m.load.load1;
    out.load5 = m.load.load5;
    out.load15 = m.load.load15;
  }
  if (m.memory) {
    out.mem = pct2(m.memory.totalBytes - m.memory.availableBytes, m.memory.totalBytes);
    out["mem.used"] = m.memory.usedBytes;
    out["mem.available"] = m.memory.availableBytes;
    if (m.memory.cachedBytes !== undefined) out["mem.cached"] = m.memory.cachedBytes;
  }
  if (m.swap) {
    out.swap = pct2(m.swap.usedBytes, m.swap.totalBytes);
    out["swap.used"] = m.swap.usedBytes;
  }
  for (const fs of m.filesystems ?? []) {
    out[`disk:${fs.mount}`] = pct2(fs.usedBytes, fs.sizeBytes);
    out[`disk.used:${fs.mount}`] = fs.usedBytes;
  }
  if (m.diskIo) {
    out["disk.read"] = m.diskIo.readBytesPerS;
    out["disk.write"] = m.diskIo.writeBytesPerS;
  }
  if (m.net) {
    let rx = 0;
    let tx = 0;
    for (const n of m.net) {
      out[`net.rx:${n.name}`] = n.rxBytesPerS;
      out[`net.tx:${n.name}`] = n.txBytesPerS;
      rx += n.rxBytesPerS;
      tx += n.txBytesPerS;
    }
    // Sums of two-decimal rates, rounded back: float addition leaves 11213.119999999999.
    if (Number.isFinite(rx)) out["net.rx"] = Math.round(rx * 100) / 100;
    if (Number.isFinite(tx)) out["net.tx"] = Math.round(tx * 100) / 100;
  }
  if (m.processes) {
    out.procs = m.processes.total;
    out["procs.running"] = m.processes.running;
  }
  for (const t of m.temperatures ?? []) out[`temp:${t.sensor}`] = t.celsius;
  if (m.uptimeS !== undefined) out.uptime = m.uptimeS;
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
