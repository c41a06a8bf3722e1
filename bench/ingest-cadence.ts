// Ingest at the agent's real cadence through a real hub (`wrangler dev`): every host keeps one
// client-streaming Stream open and sends one corpus sample per body chunk every interval, while
// 10 dashboards watch. workerd's own CPU (from /proc) over the samples it stored gives CPU per
// sample, the figure that bounds how many hosts one fleet object serves. A second window keeps
// the streams open with nothing sent (what an idle open stream costs), a third closes them (the
// baseline: viewers, alarms).
//
// Why not bench/ingest's samples/s: a saturated stream packs many messages into each body chunk,
// so per-chunk costs (Worker hop, DO delivery, decode set-up) are shared by many samples. An
// agent sends one sample per chunk every 5 s and pays them every time (the design's pitfall
// "Real cadence is not saturation").
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { HostInfoSchema } from "@fleetwatch/proto/host_pb";
import type { Sample } from "@fleetwatch/proto/sample_pb";
import { createToken } from "../scripts/lib/fleets.ts";
import { connectClient } from "../tests/e2e/clients.ts";
import { type Hub, startHub } from "../tests/e2e/hub.ts";
import { STATUS_BACKSTOP_MS } from "../worker/src/fleet/alarm-plan.ts";
import type { Usage } from "../worker/src/fleet/usage-counts.ts";
import { decodeSummaries, type OverviewFrame } from "../worker/src/metrics/summary.ts";
import { type CorpusHost, fleetCorpus } from "./lib/corpus.ts";
import { CLK_TCK, type CpuSpan, cpuSpan, type HubProcesses, hubProcesses, readCpu } from "./lib/proc-cpu.ts";
import { type ProfileItem, profileHub, topSelf } from "./lib/profile.ts";
import { emit, log, numberArg, QUICK, quantile, type Row, round } from "./lib/result.ts";

const HOSTS = numberArg("hosts", QUICK ? 200 : 1000);
/**
 * `--profile`: a V8 CPU profile of the Worker isolate during window 1, its
 * top items in the report, the profile in the temp folder. Sampling costs
 * CPU: a profiled run's CPU figures are higher than an unprofiled one's.
 */
const PROFILE = process.argv.includes("--profile");
/** Sampling interval of `--profile`, µs: coarse, since sampling inflates the CPU it measures. */
const PROFILE_INTERVAL_US = numberArg("profile-interval", 1000);
const INTERVAL_S = numberArg("interval", 5);
/** After every stream has delivered its first sample; lets JIT, caches and the hub's alarms settle. */
const WARMUP_S = numberArg("warmup", QUICK ? 10 : 30);
const WINDOW_S = numberArg("seconds", QUICK ? 15 : 120);
/** The idle windows (2 and 3) wait for hosts to turn stale and the runtime to go quiet: the full run only. */
const IDLE_WINDOWS = !QUICK;
/** The idle-stream window and the closed-stream baseline each last this long. */
const IDLE_S = numberArg("idle-seconds", QUICK ? 15 : 60);
const VIEWERS = 10;
/** The dashboard pings every 20 s (web/src/lib/reconnecting-socket.ts); the hub closes silent sockets at 90 s. */
const PING_S = 20;
/**
 * Hosts per agent token: 1,000 hosts at 5 s are 200 samples/s, far below one token's 2,000/s
 * (worker/src/fleet/rate-limit.ts), but several tokens keep the limiter out of the picture anyway.
 */
const HOSTS_PER_TOKEN = 100;
const FLEET = "cadence";
const CORPUS_SEED = 11;
/**
 * The saturated figure, not re-run here: `npm run bench -- --only ingest --hosts 200 --seconds 60`,
 * full run of 2026-11-23 in docs/BENCHMARKS.md ("Ingest through a real hub: 200 streaming hosts,
 * one viewer"): 11,137 samples/s accepted, "equivalent hosts at 5 s" 55,684.
 */
const SATURATED_SAMPLES_PER_S = 11_137;

/**
 * worker/src/fleet/raw-window.ts RAW_FLUSH_AGE_MS: a host's raw samples are written as one segment
 * row once the oldest has waited this long. Not imported: that module's parameter properties do
 * not load under Node's type stripping.
 */
const RAW_FLUSH_S = 300;
/** How often window 1 reads the hub's counters to see when rows are written. */
const POLL_S = 10;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ------------------------------------------------------------ agents

/** Send times of every sample, per host and seq. */
class SendLog {
  readonly sent = new Map<string, Map<number, number>>();

  record(hostId: string, seq: number, t: number): void {
    let m = this.sent.get(hostId);
    if (!m) {
      m = new Map();
      this.sent.set(hostId, m);
    }
    m.set(seq, t);
  }

  at(hostId: string, seq: number): number | undefined {
    return this.sent.get(hostId)?.get(seq);
  }
}

interface Agent {
  host: CorpusHost;
  hostId: string;
  token: string;
  seq: number;
  /** When the next sample is due (performance.now()); kept across reconnects. */
  nextAt: number;
}

type Mode = "send" | "pause" | "stop";

