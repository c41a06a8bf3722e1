// npm run bench [-- --quick] [--only wire,frames,bundle,ingest,ingest-sharded,ingest-cadence,series,storage,cost,probes,dashboard,agent,agent-h2] [--hosts N] [--seconds S]
// Runs each benchmark in its own Node process, prints one table and writes docs/BENCHMARKS.md.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, freemem, platform, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResult, Row } from "./lib/result.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const HOOK = fileURLToPath(new URL("./lib/resolve-ts.ts", import.meta.url));
const QUICK = process.argv.includes("--quick");

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Bench {
  id: string;
  file: string;
  /** Arguments of a quick run. */
  quickArgs: string[];
  fixedArgs?: string[];
  skip?: () => string | undefined;
}

const BENCHES: Bench[] = [
  { id: "wire", file: "bench/wire.ts", quickArgs: [] },
  { id: "frames", file: "bench/frames.ts", quickArgs: ["--quick"] },
  {
    id: "bundle",
    file: "bench/bundle.ts",
    quickArgs: [],
    skip: () =>
      existsSync(join(ROOT, "web/dist/index.html")) ? undefined : "web/dist missing (npm run build:web)",
  },
  {
    id: "ingest",
    file: "bench/ingest.ts",
    quickArgs: ["--quick", "--seconds", "6"],
    // The saturated figure; --quick measures ingest at the agents' real cadence (ingest-cadence) instead.
    skip: () =>
      QUICK && !only?.includes("ingest") ? "full run only (--quick: see ingest-cadence)" : undefined,
  },
  {
    id: "ingest-sharded",
    file: "bench/ingest.ts",
    quickArgs: ["--quick", "--seconds", "6"],
    fixedArgs: ["--shards", "4"],
    // The same fleet spread over 4 ingest shards; --quick stays within its time without it.
    skip: () => (QUICK && !only?.includes("ingest-sharded") ? "full run only (--quick)" : undefined),
  },
  // Capacity at the agent's real cadence (one sample per body chunk every 5 s): workerd CPU from /proc.
  { id: "ingest-cadence", file: "bench/ingest-cadence.ts", quickArgs: ["--quick"] },
  { id: "series", file: "bench/series.ts", quickArgs: ["--quick"] },
  // Bytes on disk per stored value and hosts per database: realistic hosts, 23 h through a real hub.
  { id: "storage", file: "bench/storage.ts", quickArgs: ["--quick"] },
  { id: "cost", file: "bench/cost.ts", quickArgs: ["--quick"] },
  // The minute cron's probes against loopback targets: CPU and subrequests per 100 probes.
  { id: "probes", file: "bench/probes.ts", quickArgs: ["--quick"] },
  // Live path to a person: a real agent's first frame, a revoked socket's close, hosts in Chromium.
  { id: "dashboard", file: "bench/dashboard.ts", quickArgs: ["--quick"] },
  {
    id: "agent",
    file: "bench/agent/run.ts",
    quickArgs: ["--quick"],
  },
  {
    id: "agent-h2",
    file: "bench/agent/run.ts",
    quickArgs: ["--quick"],
    fixedArgs: ["--tls"],
    // The production transport; --quick keeps the HTTP/1.1 run only.
    skip: () => (QUICK && !only?.includes("agent-h2") ? "full run only (--quick)" : undefined),
  },
];

