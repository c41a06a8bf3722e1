// Measures the agent's overhead (CPU % of one core including children, RSS)
// against a local Connect sink, next to prometheus-node-exporter if installed.
//
//   node_modules/.bin/node bench/agent/run.ts [--seconds 120] [--interval 5] [--json]
//
// Plain Node 22 (type stripping): no TS-only syntax, explicit .ts imports.
import { type ChildProcess, execSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const ROOT = resolve(import.meta.dirname, "../..");
const AGENT = join(ROOT, "agent/dist/cli.js");
const NODE_EXPORTER = "/usr/bin/prometheus-node-exporter";
/** USER_HZ: 100 on every Linux the agent targets. */
const HZ = 100;
const BUDGET = { cpuPct: 0.3, rssMb: 50 };

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "120" },
    interval: { type: "string", default: "5" },
    warmup: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
  },
});
const seconds = Number(values.seconds);
const intervalS = Number(values.interval);
const warmupS = Number(values.warmup);

interface Usage {
  ticks: number;
  /** VmRSS: everything resident, including the (shared, file-backed) node executable. */
  rssKb: number;
  /** RssAnon: memory private to the process (heap, stacks). */
  anonKb: number;
  /** Pss: resident memory with shared pages divided among their users. */
  pssKb: number;
}

function kb(text: string, key: string): number {
  return Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
}