/** What every agent follows (send on schedule, hold the stream silent, or end it), and what streams did. */
class Control {
  mode: Mode = "send";
  sent = 0;
  /** Streams in flight now. */
  open = 0;
  /** Streams that ended while the bench wanted them open, by Connect code ("ok": the hub ended it cleanly). */
  readonly ended = new Map<string, number>();
  endedCount = 0;
  /** Streams that failed instead of ending cleanly when the bench ended them, by Connect code. */
  readonly failedAtStop = new Map<string, number>();
  #wake: () => void = () => {};
  #changed = new Promise<void>((r) => {
    this.#wake = r;
  });

  set(mode: Mode): void {
    this.mode = mode;
    this.#wake();
    this.#changed = new Promise<void>((r) => {
      this.#wake = r;
    });
  }

  /** Sleeps `ms`, or less when the mode changes. */
  wait(ms: number): Promise<void> {
    return Promise.race([sleep(Math.max(0, ms)), this.#changed]);
  }

  changed(): Promise<void> {
    return this.#changed;
  }

  /** A method, not `mode === "stop"`: the mode changes across every await. */
  stopped(): boolean {
    return this.mode === "stop";
  }

  endedEarly(kind: string): void {
    this.ended.set(kind, (this.ended.get(kind) ?? 0) + 1);
    this.endedCount++;
  }
}

/**
 * The agent's live stream: one sample per yield (connect-node writes each message as its own
 * body chunk), on a fixed-rate schedule that never accumulates lateness, as agent/src does.
 */
async function* samples(a: Agent, ctl: Control, sends: SendLog): AsyncGenerator<Sample> {
  const intervalMs = INTERVAL_S * 1000;
  for (;;) {
    if (ctl.mode === "stop") return;
    if (ctl.mode === "pause") {
      await ctl.changed();
      continue;
    }
    const now = performance.now();
    if (now < a.nextAt) {
      await ctl.wait(a.nextAt - now);
      continue;
    }
    while (a.nextAt <= now) a.nextAt += intervalMs;
    a.seq++;
    const sample = a.host.sample(a.seq, Date.now());
    sends.record(a.hostId, a.seq, performance.now());
    ctl.sent++;
    yield sample;
  }
}

/**
 * One agent: a Stream held open until the bench stops it. Like the real agent, it opens a new one
 * after a failure (a dev-server reload answers 503), seq carrying on where it was.
 */
async function runAgent(hub: Hub, a: Agent, ctl: Control, sends: SendLog): Promise<void> {
  const client = connectClient(hub.url, a.token, a.hostId);
  while (!ctl.stopped()) {
    ctl.open++;
    try {
      await client.stream(samples(a, ctl, sends));
      if (!ctl.stopped()) ctl.endedEarly("ok");
    } catch (e) {
      const err = ConnectError.from(e);
      const code = Code[err.code] ?? "unknown";
      if (!ctl.ended.has(code) && !ctl.failedAtStop.has(code))
        log(`ingest-cadence: stream failed: ${err.message}`);
      if (ctl.stopped()) ctl.failedAtStop.set(code, (ctl.failedAtStop.get(code) ?? 0) + 1);
      else ctl.endedEarly(code);
    } finally {
      ctl.open--;
    }
    if (!ctl.stopped()) await ctl.wait(1000 + Math.random() * 2000);
  }
}

// ------------------------------------------------------------ viewers

/** What one viewer received during a measured window. */
interface ViewerWindow {
  frames: number;
  bytes: number;
  /** Overview: sample time -> the frame that carried it, for samples sent in the window. */
  latencies: number[];
  /** Host page: send -> the subscribed host's full state covering the sample. */
  hostLatencies: number[];
}

const emptyWindow = (): ViewerWindow => ({ frames: 0, bytes: 0, latencies: [], hostLatencies: [] });

/**
 * A dashboard socket as the dashboard opens it (the overview protocol), on a
 * host page: it holds every host's summary and subscribes to one host's full
 * state. Reopens when `wrangler dev` drops it, and pings like the dashboard.
 */
class Viewer {
  /** Host id -> newest sample time shown. */
  readonly shown = new Map<string, number>();
  win: ViewerWindow = emptyWindow();
  recordingSince = Number.POSITIVE_INFINITY;
  reconnects = 0;
  resyncs = 0;
  #ws: WebSocket | undefined;
  #closed = false;
  #pinger: NodeJS.Timeout | undefined;
  #gen = -1;
  readonly #byIndex = new Map<number, string>();
  #hostSeq = 0;

  readonly #hub: Hub;
  readonly #token: string;
  readonly #sends: SendLog;
  readonly #hostPage: string | undefined;

  // Plain fields, not parameter properties: Node's type stripping runs this file.
  constructor(hub: Hub, token: string, sends: SendLog, hostPage: string | undefined) {
    this.#hub = hub;
    this.#token = token;
    this.#sends = sends;
    this.#hostPage = hostPage;
  }

  async open(): Promise<void> {
    const ws = new WebSocket(`${this.#hub.url.replace("http", "ws")}/api/fleets/${FLEET}/live?frames=2`, {
      headers: { Authorization: `Bearer ${this.#token}` },
    } as unknown as string[]);
    ws.binaryType = "arraybuffer";
    ws.addEventListener("message", (e) => this.#message(e.data));
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve());
      ws.addEventListener("error", () => reject(new Error("viewer socket failed to open")));
    });
    ws.addEventListener("close", () => {
      if (!this.#closed) setTimeout(() => this.#reopen(), 500);
    });
    this.#ws = ws;
    if (this.#hostPage) ws.send(JSON.stringify({ type: "subscribe", hostIds: [this.#hostPage] }));
    this.#pinger ??= setInterval(() => {
      if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send("ping");
    }, PING_S * 1000);
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#pinger);
    this.#ws?.close();
  }

  /** Starts a fresh window; only samples sent from now on count for latency. */
  record(): void {
    this.win = emptyWindow();
    this.recordingSince = performance.now();
  }

  #reopen(): void {
    if (this.#closed) return;
    this.reconnects++;
    this.open().catch(() => setTimeout(() => this.#reopen(), 500));
  }

  #message(data: unknown): void {
    if (data === "pong") return;
    const now = Date.now();
    const timed = performance.now() >= this.recordingSince;
    this.win.frames++;
    if (typeof data !== "string") {
      const bytes = new Uint8Array(data as ArrayBuffer);
      this.win.bytes += bytes.byteLength;
      const f = decodeSummaries(bytes);
      if (f.gen !== this.#gen) {
        this.#resync();
        return;
      }
      for (const { index, codes } of f.changes) {
        const id = this.#byIndex.get(index);
        if (id === undefined) {
          this.#resync();
          return;
        }
        if (codes.seen !== undefined) this.#seen(id, codes.seen, now, timed);
      }
      return;
    }
    this.win.bytes += Buffer.byteLength(data);
    const frame = JSON.parse(data) as OverviewFrame;
    switch (frame.type) {
      case "overview":
        this.#gen = frame.gen;
        this.#byIndex.clear();
        // It says what the viewer has, not how fast it came.
        for (const e of frame.hosts) {
          this.#byIndex.set(e.i, e.id);
          this.#seen(e.id, e.c.seen, now, false);
        }
        break;
      case "entries":
        if (frame.gen !== this.#gen) {
          this.#resync();
          return;
        }
        for (const e of frame.hosts) {
          this.#byIndex.set(e.i, e.id);
          this.#seen(e.id, e.c.seen, now, timed);
        }
        break;
      case "host": {
        const seq = frame.host?.lastSeq ?? 0;
        if (!timed || seq <= this.#hostSeq) {
          this.#hostSeq = Math.max(seq, this.#hostSeq);
          break;
        }
        const at = performance.now();
        for (let q = this.#hostSeq + 1; q <= seq; q++) {
          const sent = this.#sends.at(frame.hostId, q);
          if (sent !== undefined && sent >= this.recordingSince) this.win.hostLatencies.push(at - sent);
        }
        this.#hostSeq = seq;
        break;
      }
    }
  }

  #resync(): void {
    this.resyncs++;
    this.#gen = -1;
    this.#ws?.send(JSON.stringify({ type: "resync" }));
  }

  /** A sample time reached this viewer: its age is the latency (same machine, same clock). */
  #seen(id: string, seen: number, now: number, timed: boolean): void {
    const prev = this.shown.get(id) ?? 0;
    if (seen <= prev) return;
    this.shown.set(id, seen);
    if (timed && prev > 0) this.win.latencies.push(now - seen);
  }
}