const only = argValue("only")?.split(",");
const selected = BENCHES.filter((b) => !only || only.includes(b.id));
// A fresh clone has no build yet: the bundle is measured, and every hub serves it.
if (!existsSync(join(ROOT, "web/dist/index.html"))) {
  console.error("bench: building the dashboard first (npm run build:web)");
  spawnSync("npm", ["run", "build:web"], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
}
// --hosts/--seconds only make sense for one benchmark at a time.
const passThrough =
  only?.length === 1
    ? ["hosts", "seconds", "interval"].flatMap((k) => {
        const v = argValue(k);
        return v === undefined ? [] : [`--${k}`, v];
      })
    : [];

const dir = mkdtempSync(join(tmpdir(), "fleetwatch-bench-"));
const results: BenchResult[] = [];
const skipped: string[] = [];
const started = Date.now();

for (const b of selected) {
  const why = b.skip?.();
  if (why) {
    skipped.push(`${b.id}: ${why}`);
    console.error(`bench: skipping ${b.id}: ${why}`);
    continue;
  }
  const out = join(dir, `${b.id}.json`);
  const args = [...(b.fixedArgs ?? []), ...(QUICK ? b.quickArgs : []), ...passThrough];
  console.error(`bench: ${b.id} ${args.join(" ")}`);
  const t0 = Date.now();
  const res = spawnSync(process.execPath, ["--import", HOOK, join(ROOT, b.file), ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      BENCH_RESULT: out,
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_SEND_METRICS: "false",
    },
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Math.round((Date.now() - t0) / 1000);
  console.error(`bench: ${b.id} took ${seconds} s`);
  if (existsSync(out)) {
    results.push(JSON.parse(readFileSync(out, "utf8")) as BenchResult);
  } else if (res.status === 0 && res.stdout.trim()) {
    // A benchmark that prints its own report (the agent's) is kept verbatim.
    results.push({
      id: b.id,
      title: `${b.id} (as printed by ${b.file})`,
      rows: [],
      notes: [res.stdout.trim()],
      reproduce: `npm run bench -- --only ${b.id}`,
    });
  } else {
    skipped.push(`${b.id}: failed (exit ${res.status}) after ${seconds} s`);
    console.error(`bench: ${b.id} failed (exit ${res.status})\n${res.stdout}`);
  }
}
rmSync(dir, { recursive: true, force: true });

const table: Record<string, string | number>[] = [];
for (const r of results) {
  for (const row of r.rows)
    table.push({ bench: r.id, metric: row.metric, value: row.value, unit: row.unit ?? "" });
}
console.log("");
console.table(table);
for (const s of skipped) console.log(`skipped ${s}`);

const cpu = cpus()[0]?.model.trim() ?? "unknown";
const machine = [
  `- Date: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
  `- CPU: ${cpu}, ${cpus().length} cores`,
  `- Memory: ${Math.round(totalmem() / 2 ** 30)} GiB (${Math.round(freemem() / 2 ** 30)} GiB free at the end)`,
  `- OS: ${platform()} ${release()}`,
  `- Node: ${process.version}`,
  `- Mode: ${QUICK ? "--quick" : "full"}${only ? ` (--only ${only.join(",")})` : ""}, ${Math.round((Date.now() - started) / 1000)} s in all`,
];

function cell(v: string | number | undefined): string {
  return String(v ?? "")
    .replaceAll("|", "\\|")
    .replaceAll("\n", " ");
}

function section(r: BenchResult): string {
  const rows = r.rows.length
    ? [
        "| Metric | Value | Unit | Note |",
        "| --- | ---: | --- | --- |",
        ...r.rows.map(
          (x: Row) => `| ${cell(x.metric)} | ${cell(x.value)} | ${cell(x.unit)} | ${cell(x.note)} |`,
        ),
        "",
      ]
    : [];
  const verbatim = r.rows.length === 0;
  const notes = verbatim ? ["```", ...r.notes, "```"] : r.notes.map((n) => `- ${n}`);
  return [`## ${r.title}`, "", ...rows, ...notes, "", `Reproduce: \`${r.reproduce}\``, ""].join("\n");
}

const md = [
  "# Benchmarks",
  "",
  "Generated by `npm run bench` (`bench/run.ts`); do not edit by hand. Every benchmark can be run alone",
  "with `npm run bench -- --only <id>`; `--quick` shortens the runs that take time (under 5 minutes in all).",
  "",
  "Machine:",
  "",
  ...machine,
  "",
  ...results.map(section),
  ...(skipped.length ? ["## Not run", "", ...skipped.map((s) => `- ${s}`), ""] : []),
].join("\n");

if (!only || process.argv.includes("--write")) {
  writeFileSync(join(ROOT, "docs/BENCHMARKS.md"), md);
  console.log("\nwrote docs/BENCHMARKS.md");
} else {
  console.log("\n(--only: docs/BENCHMARKS.md left as it is; add --write to replace it)");
}
if (skipped.some((s) => s.includes("failed"))) process.exitCode = 1;
