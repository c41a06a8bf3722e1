// Uptime probes through a real hub (`wrangler dev`): the minute cron checks N probes against
// loopback HTTP and TCP servers with a realistic mix of latencies and failures (slow answers,
// 503s, refused connections, targets that never answer), and workerd's CPU from /proc gives the
// cron's CPU per 100 probes: a run with every probe due against a run a moment later with none
// due (the same alert evaluation, no checks), idle CPU taken out of both. Subrequests per run are
// counted where they land: the HTTP requests and TCP connections the servers received, plus the
// refused connections (from the probes' recorded results), plus the D1 calls the runner makes.
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { type Hub, startHub } from "../tests/e2e/hub.ts";
import { CLK_TCK, cpuSpan, hubProcesses, readCpu } from "./lib/proc-cpu.ts";
import { emit, log, numberArg, QUICK, quantile, type Row, round } from "./lib/result.ts";

const PROBES = numberArg("probes", QUICK ? 100 : 500);
const ROUNDS = numberArg("rounds", QUICK ? 2 : 4);
/** The API's cap (worker/src/routes/probes.ts MAX_PROBES_PER_FLEET): more probes go to more fleets. */
const PER_FLEET = 200;
/**
 * The runner's limits (worker/src/probes/runner.ts PROBE_CONCURRENCY, RUN_DEADLINE_MS,
 * PROBES_PER_RUN) and D1 statements per batch (probes/store.ts BATCH_STATEMENTS; 2 per check).
 * Not imported: the runner loads "cloudflare:sockets", which Node has not.
 */
const PROBE_CONCURRENCY = 6;
const RUN_DEADLINE_MS = 40_000;
const PROBES_PER_RUN = 500;
const BATCH_STATEMENTS = 50;
/** Idle CPU is measured this long before the rounds. */
const IDLE_S = QUICK ? 5 : 15;
const MINUTE = 60_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Deterministic random numbers (mulberry32), so every run builds the same probes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** What one probe's target does. */
type Behaviour =
  | { kind: "http"; ms: number; status: number }
  | { kind: "http-refused" }
  | { kind: "http-hang" }
  | { kind: "tcp" }
  | { kind: "tcp-refused" };

/**
 * The mix: 80 % HTTP, 20 % TCP. HTTP answers after a log-normal delay (median 60 ms, 90 % under
 * ~215 ms, capped at 3 s), 4 % slowly (1.2-2.5 s), 3 % with 503, 3 % refuse the connection and
 * 2 % never answer (the 10 s default timeout runs out). TCP: 90 % accept, 10 % refuse.
 */
function behaviours(n: number): Behaviour[] {
  const rnd = prng(20_261_206);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  return Array.from({ length: n }, (): Behaviour => {
    const r = rnd();
    if (rnd() < 0.2) return r < 0.1 ? { kind: "tcp-refused" } : { kind: "tcp" };
    if (r < 0.02) return { kind: "http-hang" };
    if (r < 0.05) return { kind: "http-refused" };
    if (r < 0.08) return { kind: "http", ms: Math.round(40 + 100 * rnd()), status: 503 };
    if (r < 0.12) return { kind: "http", ms: Math.round(1200 + 1300 * rnd()), status: 200 };
    return { kind: "http", ms: Math.min(3000, Math.round(60 * Math.exp(normal()))), status: 200 };
  });
}