// ------------------------------------------------------------ measuring

/** Retries `fn` while a dev-server reload makes the hub answer errors. */
async function retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i === 10) throw e;
      log(`ingest-cadence: ${what} failed (${String(e).slice(0, 120)}); again in 2 s`);
      await sleep(2000);
    }
  }
}

async function usage(hub: Hub, admin: string): Promise<Usage> {
  return retry("GET /usage", async () => {
    const res = await fetch(`${hub.url}/api/fleets/${FLEET}/usage`, {
      headers: { Authorization: `Bearer ${admin}` },
    });
    if (!res.ok) throw new Error(`GET /api/fleets/${FLEET}/usage: ${res.status} ${await res.text()}`);
    const u = (await res.json()) as Partial<Usage>;
    for (const k of ["since", "samples", "doRequests", "doRowsWritten", "wsMessagesOut"] as const) {
      if (typeof u[k] !== "number") throw new Error(`usage report lacks ${k}: ${JSON.stringify(u)}`);
    }
    return u as Usage;
  });
}

/** One measured window: CPU, the hub's counters and what the viewers received. */
interface Window {
  procs: HubProcesses;
  /** Seconds after the streams opened at which the window began and ended. */
  fromS: number;
  toS: number;
  cpu: CpuSpan;
  samples: number;
  sent: number;
  doRequests: number;
  doRowsWritten: number;
  /** Rows written during the window: [seconds after the streams opened, rows], seen every POLL_S. */
  writes: [number, number][];
  wsMessagesOut: number;
  viewers: ViewerWindow[];
  /** Streams that ended during the window although the bench kept them open. */
  streamsEnded: number;
  /** The fleet's object started again during the window (evicted, or a reload): its counters restarted. */
  restarted: boolean;
  /** Why the window's figures mean nothing (the hub reloaded or restarted during it), if they don't. */
  disturbed: string | undefined;
  /** Earlier attempts at this window that a reload spoiled. */
  discarded: number;
}

/** Everything a window needs from the run. */
interface Rig {
  hub: Hub;
  admin: string;
  ctl: Control;
  viewers: Viewer[];
  agents: Agent[];
  /** When the streams opened (performance.now()). */
  openedAt: number;
}

/**
 * Measures one window. `counted`: the hub's counters must run through it (window 1); in the
 * silent windows the fleet's object may be evicted and start again, which is part of what idling costs.
 */