/** utime + stime + cutime + cstime (all in clock ticks) and memory of a process. */
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

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((res, rej) => {
    let buf = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl >= 0) res(buf.slice(0, nl));
    });
    child.once("exit", (code) => rej(new Error(`exited with ${code} before printing`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  name: string;
  cpuPct?: number;
  rssMbAvg?: number;
  rssMbMax?: number;
  privateMbMax?: number;
  pssMbMax?: number;
  note?: string;
}

const mb = (k: number) => Math.round((k / 1024) * 10) / 10;

/** Follows one process: CPU over the measured window, RSS sampled every second. */
class Watch {
  readonly name: string;
  readonly pid: number;
  #start: { u: Usage; at: number } | undefined;
  #mem: Usage[] = [];
  constructor(name: string, pid: number) {
    this.name = name;
    this.pid = pid;
  }
  begin(): void {
    const u = usage(this.pid);
    if (u) this.#start = { u, at: performance.now() };
  }
  poll(): void {
    const u = usage(this.pid);
    if (u && this.#start) this.#mem.push(u);
  }
  row(): Row {
    const u = usage(this.pid);
    if (!u || !this.#start) return { name: this.name, note: "process exited during the run" };
    const elapsedS = (performance.now() - this.#start.at) / 1000;
    const cpuPct = ((u.ticks - this.#start.u.ticks) / HZ / elapsedS) * 100;
    const mem = this.#mem.length > 0 ? this.#mem : [u];
    const max = (k: keyof Usage) => mb(Math.max(...mem.map((m) => m[k])));
    return {
      name: this.name,
      cpuPct: Math.round(cpuPct * 1000) / 1000,
      rssMbAvg: mb(mem.reduce((a, m) => a + m.rssKb, 0) / mem.length),
      rssMbMax: max("rssKb"),
      privateMbMax: max("anonKb"),
      pssMbMax: max("pssKb"),
    };
  }
}

const work = mkdtempSync(join(tmpdir(), "fw-bench-"));
const children: ChildProcess[] = [];
const cleanup = () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
};
process.on("exit", cleanup);

if (!existsSync(AGENT)) execSync("npm run build -w agent", { cwd: ROOT, stdio: "inherit" });
await build({
  entryPoints: [join(import.meta.dirname, "sink.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  outfile: join(work, "sink.mjs"),
  logLevel: "warning",
});

const sink = spawn(process.execPath, [join(work, "sink.mjs")], { stdio: ["ignore", "pipe", "inherit"] });
children.push(sink);
const { port } = JSON.parse(await firstLine(sink)) as { port: number };

const agent = spawn(process.execPath, [AGENT], {
  env: {
    PATH: process.env.PATH ?? "",
    HOME: work,
    FLEETWATCH_HUB: `http://127.0.0.1:${port}`,
    FLEETWATCH_TOKEN: "bench-token",
    FLEETWATCH_INTERVAL: String(intervalS),
    FLEETWATCH_SPOOL_DIR: join(work, "spool"),
  },
  stdio: ["ignore", "ignore", "pipe"],
});
children.push(agent);
let agentLog = "";
agent.stderr?.setEncoding("utf8").on("data", (d: string) => {
  agentLog += d;
});

const watches = [new Watch("fleetwatch-agent", agent.pid as number)];
let exporterNote: string | undefined;
let scrapeUrl: string | undefined;
if (existsSync(NODE_EXPORTER)) {
  const exporterPort = await freePort();
  const exporter = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${exporterPort}`], {
    stdio: ["ignore", "ignore", "ignore"],
  });
  children.push(exporter);
  scrapeUrl = `http://127.0.0.1:${exporterPort}/metrics`;
  watches.push(new Watch("prometheus-node-exporter (scraped every 5 s)", exporter.pid as number));
} else {
  exporterNote = "node_exporter not installed (apt-get install prometheus-node-exporter)";
}

if (!values.json) process.stderr.write(`warming up ${warmupS} s, then measuring ${seconds} s...\n`);
await sleep(warmupS * 1000);
for (const w of watches) w.begin();
const started = Date.now();
let nextScrape = 0;
let scrapes = 0;
while (Date.now() - started < seconds * 1000) {
  for (const w of watches) w.poll();
  if (scrapeUrl && Date.now() >= nextScrape) {
    nextScrape = Date.now() + 5000;
    // Prometheus' default is 15 s or more; every 5 s matches the agent's cadence.
    await fetch(scrapeUrl)
      .then((r) => r.text())
      .then(() => scrapes++)
      .catch(() => undefined);
  }
  await sleep(1000);
}
const rows: Row[] = watches.map((w) => w.row());
if (exporterNote) rows.push({ name: "prometheus-node-exporter", note: exporterNote });

sink.kill("SIGTERM");
const sinkStats = JSON.parse(
  await new Promise<string>((res) => {
    let buf = "";
    sink.stdout?.on("data", (d: string) => {
      buf += d;
      const lines = buf.trim().split("\n");
      if (lines.length > 0 && buf.endsWith("\n")) res(lines.at(-1) as string);
    });
  }),
) as { samples: number; received: number; streams: number };
agent.kill("SIGTERM");

const result = {
  seconds,
  intervalS,
  warmupS,
  budget: BUDGET,
  rows,
  sink: sinkStats,
  exporterScrapes: scrapes,
  node: process.version,
  budgetCheck: {
    cpu: (rows[0]?.cpuPct ?? Number.POSITIVE_INFINITY) <= BUDGET.cpuPct,
    rss: (rows[0]?.rssMbMax ?? Number.POSITIVE_INFINITY) <= BUDGET.rssMb,
    privateMemory: (rows[0]?.privateMbMax ?? Number.POSITIVE_INFINITY) <= BUDGET.rssMb,
  },
};

if (values.json) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else {
  const pad = (s: string, n: number) => s.padEnd(n);
  const cols: [string, number][] = [
    ["process", 46],
    ["CPU % 1 core", 14],
    ["RSS avg MB", 12],
    ["RSS max MB", 12],
    ["private max MB", 16],
    ["PSS max MB", 12],
  ];
  process.stdout.write(`\n${cols.map(([h, n]) => pad(h, n)).join("")}\n`);
  for (const r of rows) {
    if (r.note) process.stdout.write(`${pad(r.name, 46)}${r.note}\n`);
    else {
      const cells = [r.name, r.cpuPct, r.rssMbAvg, r.rssMbMax, r.privateMbMax, r.pssMbMax].map(String);
      process.stdout.write(`${cells.map((c, i) => pad(c, cols[i]?.[1] ?? 12)).join("")}\n`);
    }
  }
  const verdict = (ok: boolean) => (ok ? "ok" : "OVER");
  process.stdout.write(
    `\nbudget at ${intervalS} s: CPU <= ${BUDGET.cpuPct} %: ${verdict(result.budgetCheck.cpu)}; ` +
      `RSS <= ${BUDGET.rssMb} MB: ${verdict(result.budgetCheck.rss)}; ` +
      `private memory <= ${BUDGET.rssMb} MB: ${verdict(result.budgetCheck.privateMemory)}\n` +
      "(RSS includes the node executable's shared, file-backed pages: ~40-50 MB for Node 22 before any code runs)\n" +
      `sink received ${sinkStats.samples} samples over ${sinkStats.streams} stream(s) in ${seconds + warmupS} s\n`,
  );
}
if (!/connected to/.test(agentLog)) process.stderr.write(`agent never connected:\n${agentLog}\n`);
process.exit(0);
