// workerd's CPU from /proc: the processes of a `wrangler dev` hub and their CPU ticks, for the
// benchmarks that measure CPU per unit of work through a real hub (ingest-cadence, probes).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** USER_HZ: the unit of utime and stime in /proc/<pid>/stat. */
export const CLK_TCK = (() => {
  const out = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const v = Number(out.stdout?.trim());
  return Number.isFinite(v) && v > 0 ? v : 100;
})();

/** Fields of /proc/<pid>/stat after the command name, which may hold spaces and parentheses. */
function statFields(path: string): string[] | undefined {
  try {
    const stat = readFileSync(path, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** utime + stime in ticks (all threads when `path` is a process's stat). */
function ticksOf(path: string): number | undefined {
  const f = statFields(path);
  return f ? Number(f[11]) + Number(f[12]) : undefined;
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/** Every process below `root` in the process tree. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const ppid = Number(statFields(`/proc/${pid}/stat`)?.[1]);
    if (!Number.isInteger(ppid)) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const todo = [root];
  for (let pid = todo.pop(); pid !== undefined; pid = todo.pop()) {
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

/** The processes of one hub. */
export interface HubProcesses {
  /** The workerd that runs the Worker and the fleet's objects; every reload starts a new one. */
  runtime: number[];
  /** The workerd of wrangler's dev proxy, which owns the hub's port and forwards every request (dev only). */
  proxy: number[];
  /** wrangler's Node processes. */
  wrangler: number[];
}

/**
 * Finds the hub started on `port` among this process's descendants: the wrangler Node processes
 * whose command line names the port, and below them every process whose command line contains
 * "workerd". wrangler 4 runs two: its proxy (`--socket-addr=entry=127.0.0.1:<port>`) and the
 * runtime behind it (entry on a random port, with the inspector).
 */
export function hubProcesses(port: number): HubProcesses {
  const wrangler = descendants(process.pid).filter((pid) => {
    const argv = cmdline(pid);
    return argv.some((a) => a.includes("wrangler")) && argv.includes(String(port));
  });
  const workerd = new Set<number>();
  for (const w of wrangler)
    for (const pid of descendants(w)) if (cmdline(pid).some((a) => a.includes("workerd"))) workerd.add(pid);
  const all = [...workerd].sort((a, b) => a - b);
  const isProxy = (pid: number) => cmdline(pid).some((a) => a.endsWith(`entry=127.0.0.1:${port}`));
  const runtime = all.filter((pid) => !isProxy(pid));
  return {
    // A wrangler that serves the port from the runtime itself has no proxy.
    runtime: runtime.length > 0 ? runtime : all,
    proxy: runtime.length > 0 ? all.filter(isProxy) : [],
    wrangler: wrangler.filter((pid) => !workerd.has(pid)),
  };
}

/** CPU ticks of the hub's processes at one instant. */
export interface CpuReading {
  at: number;
  runtime: number;
  /** The runtime's main thread: it runs every isolate and object (the others are V8's and the inspector's). */
  runtimeMain: number;
  proxy: number;
  wrangler: number;
  /** This process (load generator and viewers), from process.cpuUsage(), in ticks. */
  self: number;
  pids: string;
  runtimeRssKb: number;
}

export function readCpu(p: HubProcesses): CpuReading {
  const sum = (pids: number[], path: (pid: number) => string) =>
    pids.reduce((n, pid) => n + (ticksOf(path(pid)) ?? 0), 0);
  const self = process.cpuUsage();
  let rss = 0;
  for (const pid of p.runtime) {
    try {
      rss += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "latin1"))?.[1] ?? 0);
    } catch {
      // gone: the pid check at the end of the window marks it
    }
  }
  return {
    at: performance.now(),
    runtime: sum(p.runtime, (pid) => `/proc/${pid}/stat`),
    runtimeMain: sum(p.runtime, (pid) => `/proc/${pid}/task/${pid}/stat`),
    proxy: sum(p.proxy, (pid) => `/proc/${pid}/stat`),
    wrangler: sum(p.wrangler, (pid) => `/proc/${pid}/stat`),
    self: ((self.user + self.system) / 1e6) * CLK_TCK,
    pids: [...p.runtime, ...p.proxy].join(","),
    runtimeRssKb: rss,
  };
}

/** CPU seconds each part used between two readings, and the readings' span. */
export interface CpuSpan {
  seconds: number;
  runtimeS: number;
  runtimeMainS: number;
  proxyS: number;
  wranglerS: number;
  selfS: number;
  rssMb: number;
}

export function cpuSpan(a: CpuReading, b: CpuReading): CpuSpan {
  return {
    seconds: (b.at - a.at) / 1000,
    runtimeS: (b.runtime - a.runtime) / CLK_TCK,
    runtimeMainS: (b.runtimeMain - a.runtimeMain) / CLK_TCK,
    proxyS: (b.proxy - a.proxy) / CLK_TCK,
    wranglerS: (b.wrangler - a.wrangler) / CLK_TCK,
    selfS: (b.self - a.self) / CLK_TCK,
    rssMb: b.runtimeRssKb / 1024,
  };
}