async function measure(rig: Rig, seconds: number, counted: boolean): Promise<Window> {
  const { hub, admin, ctl, viewers } = rig;
  const logAt = hub.log().length;
  const procs = hubProcesses(hub.port);
  const u0 = await usage(hub, admin);
  for (const v of viewers) v.record();
  const sent0 = ctl.sent;
  const ended0 = ctl.endedCount;
  const c0 = readCpu(procs);
  // When rows are written (raw segments, pending rollup hours): a cheap usage call every POLL_S.
  const writes: [number, number][] = [];
  let rows = u0.doRowsWritten;
  let polls = 0;
  const end = c0.at + seconds * 1000;
  for (let left = end - performance.now(); left > 0; left = end - performance.now()) {
    await sleep(counted ? Math.min(POLL_S * 1000, left) : left);
    if (!counted || end - performance.now() < 1000) continue;
    const u = await usage(hub, admin);
    polls++;
    if (u.doRowsWritten !== rows)
      writes.push([(performance.now() - rig.openedAt) / 1000, u.doRowsWritten - rows]);
    rows = u.doRowsWritten;
  }
  const c1 = readCpu(procs);
  const sent = ctl.sent - sent0;
  const streamsEnded = ctl.endedCount - ended0;
  // Read at once, so the samples counted are those of the CPU window (not the 1.5 s below).
  const u1 = await usage(hub, admin);
  if (u1.doRowsWritten !== rows) writes.push([(c1.at - rig.openedAt) / 1000, u1.doRowsWritten - rows]);
  // Frames still under way carry samples sent before the end: let them land, count nothing new.
  const wins = viewers.map((v) => v.win);
  await sleep(1500);
  for (const v of viewers) v.recordingSince = Number.POSITIVE_INFINITY;
  const now = hubProcesses(hub.port);
  const reload = /Local server updated|Reloading local server/.exec(hub.log().slice(logAt));
  const pidsNow = [...now.runtime, ...now.proxy].join(",");
  const restarted = u0.since !== u1.since;
  const disturbed =
    restarted && counted
      ? `the fleet's object restarted (usage since ${u0.since} -> ${u1.since})`
      : procs.runtime.length === 0 || c0.pids !== pidsNow
        ? `workerd pids ${c0.pids} -> ${pidsNow}`
        : reload
          ? `hub log: "${reload[0]}"`
          : undefined;
  return {
    procs,
    fromS: (c0.at - rig.openedAt) / 1000,
    toS: (c1.at - rig.openedAt) / 1000,
    cpu: cpuSpan(c0, c1),
    samples: u1.samples - u0.samples,
    sent,
    // The usage calls in the window and at its end are DO requests too.
    doRequests: u1.doRequests - u0.doRequests - 1 - polls,
    writes,
    doRowsWritten: u1.doRowsWritten - u0.doRowsWritten,
    wsMessagesOut: u1.wsMessagesOut - u0.wsMessagesOut,
    viewers: wins,
    streamsEnded,
    restarted,
    disturbed,
    discarded: 0,
  };
}

/** Measures a window, again (after `prepare`) while a dev-server reload spoils it (others edit the sources). */
async function stableWindow(
  rig: Rig,
  name: string,
  seconds: number,
  counted: boolean,
  prepare: () => Promise<void>,
): Promise<Window> {
  for (let i = 0; ; i++) {
    const w = await measure(rig, seconds, counted);
    if (!w.disturbed) return { ...w, discarded: i };
    if (i === 5)
      throw new Error(`${name}: wrangler dev reloaded in every attempt (a source file kept changing)`);
    log(`ingest-cadence: ${name}: spoiled (${w.disturbed}); measuring again`);
    await prepare();
  }
}

/** Waits until every agent has a stream in flight and every viewer has seen a sample of every host. */
async function allDelivering(rig: Rig, timeoutMs: number): Promise<number> {
  const { agents, viewers, ctl } = rig;
  const deadline = performance.now() + timeoutMs;
  const missing = () =>
    Math.max(
      agents.length - ctl.open,
      agents.filter((a) => a.seq < 1 || viewers.some((v) => (v.shown.get(a.hostId) ?? 0) < 1)).length,
    );
  for (let m = missing(); performance.now() < deadline; m = missing()) {
    if (m === 0) return 0;
    await sleep(500);
  }
  return missing();
}

/** A silent window starts once workerd's runtime uses less than this share of a core over QUIET_PROBE_S. */
const QUIET_SHARE = 0.03;
const QUIET_PROBE_S = 5;

/**
 * Waits `minS`, then until the runtime is quiet (at most 90 s more), so that the work the last
 * change caused (hosts turning stale, host-down records, stream ends) stays out of the next
 * window. Returns the seconds waited in all.
 */
async function quiet(rig: Rig, minS: number): Promise<number> {
  const started = performance.now();
  await sleep(minS * 1000);
  const deadline = performance.now() + 90_000;
  for (;;) {
    const procs = hubProcesses(rig.hub.port);
    const a = readCpu(procs);
    await sleep(QUIET_PROBE_S * 1000);
    const span = cpuSpan(a, readCpu(procs));
    if (span.runtimeS / span.seconds < QUIET_SHARE || performance.now() > deadline)
      return (performance.now() - started) / 1000;
  }
}

/** Waits until every agent has a stream in flight again (after a reload), then `extraS`. */
async function reopened(rig: Rig, extraS: number): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (rig.ctl.open < rig.agents.length && performance.now() < deadline) await sleep(500);
  await sleep(extraS * 1000);
}

// ------------------------------------------------------------ the run

