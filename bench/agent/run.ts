// Measures the agent's overhead (CPU % of one core including children, RSS)
// beside Prometheus node_exporter's, both running through the same window on
// the same machine: the agent streams to a local Connect sink, node_exporter
// is scraped by this script every 5 s over loopback.
//
//   node_modules/.bin/node bench/agent/run.ts [--quick] [--seconds 120] [--warmup 10] [--interval 5] [--tls] [--json]
//     [--containers 50 --docker-socket /path/docker.sock [--docker-image fw-busybox]]
//
// --tls measures the production transport: HTTP/2 over TLS to an https sink
// (a throwaway certificate from openssl, trusted through NODE_EXTRA_CA_CERTS).
// --containers N starts N busybox containers running `sleep` on that dockerd
// (`.ci/with-dockerd node bench/agent/run.ts --containers 50` gives one) and
// points the agent at its socket; without it the agent's containers are off.
//
// Plain Node 22 (type stripping): no TS-only syntax, explicit .ts imports.
import { type ChildProcess, execFileSync, execSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { emit, log, type Row } from "../lib/result.ts";
import { type Cost, Watch } from "./watch.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const AGENT = join(ROOT, "agent/dist/cli.js");
const NODE_EXPORTER = "/usr/bin/prometheus-node-exporter";
const INSTALL_HINT = "install it with: apt-get install prometheus-node-exporter";
/** Prometheus' default is 15 s or more; every 5 s matches the agent's cadence. */
const SCRAPE_EVERY_MS = 5_000;
const BUDGET = { cpuPct: 0.3, rssMb: 50 };

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    seconds: { type: "string" },
    warmup: { type: "string" },
    interval: { type: "string", default: "5" },
    json: { type: "boolean", default: false },
    tls: { type: "boolean", default: false },
    containers: { type: "string", default: "0" },
    "docker-socket": { type: "string" },
    "docker-image": { type: "string" },
  },
});
const CONTAINERS = Number(values.containers);
const DOCKER_SOCKET = values["docker-socket"] ?? process.env.FLEETWATCH_DOCKER_SOCKET ?? "";
const DOCKER_IMAGE = values["docker-image"] ?? process.env.FLEETWATCH_DOCKER_IMAGE ?? "fw-busybox";
if (CONTAINERS > 0 && !DOCKER_SOCKET) {
  throw new Error(
    "--containers needs --docker-socket (or run under .ci/with-dockerd, which sets FLEETWATCH_DOCKER_SOCKET)",
  );
}
/** The harness drives containers with the docker CLI; the agent itself only reads the socket. */
function docker(...args: string[]): string {
  return execFileSync("docker", args, {
    env: { ...process.env, DOCKER_HOST: `unix://${DOCKER_SOCKET}` },
    encoding: "utf8",
  }).trim();
}
const containerPrefix = `fwbench${process.pid}`;

/** The dockerd serving `socket`, found by its command line: what the agent's Engine API calls cost it. */
function dockerdPid(socket: string): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmd.startsWith("dockerd") || cmd.includes("/dockerd\0")) {
        if (cmd.includes(socket)) return Number(entry);
      }
    } catch {
      // the process exited
    }
  }
  return undefined;
}
const TLS = values.tls;
const seconds = Number(values.seconds ?? (values.quick ? 20 : 120));
const warmupS = Number(values.warmup ?? (values.quick ? 5 : 10));
const intervalS = Number(values.interval);

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

/** Resolves with the next stdout line of `child`. */
function nextLine(child: ChildProcess): Promise<string> {
  return new Promise((res, rej) => {
    let buf = "";
    const onData = (d: string) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      child.stdout?.off("data", onData);
      res(buf.slice(0, nl));
    };
    child.stdout?.setEncoding("utf8").on("data", onData);
    child.once("exit", (code) => rej(new Error(`exited with ${code} before printing`)));
  });
}

