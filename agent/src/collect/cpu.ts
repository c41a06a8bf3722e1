import { cpus } from "node:os";
import { IS_LINUX, pct, readText } from "./read";
import type { Collector, SamplePart } from "./types";

/** Cumulative CPU time of one CPU (or all), in any consistent unit. */
export interface CpuTimes {
  user: number;
  system: number;
  idle: number;
  /** Absent where the platform does not report it (non-Linux). */
  iowait?: number;
  steal?: number;
  /** Everything else that counts as busy (irq, softirq on Linux). */
  other: number;
}

/** Aggregate and per-core times from /proc/stat. */
export interface CpuReading {
  total: CpuTimes;
  cores: CpuTimes[];
}

/** Parses the `cpu` and `cpuN` lines of /proc/stat. */
export function parseProcStat(text: string): CpuReading | undefined {
  let total: CpuTimes | undefined;
  const cores: CpuTimes[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("cpu")) continue;
    const [name, ...fields] = line.trim().split(/\s+/);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
      fields.map(Number);
    // guest and guest_nice are already included in user and nice.
    const t: CpuTimes = { user: user + nice, system, idle, iowait, steal, other: irq + softirq };
    if (name === "cpu") total = t;
    else cores.push(t);
  }
  return total ? { total, cores } : undefined;
}

function sum(t: CpuTimes): number {
  return t.user + t.system + t.idle + (t.iowait ?? 0) + (t.steal ?? 0) + t.other;
}

// iowait (and on some kernels idle) can step backwards on NO_HZ systems, so a
// single decreasing field is clamped; only a smaller grand total means reset.
function delta(a: number, b: number): number {
  return Math.max(0, b - a);
}

/** Busy percentage between two readings of one CPU; `undefined` if no time passed or counters reset. */
export function busyPct(prev: CpuTimes, cur: CpuTimes): number | undefined {
  const all = sum(cur) - sum(prev);
  if (!(all > 0)) return undefined;
  const idle = delta(prev.idle, cur.idle) + delta(prev.iowait ?? 0, cur.iowait ?? 0);
  return pct(100 * (1 - idle / all));
}

/** Turns two readings into the proto `Cpu` group. */
export function cpuUsage(prev: CpuReading, cur: CpuReading): SamplePart["cpu"] | undefined {
  const p = prev.total;
  const c = cur.total;
  const all = sum(c) - sum(p);
  const totalPct = busyPct(p, c);
  if (totalPct === undefined) return undefined;
  const share = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : pct((100 * delta(a, b)) / all);
  // CPU hotplug changes the core list: per-core values are skipped that tick.
  const cores =
    prev.cores.length === cur.cores.length
      ? cur.cores.map((core, i) => busyPct(prev.cores[i] as CpuTimes, core))
      : [];
  const perCorePct = cores.every((v) => v !== undefined) ? cores : [];
  return {
    totalPct,
    userPct: share(p.user, c.user),
    systemPct: share(p.system + p.other, c.system + c.other),
    iowaitPct: share(p.iowait, c.iowait),
    stealPct: share(p.steal, c.steal),
    perCorePct,
  };
}

function readCpu(): CpuReading | undefined {
  if (IS_LINUX) {
    const text = readText("/proc/stat");
    return text === undefined ? undefined : parseProcStat(text);
  }
  const list = cpus();
  if (list.length === 0) return undefined;
  const cores = list.map(({ times: t }) => ({
    user: t.user + t.nice,
    system: t.sys,
    idle: t.idle,
    other: t.irq,
  }));
  const total = cores.reduce(
    (a, b) => ({
      user: a.user + b.user,
      system: a.system + b.system,
      idle: a.idle + b.idle,
      other: a.other + b.other,
    }),
    { user: 0, system: 0, idle: 0, other: 0 },
  );
  return { total, cores };
}

/** CPU total and per core, with user/system/iowait/steal where the OS reports them. */
export function cpuCollector(): Collector {
  let prev: CpuReading | undefined;
  return async () => {
    const cur = readCpu();
    const last = prev;
    prev = cur;
    if (!cur || !last) return {};
    const cpu = cpuUsage(last, cur);
    return cpu ? { cpu } : {};
  };
}