interface Run {
  rssBeforeMb: number;
  cadence: Window;
  /** Top items by self time of window 1's profile (`--profile`). */
  profile?: { items: ProfileItem[]; file: string; seconds: number };
  /** Windows 2 and 3: absent in a quick run. */
  idle?: Window;
  closed?: Window;
  ctl: Control;
  notDelivering: number;
  reconnects: number;
  /** Snapshots viewers asked for after a frame of another index generation. */
  resyncs: number;
  hubErrors: string[];
  /** Seconds waited before windows 2 and 3 for the hub to go quiet. */
  settled: number[];
}

type Tokens = Awaited<ReturnType<Hub["fleet"]>>;

async function run(hub: Hub, tokens: Tokens, agents: Agent[]): Promise<Run> {
  const procs = hubProcesses(hub.port);
  if (procs.runtime.length === 0)
    throw new Error(`no workerd process found below wrangler on port ${hub.port}`);
  log(
    `ingest-cadence: workerd runtime pid ${procs.runtime.join(", ")}, dev proxy ${procs.proxy.join(", ") || "none"}, wrangler ${procs.wrangler.join(", ")}`,
  );
  const rssBeforeMb = readCpu(procs).runtimeRssKb / 1024;
  const sends = new SendLog();
  // Each viewer is a dashboard on a host page: the overview, and one host's full state.
  const viewers = Array.from(
    { length: VIEWERS },
    (_, i) => new Viewer(hub, tokens.viewer, sends, agents[i % agents.length]?.hostId),
  );
  for (const v of viewers) await retry("viewer socket", () => v.open());
  const ctl = new Control();
  const rig: Rig = { hub, admin: tokens.admin, ctl, viewers, agents, openedAt: performance.now() };
  const logAt = hub.log().length;

  log(`ingest-cadence: opening ${HOSTS} streams, first samples spread over ${INTERVAL_S} s`);
  rig.openedAt = performance.now();
  for (const a of agents) a.nextAt = rig.openedAt + Math.random() * INTERVAL_S * 1000;
  const running = Promise.all(agents.map((a) => runAgent(hub, a, ctl, sends)));
  const notDelivering = await allDelivering(rig, (INTERVAL_S + 60) * 1000);
  if (notDelivering > 0)
    log(`ingest-cadence: ${notDelivering} hosts never reached every viewer; measuring anyway`);
  log(`ingest-cadence: warm-up ${WARMUP_S} s`);
  await sleep(WARMUP_S * 1000);

  log(`ingest-cadence: window 1, ${HOSTS} hosts at one sample per ${INTERVAL_S} s for ${WINDOW_S} s`);
  const profileFile = join(tmpdir(), `fleetwatch-ingest-cadence-${Date.now()}.cpuprofile`);
  const profiling = PROFILE
    ? profileHub(hub.inspectorPort, WINDOW_S, profileFile, PROFILE_INTERVAL_US)
    : undefined;
  const cadence = await stableWindow(rig, "window 1", WINDOW_S, true, () => reopened(rig, WARMUP_S));
  const profile = profiling
    ? { items: topSelf(await profiling, 15), file: profileFile, seconds: WINDOW_S }
    : undefined;
  if (profile) log(`ingest-cadence: profile written to ${profile.file}`);
  if (!IDLE_WINDOWS) {
    ctl.set("stop");
    await running;
    for (const v of viewers) v.close();
    const reconnects = viewers.reduce((n, v) => n + v.reconnects, 0);
    const resyncs = viewers.reduce((n, v) => n + v.resyncs, 0);
    const hubErrors = hubErrorLines(hub, logAt);
    return { rssBeforeMb, cadence, profile, ctl, notDelivering, reconnects, resyncs, hubErrors, settled: [] };
  }

  // Silent hosts turn stale 3 intervals after their last sample, found by an alarm up to
  // STATUS_BACKSTOP_MS later in a dense fleet; that work must fall before the window.
  const settleS = 3 * INTERVAL_S + STATUS_BACKSTOP_MS / 1000 + 10;
  log(`ingest-cadence: window 2, streams open and silent for ${IDLE_S} s (after >= ${settleS} s)`);
  ctl.set("pause");
  const settled = [await quiet(rig, settleS)];
  const idle = await stableWindow(rig, "window 2", IDLE_S, false, async () => {
    await reopened(rig, 0);
    settled[0] = await quiet(rig, settleS);
  });

  log(`ingest-cadence: window 3, streams closed, viewers still open, ${IDLE_S} s`);
  ctl.set("stop");
  await running;
  settled.push(await quiet(rig, 10));
  const closed = await stableWindow(rig, "window 3", IDLE_S, false, async () => {
    settled[1] = await quiet(rig, 10);
  });
  const reconnects = viewers.reduce((n, v) => n + v.reconnects, 0);
  const resyncs = viewers.reduce((n, v) => n + v.resyncs, 0);
  for (const v of viewers) v.close();
  const hubErrors = hubErrorLines(hub, logAt);
  return {
    rssBeforeMb,
    cadence,
    profile,
    idle,
    closed,
    ctl,
    notDelivering,
    reconnects,
    resyncs,
    hubErrors,
    settled,
  };
}

/** Lines of the hub's log since `from` that report an error. */
function hubErrorLines(hub: Hub, from: number): string[] {
  return hub
    .log()
    .slice(from)
    .split("\n")
    .filter((l) => /error|uncaught|exception/i.test(l));
}