/** Loopback targets: an HTTP server (`/t/<ms>/<status>`, `/hang`), a TCP acceptor, a closed port. */
async function startTargets() {
  const counts = { http: 0, tcp: 0 };
  const http: Server = createHttpServer((req, res) => {
    counts.http++;
    const m = /^\/t\/(\d+)\/(\d{3})$/.exec(req.url ?? "");
    if (!m) return; // /hang: never answers
    setTimeout(() => {
      res.statusCode = Number(m[2]);
      res.end("ok");
    }, Number(m[1]));
  });
  const tcp = createTcpServer((socket) => {
    counts.tcp++;
    socket.on("error", () => {});
    socket.end();
  });
  const closed = createTcpServer();
  const listen = (s: { listen: (p: number, h: string, cb: () => void) => unknown; address: () => unknown }) =>
    new Promise<number>((resolve) =>
      s.listen(0, "127.0.0.1", () => resolve((s.address() as { port: number }).port)),
    );
  const [httpPort, tcpPort, closedPort] = await Promise.all([listen(http), listen(tcp), listen(closed)]);
  await new Promise<void>((r) => closed.close(() => r()));
  return {
    counts,
    httpPort,
    tcpPort,
    closedPort,
    async stop() {
      http.closeAllConnections();
      await Promise.all([new Promise((r) => http.close(r)), new Promise((r) => tcp.close(r))]);
    },
  };
}

type Targets = Awaited<ReturnType<typeof startTargets>>;

function probeBody(i: number, b: Behaviour, t: Targets): Record<string, unknown> {
  const name = `p${String(i).padStart(4, "0")}`;
  switch (b.kind) {
    case "http":
      return { name, target: `http://127.0.0.1:${t.httpPort}/t/${b.ms}/${b.status}` };
    case "http-refused":
      return { name, target: `http://127.0.0.1:${t.closedPort}/` };
    case "http-hang":
      return { name, target: `http://127.0.0.1:${t.httpPort}/hang` };
    case "tcp":
      return { name, kind: "tcp", target: `127.0.0.1:${t.tcpPort}` };
    case "tcp-refused":
      return { name, kind: "tcp", target: `127.0.0.1:${t.closedPort}` };
  }
}

interface FleetAccess {
  id: string;
  admin: string;
}

async function api<T>(hub: Hub, f: FleetAccess, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${hub.url}/api/fleets/${f.id}${path}`, {
    method,
    headers: { Authorization: `Bearer ${f.admin}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Runs the hub's scheduled handler at `time` (wrangler's local trigger waits for it to finish). */
async function cron(hub: Hub, time: number): Promise<void> {
  const res = await fetch(`${hub.url}/cdn-cgi/local/scheduled?cron=*+*+*+*+*&time=${time}`);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`scheduled run at ${time}: HTTP ${res.status}`);
}

type ProbeJson = { name: string; last: { checkedAt: number; up: boolean } | null };

/**
 * CPU seconds of the hub's runtime and the wall time of one scheduled run; `reloaded` when the
 * runtime was replaced meanwhile (wrangler dev restarts it when worker/src changes), so the
 * ticks of the two readings are of different processes.
 */
async function measuredRun(hub: Hub, time: number) {
  const procs = hubProcesses(hub.port);
  const a = readCpu(procs);
  await cron(hub, time);
  const b = readCpu(procs);
  const span = cpuSpan(a, b);
  const reloaded = hubProcesses(hub.port).runtime.join(",") !== procs.runtime.join(",");
  return { cpuS: span.runtimeS, mainS: span.runtimeMainS, wallS: span.seconds, reloaded };
}

