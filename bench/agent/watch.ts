import { readFileSync } from "node:fs";

/** USER_HZ: 100 on every Linux the agent targets. */
const HZ = 100;

/** One reading of a process from /proc. */
interface Usage {
  /** utime + stime + cutime + cstime: its own CPU time and that of its waited-for children. */
  ticks: number;
  /** VmRSS: everything resident, including the shared, file-backed pages of its executable. */
  rssKb: number;
  /** RssAnon: memory private to the process (heap, stacks). */
  anonKb: number;
  /** Pss: resident memory with shared pages divided among their users. */
  pssKb: number;
}

function kb(text: string, key: string): number {
  return Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
}

function usage(pid: number): Usage | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    const status = readFileSync(`/proc/${pid}/status`, "latin1");
    let pssKb = 0;
    try {
      pssKb = kb(readFileSync(`/proc/${pid}/smaps_rollup`, "latin1"), "Pss");
    } catch {
      // smaps_rollup needs Linux 4.14; PSS is then reported as 0.
    }
    return { ticks, rssKb: kb(status, "VmRSS"), anonKb: kb(status, "RssAnon"), pssKb };
  } catch {
    return undefined;
  }
}

/** What one process cost over the measured window. */
export interface Cost {
  /** Percent of one core, including children. */
  cpuPct: number;
  rssMbAvg: number;
  rssMbMax: number;
  privateMbMax: number;
  pssMbMax: number;
}

const mb = (k: number) => Math.round((k / 1024) * 10) / 10;

/** Follows one process: CPU over the measured window, memory sampled at every {@link poll}. */
export class Watch {
  readonly pid: number;
  #start: { u: Usage; at: number } | undefined;
  #mem: Usage[] = [];

  constructor(pid: number) {
    this.pid = pid;
  }

  /** Starts the measured window. */
  begin(): void {
    const u = usage(this.pid);
    if (u) this.#start = { u, at: performance.now() };
  }

  /** Takes one memory reading. */
  poll(): void {
    const u = usage(this.pid);
    if (u && this.#start) this.#mem.push(u);
  }

  /** The window's cost, or `undefined` if the process is gone. */
  cost(): Cost | undefined {
    const u = usage(this.pid);
    if (!u || !this.#start) return undefined;
    const elapsedS = (performance.now() - this.#start.at) / 1000;
    const mem = this.#mem.length > 0 ? this.#mem : [u];
    const max = (k: keyof Usage) => mb(Math.max(...mem.map((m) => m[k])));
    return {
      cpuPct: Math.round(((u.ticks - this.#start.u.ticks) / HZ / elapsedS) * 100_000) / 1000,
      rssMbAvg: mb(mem.reduce((a, m) => a + m.rssKb, 0) / mem.length),
      rssMbMax: max("rssKb"),
      privateMbMax: max("anonKb"),
      pssMbMax: max("pssKb"),
    };
  }
}