function latencyRows(w: Window): Row[] {
  const all = Float64Array.from(w.viewers.flatMap((v) => v.latencies)).sort();
  const page = Float64Array.from(w.viewers.flatMap((v) => v.hostLatencies)).sort();
  return [
    {
      metric: "p50 send -> viewer (overview)",
      value: round(quantile(all, 0.5)),
      unit: "ms",
      note: `${all.length} deliveries (samples x ${VIEWERS} viewers); sample time to the frame that carried it, to 0.1 s`,
    },
    { metric: "p99 send -> viewer (overview)", value: round(quantile(all, 0.99)), unit: "ms" },
    {
      metric: "p50 / p99 send -> host page (full state)",
      value: `${round(quantile(page, 0.5))} / ${round(quantile(page, 0.99))}`,
      unit: "ms",
      note: `${page.length} deliveries: each viewer subscribed to one host`,
    },
  ];
}

/** "at 57 s: 1000, at 317 s: 1000" (after the streams opened): when the window's rows were written. */
const writes = (w: Window) =>
  w.writes.length === 0 ? "none" : w.writes.map(([t, n]) => `at ${Math.round(t)} s: ${n}`).join(", ");

const pct = (cpuS: number, s: CpuSpan) => round((100 * cpuS) / s.seconds, 1);

function rows(r: Run): Row[] {
  const { cadence: c, idle: i, closed: z } = r;
  const perHostPerS = 1 / INTERVAL_S;
  const perSampleS = c.cpu.runtimeS / c.samples;
  const perSampleMainS = c.cpu.runtimeMainS / c.samples;
  const perSampleProxyS = c.cpu.proxyS / c.samples;
  const hostsAt80 = (perSample: number) => Math.round(0.8 / (perSample * perHostPerS));
  const mean = (f: (v: ViewerWindow) => number) =>
    c.viewers.reduce((n, v) => n + f(v), 0) / c.viewers.length / c.cpu.seconds;
  const ended = [...r.ctl.ended].map(([k, n]) => `${k} x${n}`);
  const failedAtStop = [...r.ctl.failedAtStop].map(([k, n]) => `${k} x${n}`);
  const discarded = c.discarded + (i?.discarded ?? 0) + (z?.discarded ?? 0);
  return [
    {
      metric: "samples stored in the window",
      value: c.samples,
      note: `${c.sent} sent in ${round(c.cpu.seconds)} s (stored: GET /api/fleets/:fleet/usage)`,
    },
    {
      metric: "workerd CPU in the window (Worker + objects)",
      value: round(c.cpu.runtimeS, 2),
      unit: "s",
      note: `dev proxy workerd (not in production): ${round(c.cpu.proxyS, 2)} s`,
    },
    {
      metric: "workerd CPU per sample, all-in",
      value: round(perSampleS * 1e6),
      unit: "µs",
      note: `main thread only ${round(perSampleMainS * 1e6)} µs; dev proxy adds ${round(perSampleProxyS * 1e6)} µs`,
    },
    {
      metric: "workerd CPU, share of one core",
      value: pct(c.cpu.runtimeS, c.cpu),
      unit: "%",
      note: `main thread ${pct(c.cpu.runtimeMainS, c.cpu)} %; dev proxy ${pct(c.cpu.proxyS, c.cpu)} %`,
    },
    {
      metric: `hosts one fleet object serves at 80 % of one core, ${INTERVAL_S} s interval`,
      value: hostsAt80(perSampleS),
      unit: "hosts",
      note: `0.8 / (CPU per sample x ${perHostPerS} samples/s per host); main thread only ${hostsAt80(perSampleMainS)}; with the dev proxy's CPU ${hostsAt80(perSampleS + perSampleProxyS)}`,
    },
    ...latencyRows(c),
    {
      metric: "bytes/s received per viewer (mean)",
      value: Math.round(mean((v) => v.bytes)),
      unit: "B/s",
      note: "frame payloads (binary summaries, JSON entries and one host's full state); WebSocket framing not counted",
    },
    {
      metric: "frames/s per viewer",
      value: round(
        mean((v) => v.frames),
        2,
      ),
      unit: "frames/s",
    },
    {
      metric: "DO requests / DO rows written / WebSocket messages sent, in the window",
      value: `${c.doRequests} / ${c.doRowsWritten} / ${c.wsMessagesOut}`,
      note: `requests besides this bench's usage reads (each stream is one, for its whole life); rows written ${writes(c)} (window ${Math.round(c.fromS)}-${Math.round(c.toS)} s after the streams opened)`,
    },
    ...(i && z ? idleRows(r, i, z) : []),
    {
      metric: "load generator CPU, share of one core",
      value: pct(c.cpu.selfS, c.cpu),
      unit: "%",
      note: `this Node process: ${HOSTS} agents + ${VIEWERS} viewers, window 1; wrangler's Node processes ${pct(c.cpu.wranglerS, c.cpu)} %`,
    },
    ...(r.profile?.items ?? []).map((p, n) => ({
      metric: `profile #${n + 1} by self time: ${p.name}`,
      value: round(p.selfPct, 1),
      unit: "% of window",
      note: p.where,
    })),
    {
      metric: "streams ended while meant to stay open",
      value: ended.length === 0 ? "none" : ended.join(", "),
      note: `during window 1 / 2: ${c.streamsEnded} / ${i?.streamsEnded ?? "not run"}; failed when ended: ${failedAtStop.length === 0 ? "none" : failedAtStop.join(", ")}; windows re-measured after a dev-server reload: ${discarded}; viewer reconnects ${r.reconnects}, resyncs ${r.resyncs}; hosts never seen by every viewer ${r.notDelivering}`,
    },
  ];
}

