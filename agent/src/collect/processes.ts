import { cleanName, IS_LINUX, listDir, readText, round2 } from "./read";
import { si } from "./si";
import type { Collector, SamplePart } from "./types";

/** One process as read from /proc/[pid]/stat. */
export interface ProcStat {
  pid: number;
  name: string;
  state: string;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  /** Start time after boot in clock ticks: tells a reused pid from the old process. */
  startTicks: number;
  rssPages: number;
}

/** How many processes each top list carries. */
export const TOP_N = 5;
// USER_HZ is 100 on every Linux architecture the agent runs on; Node cannot
// call sysconf(_SC_CLK_TCK), and spawning getconf would cost more than it saves.
const CLOCK_TICKS_PER_S = 100;

/** Parses /proc/[pid]/stat. The name sits in parentheses and may itself contain spaces and ")". */
export function parsePidStat(text: string): ProcStat | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const f = text.slice(close + 2).split(" ");
  // f[0] is field 3 (state) in proc(5) numbering.
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  const startTicks = Number(f[19]);
  const rssPages = Number(f[21]);
  if (![utime, stime, startTicks, rssPages].every(Number.isFinite)) return undefined;
  return {
    pid: Number(text.slice(0, open)),
    name: text.slice(open + 1, close),
    state: f[0] ?? "?",
    cpuTicks: utime + stime,
    startTicks,
    rssPages,
  };
}

/**
 * The kernel's page size, from the ratio of this process's RSS in pages
 * (/proc/self/statm) to its RSS in bytes (as Node reports it). Both read the
 * same counter, so the ratio is exact up to a page or two of drift.
 */
export function detectPageSize(): number {
  const pages = Number(readText("/proc/self/statm")?.split(" ")[1]);
  const bytes = process.memoryUsage.rss();
  if (!(pages > 0)) return 4096;
  const ratio = bytes / pages;
  return [4096, 16384, 65536].reduce((best, size) =>
    Math.abs(size - ratio) < Math.abs(best - ratio) ? size : best,
  );
}

/** Turns a scan into the `Processes` group, given the previous scan's CPU ticks per process. */
export function summarizeProcesses(
  procs: ProcStat[],
  prevTicks: ReadonlyMap<string, number> | undefined,
  elapsedS: number,
  pageSize: number,
): NonNullable<SamplePart["processes"]> {
  const rows = procs.map((p) => {
    const before = prevTicks?.get(`${p.pid}/${p.startTicks}`);
    // A process absent from the previous scan started since; all its time is in this window.
    const ticks = prevTicks === undefined ? 0 : p.cpuTicks - (before ?? 0);
    const cpuPct = elapsedS > 0 ? round2(Math.max(0, (100 * ticks) / CLOCK_TICKS_PER_S / elapsedS)) : 0;
    return { pid: p.pid, name: cleanName(p.name) || "?", cpuPct, memoryBytes: p.rssPages * pageSize };
  });
  const top = (key: "cpuPct" | "memoryBytes") =>
    [...rows]
      .sort((a, b) => b[key] - a[key])
      .slice(0, TOP_N)
      .filter((r) => r[key] > 0)
      .map((r) => ({ ...r, memoryBytes: BigInt(r.memoryBytes) }));
  return {
    total: procs.length,
    running: procs.filter((p) => p.state === "R").length,
    topCpu: prevTicks === undefined ? [] : top("cpuPct"),
    topMemory: top("memoryBytes"),
  };
}

function scanProc(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of listDir("/proc")) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    // The process may exit between readdir and read: then it is simply gone.
    const text = readText(`/proc/${name}/stat`);
    const p = text === undefined ? undefined : parsePidStat(text);
    if (p) out.push(p);
  }
  return out;
}

async function otherProcesses(): Promise<SamplePart> {
  try {
    const data = await (await si()).processes();
    const rows = data.list.map((p) => ({
      pid: p.pid,
      name: cleanName(p.name) || "?",
      cpuPct: round2(Math.max(0, p.cpu)),
      memoryBytes: BigInt(Math.max(0, Math.round(p.memRss * 1024))),
    }));
    return {
      processes: {
        total: data.all,
        running: data.running,
        topCpu: [...rows].sort((a, b) => b.cpuPct - a.cpuPct).slice(0, TOP_N),
        topMemory: [...rows].sort((a, b) => Number(b.memoryBytes - a.memoryBytes)).slice(0, TOP_N),
      },
    };
  } catch {
    return {};
  }
}

/**
 * Process count, running count, and the top processes by CPU and memory. The
 * CPU share is averaged over the time since the previous scan, so it stays
 * meaningful when this (the most expensive) collector runs only every few ticks.
 */
export function processesCollector(): Collector {
  let pageSize: number | undefined;
  let prev: { ticks: Map<string, number>; atMs: number } | undefined;
  return async (atMs) => {
    if (!IS_LINUX) return otherProcesses();
    pageSize ??= detectPageSize();
    const procs = scanProc();
    if (procs.length === 0) return {};
    const processes = summarizeProcesses(procs, prev?.ticks, prev ? (atMs - prev.atMs) / 1000 : 0, pageSize);
    prev = { ticks: new Map(procs.map((p) => [`${p.pid}/${p.startTicks}`, p.cpuTicks])), atMs };
    return { processes };
  };
}