/** Sends SIGTERM and waits for the exit, SIGKILL after 5 s. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(kill);
      res();
    });
    child.kill("SIGTERM");
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const work = mkdtempSync(join(tmpdir(), "fw-bench-"));
const children: ChildProcess[] = [];
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
  if (CONTAINERS > 0) {
    const ids = docker("ps", "-aq", "--filter", `name=${containerPrefix}`);
    if (ids) docker("rm", "-f", ...ids.split("\n"));
  }
});
if (CONTAINERS > 0) {
  log(`starting ${CONTAINERS} containers (${DOCKER_IMAGE}, sleep)...`);
  for (let i = 0; i < CONTAINERS; i++) {
    docker(
      "run",
      "-d",
      "--name",
      `${containerPrefix}-${i}`,
      "--network",
      "none",
      DOCKER_IMAGE,
      "sleep",
      "1000000",
    );
  }
}

if (!existsSync(AGENT) || !existsSync(join(ROOT, "agent/dist/main.js")))
  execSync("npm run build -w agent", { cwd: ROOT, stdio: "inherit" });
await build({
  entryPoints: [join(import.meta.dirname, "sink.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  outfile: join(work, "sink.mjs"),
  logLevel: "warning",
});

const tlsFiles = { key: join(work, "key.pem"), cert: join(work, "cert.pem") };
if (TLS) {
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", tlsFiles.key, "-out", tlsFiles.cert, "-days", "1", "-subj", "/CN=127.0.0.1"],
      ...["-addext", "subjectAltName=IP:127.0.0.1"],
    ],
    { stdio: "ignore" },
  );
}
const sink = spawn(process.execPath, [join(work, "sink.mjs")], {
  stdio: ["ignore", "pipe", "inherit"],
  env: { ...process.env, ...(TLS ? { SINK_TLS_KEY: tlsFiles.key, SINK_TLS_CERT: tlsFiles.cert } : {}) },
});
children.push(sink);
const { port } = JSON.parse(await nextLine(sink)) as { port: number };

// Started as an installed agent is: plain `node cli.js`, which relaunches itself with its runtime flags.
const agent = spawn(process.execPath, [AGENT], {
  env: {
    PATH: process.env.PATH ?? "",
    HOME: work,
    FLEETWATCH_HUB: `${TLS ? "https" : "http"}://127.0.0.1:${port}`,
    ...(TLS ? { NODE_EXTRA_CA_CERTS: tlsFiles.cert } : {}),
    FLEETWATCH_TOKEN: "bench-token",
    FLEETWATCH_INTERVAL: String(intervalS),
    FLEETWATCH_SPOOL_DIR: join(work, "spool"),
    FLEETWATCH_CONTAINER_SOCKET: CONTAINERS > 0 ? DOCKER_SOCKET : "none",
  },
  stdio: ["ignore", "ignore", "pipe"],
});
children.push(agent);
let agentLog = "";
agent.stderr?.setEncoding("utf8").on("data", (d: string) => {
  agentLog += d;
});
const agentWatch = new Watch(agent.pid as number);

let exporter: ChildProcess | undefined;
let exporterWatch: Watch | undefined;
let scrapeUrl: string | undefined;
if (existsSync(NODE_EXPORTER)) {
  const exporterPort = await freePort();
  exporter = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${exporterPort}`], {
    stdio: ["ignore", "ignore", "ignore"],
  });
  children.push(exporter);
  exporterWatch = new Watch(exporter.pid as number);
  scrapeUrl = `http://127.0.0.1:${exporterPort}/metrics`;
} else {
  log(`node_exporter not found at ${NODE_EXPORTER}: measuring the agent alone; ${INSTALL_HINT}`);
}

log(`warming up ${warmupS} s, then measuring ${seconds} s...`);
await sleep(warmupS * 1000);
const dockerd = CONTAINERS > 0 ? dockerdPid(DOCKER_SOCKET) : undefined;
const dockerdWatch = dockerd === undefined ? undefined : new Watch(dockerd);
const watches = [
  agentWatch,
  ...(exporterWatch ? [exporterWatch] : []),
  ...(dockerdWatch ? [dockerdWatch] : []),
];
for (const w of watches) w.begin();
const started = Date.now();
let nextScrape = 0;
const scrapes = { ok: 0, failed: 0 };
while (Date.now() - started < seconds * 1000) {
  for (const w of watches) w.poll();
  if (scrapeUrl && Date.now() >= nextScrape) {
    nextScrape = Date.now() + SCRAPE_EVERY_MS;
    const ok = await fetch(scrapeUrl)
      .then(async (r) => r.ok && (await r.text()).includes("node_cpu_seconds_total"))
      .catch(() => false);
    scrapes[ok ? "ok" : "failed"]++;
  }
  await sleep(1000);
}
const agentCost = agentWatch.cost();
const exporterCost = exporterWatch?.cost();
const dockerdCost = dockerdWatch?.cost();
// The node flags the agent actually ran with, after its relaunch.
const agentArgv = readFileSync(`/proc/${agent.pid}/cmdline`, "utf8").split("\0").filter(Boolean);
const agentFlags = agentArgv.slice(1, agentArgv.indexOf(AGENT)).join(" ");

/**
 * Node's own floor for the same transport: a process with the agent's flags
 * that opens one connection to the sink the way the agent does (HTTP/1.1, or
 * HTTP/2 over TLS) and idles. What the agent costs is what lies above it.
 */
async function nodeFloorMb(): Promise<number> {
  const url = `${TLS ? "https" : "http"}://127.0.0.1:${port}/`;
  const script = TLS
    ? `const c = require("http2").connect(${JSON.stringify(url)}, { ca: require("fs").readFileSync(${JSON.stringify(tlsFiles.cert)}) });
       const r = c.request({ ":path": "/" }); r.resume(); r.end(); setInterval(() => {}, 1e9);`
    : `const agent = new (require("http").Agent)({ keepAlive: true });
       require("http").get(${JSON.stringify(url)}, { agent }, (r) => r.resume()); setInterval(() => {}, 1e9);`;
  const floor = spawn(process.execPath, [...agentFlags.split(" ").filter(Boolean), "-e", script], {
    stdio: "ignore",
  });
  children.push(floor);
  const watch = new Watch(floor.pid as number);
  await sleep(3000);
  watch.begin();
  for (let i = 0; i < 5; i++) {
    watch.poll();
    await sleep(1000);
  }
  const cost = watch.cost();
  await stop(floor);
  if (!cost) throw new Error("the Node floor process exited early");
  return cost.rssMbMax;
}
const floorMb = await nodeFloorMb();