/** The idle windows' rows: an open, silent stream's cost, and memory through the run. */
function idleRows(r: Run, i: Window, z: Window): Row[] {
  const c = r.cadence;
  const idlePerStreamUs = ((i.cpu.runtimeS - z.cpu.runtimeS) / (HOSTS * i.cpu.seconds)) * 1e6;
  const idleProxyUs = ((i.cpu.proxyS - z.cpu.proxyS) / (HOSTS * i.cpu.seconds)) * 1e6;
  return [
    {
      metric: "idle open stream: workerd CPU per stream per second",
      value: round(idlePerStreamUs, 2),
      unit: "µs",
      note: `one tick = ${round(1e6 / (CLK_TCK * HOSTS * i.cpu.seconds), 2)} µs here; (streams open and silent - streams closed) / ${HOSTS} / s: ${round(i.cpu.runtimeS, 2)} s in ${round(i.cpu.seconds)} s (${pct(i.cpu.runtimeS, i.cpu)} %) vs ${round(z.cpu.runtimeS, 2)} s in ${round(z.cpu.seconds)} s (${pct(z.cpu.runtimeS, z.cpu)} %); dev proxy ${round(idleProxyUs, 2)} µs`,
    },
    {
      metric: "workerd resident memory: before streams / streams open / streams silent / closed",
      value: `${Math.round(r.rssBeforeMb)} / ${Math.round(c.cpu.rssMb)} / ${Math.round(i.cpu.rssMb)} / ${Math.round(z.cpu.rssMb)}`,
      unit: "MB",
      note: "runtime workerd, VmRSS",
    },
  ];
}

function notes(r: Run): string[] {
  const { cadence: c, idle: i } = r;
  const perSampleS = c.cpu.runtimeS / c.samples;
  // At 100 % of one core, to compare with a saturated run that used all it could get.
  const hostsAt100 = INTERVAL_S / perSampleS;
  const saturatedHosts = SATURATED_SAMPLES_PER_S * INTERVAL_S;
  const n = (v: number) => Math.round(v).toLocaleString("en-US");
  const flushes = Math.floor(c.toS / RAW_FLUSH_S) - Math.floor(c.fromS / RAW_FLUSH_S);
  return [
    `${HOSTS} corpus hosts (bench/lib/corpus.ts, seed ${CORPUS_SEED}: realistic, varying samples, slow groups every 6th), each: Hello, then one client-streaming Stream (Connect, binary, HTTP/1.1) held open for the whole run, one sample per body chunk every ${INTERVAL_S} s on a fixed-rate schedule, first sends spread uniformly over the interval; ${Math.ceil(HOSTS / HOSTS_PER_TOKEN)} agent tokens. ${VIEWERS} viewers on /api/fleets/:fleet/live ping every ${PING_S} s. Measured after every host reached every viewer plus ${WARMUP_S} s of warm-up.`,
    `CPU is utime + stime from /proc/<pid>/stat (CLK_TCK ${CLK_TCK}, so ${round(1000 / CLK_TCK)} ms resolution) at the window's start and end. wrangler dev runs two workerd processes: the runtime (pid ${c.procs.runtime.join(", ")}), which runs the Worker and every Durable Object, and its dev proxy (pid ${c.procs.proxy.join(", ") || "none"}), which owns the port and forwards each request to the runtime and does not exist in production. "All-in" is the runtime's CPU, all threads, over the samples the hub stored: the Worker that authenticates and forwards each stream, the object's decode, validation, merge and buffering, coalesced frames to ${VIEWERS} viewers and their pings, alarms, GC. Locally one thread runs every isolate and object; the others are V8's (GC, compilation) and the inspector's. A production object is one thread, so the main-thread figure is the closer bound for one object.`,
    `Hosts at 80 %: 0.8 / (CPU per sample x samples per host per second). Where it misleads: (1) it is linear in samples, but not all of the cost is: frames (at most one round a second: each viewer gets the summaries that changed, a host page's viewer also that host's full state) and alarms are not, so the figure moves with the number of viewers and of hosts; (2) on Cloudflare the Worker runs elsewhere, so one object pays less than all-in here, and production CPUs differ from this one; (3) wrangler dev's Worker hop is included, its dev proxy is not (shown apart); (4) the load generator (its share is in the table), ${VIEWERS} viewers' JSON parsing and both workerd share this machine's ${cpus().length} cores, so workerd may wait for a core; (5) raw samples are written as one row per group of up to 16 hosts about every ${RAW_FLUSH_S} s (all groups in one alarm, since the hosts started within one interval), with the group's state row, and each hour is noted once in rollup_hours; this window ran ${Math.round(c.fromS)}-${Math.round(c.toS)} s after the streams opened (rows written: ${writes(c)}), so it holds ${flushes} raw flush${flushes === 1 ? "" : "es"}${flushes === 0 ? ": their encode and write CPU is missing" : ""}; a window of a multiple of ${RAW_FLUSH_S} s is unbiased. Rollups (1 m and 1 h) go to D1 once an hour completes, hourly work this window ${Math.floor(c.toS / 3600) > Math.floor(c.fromS / 3600) ? "may hold" : "does not hold"}.`,
    `Saturated, for contrast (not re-run): bench/ingest phase 1 (200 streams sending as fast as flow control allows, many messages per body chunk) accepted ${n(SATURATED_SAMPLES_PER_S)} samples/s in its full run (docs/BENCHMARKS.md), i.e. ${n(saturatedHosts)} hosts at ${INTERVAL_S} s, with the whole machine. At this cadence the runtime would serve ${n(hostsAt100)} hosts at 100 % of one core: the saturated figure overstates capacity ${round(saturatedHosts / hostsAt100, 1)}x. Use the cadence figure for capacity.`,
    "Viewers use the dashboard's overview protocol: every host's summary as changes only (binary), plus the full state of one subscribed host, as a dashboard on a host page has. Overview latency is the age of each sample's time (the agent's clock, this machine) when the frame carrying it arrived, to the 0.1 s the frame gives; host-page latency is from the agent's yield to the first full state whose lastSeq covers the sample. The fleet's object coalesces frames to at most one a second, so about 0.5 s of the median is deliberate batching; bench/ingest phase 3 gives the pipeline alone.",
    i === undefined || r.closed === undefined
      ? "Idle cost (windows 2 and 3): full run only; --quick measures the cadence window alone."
      : `Idle cost: after window 1 the agents stop sending but keep their streams open; window 2 starts ${Math.round(r.settled[0] ?? 0)} s later (at least ${3 * INTERVAL_S + STATUS_BACKSTOP_MS / 1000 + 10} s, so hosts turning stale and their host-down records fall before it, then until the runtime used under ${QUIET_SHARE * 100} % of a core over ${QUIET_PROBE_S} s). Then the streams end and window 3, ${Math.round(r.settled[1] ?? 0)} s later by the same rule, measures the same hub with viewers only. The per-stream figure is the difference over streams and seconds; near zero it is within the tick resolution. It is what holding the streams open costs, not only per-stream work: a resident object (its timers, GC of a heap that holds the streams) against an evicted one. The fleet's object ${i.restarted ? "was evicted and started again during window 2" : "stayed in memory through window 2 (open requests keep it there)"}${r.closed.restarted ? " and was evicted in window 3 (no request open, its viewers' sockets hibernate; the usage read after the window started it again)" : " and through window 3"}. ${i.streamsEnded === 0 ? "wrangler dev kept every silent stream open for the whole window." : `${i.streamsEnded} streams ended during the silent window (see the table): wrangler dev or workerd closes idle streams.`}`,
    ...(r.profile
      ? [
          `Profiled run (--profile): a V8 CPU profile of the Worker isolate (the Worker and its objects) over window 1, sampled every ${PROFILE_INTERVAL_US} µs through wrangler dev's inspector; sampling adds CPU, so this run's CPU figures are higher than an unprofiled run's. "% of window" is self time (in the function itself, not its callees) over the window's wall time. The profile: ${r.profile.file} (Chrome DevTools, Performance, or speedscope).`,
        ]
      : []),
    ...(r.hubErrors.length > 0
      ? [
          `The hub logged ${r.hubErrors.length} error lines during the run, e.g.: ${r.hubErrors.slice(0, 3).join(" | ").slice(0, 400)}`,
        ]
      : []),
  ];
}