async function main(): Promise<void> {
  const targets = await startTargets();
  const hub = await startHub();
  try {
    const fleets: FleetAccess[] = [];
    for (let i = 0; i * PER_FLEET < PROBES; i++) {
      const id = `probes-${i}`;
      fleets.push({ id, admin: (await hub.fleet(id)).admin });
    }
    const mix = behaviours(PROBES);
    const bodies = mix.map((b, i) => probeBody(i, b, targets));
    const refusedNames = new Set(
      bodies.filter((_, i) => mix[i]?.kind.endsWith("refused")).map((b) => String(b.name)),
    );
    log(`probes: creating ${PROBES} probes in ${fleets.length} fleet(s)`);
    const create = async (i: number) =>
      api(hub, fleets[Math.floor(i / PER_FLEET)] as FleetAccess, "POST", "/probes", bodies[i]);
    // Each fleet's first probe seeds its rules: that one alone, then the rest 8 at a time.
    for (let f = 0; f < fleets.length; f++) await create(f * PER_FLEET);
    const rest = bodies.map((_, i) => i).filter((i) => i % PER_FLEET !== 0);
    for (let k = 0; k < rest.length; k += 8) await Promise.all(rest.slice(k, k + 8).map(create));
    // Scheduled times on whole minutes from the next one, away from the hourly prune minute (17),
    // so every round finds every probe due and the prune is not measured.
    let t = Math.ceil(Date.now() / MINUTE) * MINUTE + MINUTE;
    const nextTime = () => {
      t += MINUTE;
      while (new Date(t).getUTCMinutes() === 17) t += MINUTE;
      return t;
    };
    // Warm-up: the first run compiles the Worker's code paths and seeds the fleets' rules.
    await cron(hub, nextTime());
    await cron(hub, t + 30_000);

    const procs = hubProcesses(hub.port);
    const i0 = readCpu(procs);
    await sleep(IDLE_S * 1000);
    const idle = cpuSpan(i0, readCpu(procs));
    const idleRate = idle.runtimeS / idle.seconds;
    log(`probes: idle runtime CPU ${round(idleRate * 1000, 2)} ms/s`);

    const rounds: {
      checked: number;
      up: number;
      refused: number;
      peers: number;
      run: Awaited<ReturnType<typeof measuredRun>>;
      base: Awaited<ReturnType<typeof measuredRun>>;
    }[] = [];
    let reloads = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const at = nextTime();
      const before = { ...targets.counts };
      const attempt = async (time: number) =>
        measuredRun(hub, time).catch((e: unknown) => {
          log(`probes: scheduled run failed (${String(e)})`);
          return { cpuS: 0, mainS: 0, wallS: 0, reloaded: true };
        });
      const run = await attempt(at);
      // The handshake of a connection the check already gave up on may still land: let it.
      await sleep(200);
      const peers = targets.counts.http - before.http + targets.counts.tcp - before.tcp;
      // Nothing is due half a minute later: the same cron, alert evaluation included, without checks.
      const base = await attempt(at + 30_000);
      if (run.reloaded || base.reloaded) {
        if (++reloads > 5) throw new Error("the hub keeps reloading (worker/src is being edited): try later");
        log(`probes: round ${r + 1}: the hub reloaded meanwhile; measured again`);
        r--;
        continue;
      }
      const listed = (
        await Promise.all(fleets.map((f) => api<{ probes: ProbeJson[] }>(hub, f, "GET", "/probes")))
      ).flatMap((x) => x.probes);
      const mine = listed.filter((p) => p.last?.checkedAt === at);
      // A refused connection reaches no server: counted from the mix.
      const refused = mine.filter((p) => refusedNames.has(p.name));
      rounds.push({
        checked: mine.length,
        up: mine.filter((p) => p.last?.up).length,
        refused: refused.length,
        peers,
        run,
        base,
      });
      log(
        `probes: round ${r + 1}: ${mine.length} checked in ${round(run.wallS, 1)} s, CPU ${round(run.cpuS * 1000)} ms (none due: ${round(base.cpuS * 1000)} ms)`,
      );
    }

    const net = rounds.map((x) => {
      const probeCpu = x.run.cpuS - x.base.cpuS - idleRate * (x.run.wallS - x.base.wallS);
      return { ...x, per100Ms: (probeCpu / Math.max(1, x.checked)) * 100 * 1000 };
    });
    const sorted = (f: (x: (typeof net)[number]) => number) => net.map(f).sort((a, b) => a - b);
    const med = (f: (x: (typeof net)[number]) => number) => quantile(sorted(f), 0.5);
    const checked = med((x) => x.checked);
    const d1Calls = 1 + Math.ceil((2 * checked) / BATCH_STATEMENTS);
    const outbound = med((x) => x.peers + x.refused);
    const rows: Row[] = [
      {
        metric: "probes (per run)",
        value: PROBES,
        note: `${fleets.length} fleet(s); ${ROUNDS} measured runs, medians`,
      },
      {
        metric: "checked per run",
        value: checked,
        note: `up ${med((x) => x.up)}; the rest failed as the mix intends`,
      },
      {
        metric: "run wall time",
        value: round(
          med((x) => x.run.wallS),
          1,
        ),
        unit: "s",
        note: `${PROBE_CONCURRENCY} checks at a time; no check starts after ${RUN_DEADLINE_MS / 1000} s`,
      },
      {
        metric: "cron CPU, probes due",
        value: round(med((x) => x.run.cpuS) * 1000),
        unit: "ms",
        note: "workerd runtime process, all threads",
      },
      {
        metric: "cron CPU, none due",
        value: round(med((x) => x.base.cpuS) * 1000),
        unit: "ms",
        note: "same run a moment later: alert evaluation, no checks",
      },
      {
        metric: "idle CPU",
        value: round(idleRate * 1000, 2),
        unit: "ms/s",
        note: `over ${IDLE_S} s; taken out of both runs by their wall time`,
      },
      {
        metric: "probe CPU per 100 probes",
        value: round(
          med((x) => x.per100Ms),
          1,
        ),
        unit: "ms",
        note: `min ${round(sorted((x) => x.per100Ms)[0] ?? 0, 1)}, max ${round(sorted((x) => x.per100Ms).at(-1) ?? 0, 1)}; resolution ${round(1000 / CLK_TCK)} ms`,
      },
      {
        metric: "probe CPU per 100 probes, main thread",
        value: round(
          med((x) => ((x.run.mainS - x.base.mainS) / Math.max(1, x.checked)) * 100 * 1000),
          1,
        ),
        unit: "ms",
        note: "the thread that runs the isolate",
      },
      {
        metric: "outbound subrequests per 100 probes",
        value: round((outbound / Math.max(1, checked)) * 100, 1),
        note: `${outbound} per run: HTTP requests and TCP connections the servers got, plus refused connections`,
      },
      {
        metric: "D1 calls per 100 probes",
        value: round((d1Calls / Math.max(1, checked)) * 100, 1),
        note: `${d1Calls} per run: the due query and one batch per ${BATCH_STATEMENTS / 2} checks`,
      },
      {
        metric: "subrequests per 100 probes",
        value: round(((outbound + d1Calls) / Math.max(1, checked)) * 100, 1),
        note: `Paid: 10,000 per invocation; Free: 50 (PROBES_PER_RUN default ${PROBES_PER_RUN})`,
      },
    ];
    emit({
      id: "probes",
      title: `Uptime probes from the minute cron: ${PROBES} probes with a realistic mix, workerd CPU from /proc`,
      rows,
      notes: [
        ...(reloads > 0
          ? [`${reloads} round(s) were measured again: the hub reloaded during them (worker/src edited).`]
          : []),
        "Targets on loopback: 80 % HTTP (log-normal delay, median 60 ms, 90 % under ~215 ms; 4 % answer in 1.2-2.5 s; 3 % answer 503; 3 % refuse; 2 % never answer, so the 10 s timeout runs out) and 20 % TCP (10 % refused). Loopback TCP accepts at once: TCP latencies are ~0 here, unlike a real network.",
        "Each round triggers the scheduled handler at a chosen minute (wrangler's /cdn-cgi/local/scheduled?time=) with every probe due, then again 30 s later with none due. Probe CPU = (due - none due - idle rate x wall-time difference) / checked x 100.",
        "Where it misleads: the runtime process also runs local D1 (SQLite) and wrangler's dev plumbing, which production bills as neither Worker CPU nor time; waiting on a target costs no CPU, so slow targets lengthen the run (wall time), not the CPU; the CPU resolution is one tick, so a short run's figure is coarse.",
        "Subrequests: each check is one (a redirect followed would be one more; this mix has none), D1 calls are counted from the runner's code (one query for due probes, one batch per 25 checks). Alert evaluation after the probes adds one D1 read per fleet with probe rules, in both runs.",
      ],
      reproduce: `npm run bench -- --only probes${QUICK ? " --quick" : ""} (node bench/probes.ts --probes ${PROBES} --rounds ${ROUNDS})`,
    });
  } finally {
    await hub.dispose();
    await targets.stop();
  }
}

await main();