if (exporter) await stop(exporter);
const sinkSummary = nextLine(sink);
sink.kill("SIGTERM");
const sinkStats = JSON.parse(await sinkSummary) as { samples: number; received: number; streams: number };
await stop(agent);

if (!agentCost || !/connected to/.test(agentLog)) {
  log(`the agent ${agentCost ? "never connected to the sink" : "exited during the run"}:\n${agentLog}`);
  process.exit(1);
}

const AGENT_NAME = "fleetwatch-agent";
const EXPORTER_NAME = "prometheus-node-exporter";
const costRows = (metric: string, unit: string, pick: (c: Cost) => string | number): Row[] => [
  { metric: `${AGENT_NAME}: ${metric}`, value: pick(agentCost), unit },
  exporterCost
    ? { metric: `${EXPORTER_NAME}: ${metric}`, value: pick(exporterCost), unit }
    : { metric: `${EXPORTER_NAME}: ${metric}`, value: "-", note: `not installed; ${INSTALL_HINT}` },
];
const withinBudget = agentCost.cpuPct <= BUDGET.cpuPct && agentCost.rssMbMax <= BUDGET.rssMb;
const args = process.argv.slice(2).filter((a) => a !== "--json");

const transport = TLS ? "HTTP/2 over TLS (the production default)" : "HTTP/1.1";
emit({
  id: `${TLS ? "agent-h2" : "agent"}${CONTAINERS > 0 ? "-containers" : ""}`,
  title: `Agent overhead beside node_exporter at ${intervalS} s, ${TLS ? "HTTP/2 over TLS" : "HTTP/1.1"}${CONTAINERS > 0 ? `, ${CONTAINERS} running containers` : ""} (${seconds} s measured after ${warmupS} s warm-up)`,
  rows: [
    ...costRows("CPU incl. children", "% of 1 core", (c) => c.cpuPct),
    ...costRows("RSS avg / max", "MB", (c) => `${c.rssMbAvg} / ${c.rssMbMax}`),
    ...costRows("private (RssAnon) max", "MB", (c) => c.privateMbMax),
    ...costRows("PSS max", "MB", (c) => c.pssMbMax),
    {
      metric: "Node's floor: same flags, one idle connection of the same transport",
      value: floorMb,
      unit: "MB",
      note: "RSS max of a process running no agent code",
    },
    {
      metric: `${AGENT_NAME}: RSS above Node's floor`,
      value: Math.round((agentCost.rssMbMax - floorMb) * 10) / 10,
      unit: "MB",
    },
    ...(dockerdCost
      ? [
          {
            metric: "dockerd: CPU (serving the agent, and its own upkeep of the containers)",
            value: dockerdCost.cpuPct,
            unit: "% of 1 core",
          },
        ]
      : []),
  ],
  notes: [
    `Budget of the agent: <= ${BUDGET.cpuPct} % of one core and <= ${BUDGET.rssMb} MB RSS: ${withinBudget ? "within budget" : "OVER BUDGET"}${floorMb > BUDGET.rssMb ? ` (Node's own floor for this transport, ${floorMb} MB, is above the RSS budget before any agent code runs)` : ""}.`,
    `The agent ran as \`node ${agentFlags} agent/dist/cli.js\` (it relaunches itself with these flags) on Node ${process.version}, streaming to a local Connect sink over ${transport}, which received ${sinkStats.samples} samples over ${sinkStats.streams} stream(s).`,
    exporterCost
      ? `node_exporter (Debian package, default collectors) was scraped ${scrapes.ok} times, every ${SCRAPE_EVERY_MS / 1000} s over loopback${scrapes.failed > 0 ? `, ${scrapes.failed} scrapes failed` : ""}.`
      : `node_exporter was not measured: ${INSTALL_HINT}.`,
    CONTAINERS > 0
      ? `Containers: ${CONTAINERS} busybox containers running \`sleep\` on a local dockerd (${docker("version", "--format", "{{.Server.Version}}")}); every 30 s the agent lists them, reads one one-shot stats each (8 in flight) and inspects those up for seconds only.`
      : "Containers off (FLEETWATCH_CONTAINER_SOCKET=none).",
    "RSS counts the shared, file-backed pages of each executable: Node 22 running an empty script is about 42 MB RSS, 36 MB of it file-backed; PSS splits those pages with the bench's own Node processes.",
  ],
  reproduce: `node bench/agent/run.ts ${args.join(" ")}`.trim(),
});

if (values.json) {
  process.stdout.write(
    `${JSON.stringify(
      {
        seconds,
        intervalS,
        warmupS,
        budget: BUDGET,
        agent: agentCost,
        nodeExporter: exporterCost ?? { missing: INSTALL_HINT },
        agentFlags,
        sink: sinkStats,
        exporterScrapes: scrapes,
        agentWithinBudget: withinBudget,
        node: process.version,
      },
      null,
      2,
    )}\n`,
  );
}
process.exit(0);