async function main(): Promise<void> {
  log(
    `ingest-cadence: ${HOSTS} hosts every ${INTERVAL_S} s, ${VIEWERS} viewers; warm-up ${WARMUP_S} s, window ${WINDOW_S} s, idle windows ${IDLE_S} s`,
  );
  const hub = await startHub();
  try {
    const tokens = await hub.fleet(FLEET);
    const agentTokens = [tokens.agent];
    for (let i = 1; i < Math.ceil(HOSTS / HOSTS_PER_TOKEN); i++) {
      agentTokens.push((await createToken(hub.d1, FLEET, "agent", `cadence ${i}`)).secret);
    }
    log("ingest-cadence: Hello from every host");
    const corpus = fleetCorpus(HOSTS, CORPUS_SEED);
    const agents: Agent[] = [];
    for (let i = 0; i < HOSTS; i += 50) {
      const batch = corpus.slice(i, i + 50);
      agents.push(
        ...(await Promise.all(
          batch.map(async (host, j) => {
            const token = agentTokens[Math.floor((i + j) / HOSTS_PER_TOKEN)] ?? tokens.agent;
            // The hub's heartbeat deadline follows the interval the host announces.
            const info = create(HostInfoSchema, { ...host.hostInfo(), intervalS: INTERVAL_S });
            const hello = await retry("Hello", () => connectClient(hub.url, token).hello(info));
            return { host, hostId: hello.hostId, token, seq: 0, nextAt: 0 };
          }),
        )),
      );
    }
    const r = await run(hub, tokens, agents);
    const defaults = !process.argv.some((a) => ["--hosts", "--seconds", "--interval"].includes(a));
    emit({
      id: "ingest-cadence",
      title: `Ingest at the agent's cadence: ${HOSTS} hosts streaming one sample per ${INTERVAL_S} s, ${VIEWERS} viewers, workerd CPU from /proc`,
      rows: rows(r),
      notes: notes(r),
      reproduce: `npm run bench -- --only ingest-cadence${QUICK ? " --quick" : ""}${defaults ? "" : ` --hosts ${HOSTS} --seconds ${WINDOW_S} --interval ${INTERVAL_S}`}`,
    });
  } finally {
    await hub.dispose();
  }
}

await main();
