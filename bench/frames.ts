// What a dashboard viewer receives at fleet scale: N corpus hosts (default 10,000) at the agent's
// cadence, run through the hub's own overview code (OverviewState + encodeSummaries, as the fleet's
// object does each second) in this process. A local hub cannot take 10,000 real streams on this
// machine (bench/ingest-cadence measures the hub itself); the frames it would send depend only on
// the samples, so they are computed here exactly as it computes them.
import { OverviewState } from "../worker/src/fleet/overview-state.ts";
import { encodeSummaries, type OverviewFrame } from "../worker/src/metrics/summary.ts";
import type { LiveFrame } from "../worker/src/metrics/types.ts";
import { emit, log, numberArg, QUICK, quantile, round } from "./lib/result.ts";
import { SimFleet } from "./lib/sim-fleet.ts";

const HOSTS = numberArg("hosts", 10_000);
const SECONDS = numberArg("seconds", QUICK ? 60 : 300);
const INTERVAL_S = 5;
const SEED = 11;
/** Seconds simulated before measuring: the first interval announces every host. */
const WARMUP_S = 2 * INTERVAL_S;

const t0 = Date.UTC(2026, 11, 1, 12, 0, 0);
log(`frames: ${HOSTS} corpus hosts at ${INTERVAL_S} s, ${SECONDS} s measured after ${WARMUP_S} s`);
const fleet = new SimFleet(HOSTS, SEED, INTERVAL_S, t0);
const views = fleet.views;

const overview = new OverviewState(1);
const perSecond: number[] = [];
const oldPerSecond: number[] = [];
let changes = 0;
let encodeNs = 0n;
let summariesBytes = 0;
let entriesBytes = 0;

for (let s = 0; s < WARMUP_S + SECONDS; s++) {
  const from = t0 + s * 1000;
  const changed = fleet.second(from);
  const serverTime = from + 1000;
  const start = process.hrtime.bigint();
  const { entries, changes: diff } = overview.diff(changed);
  const bin = diff.length > 0 ? encodeSummaries({ gen: 1, serverTime, changes: diff }) : undefined;
  const entriesFrame: OverviewFrame | undefined =
    entries.length > 0 ? { type: "entries", serverTime, gen: 1, hosts: entries } : undefined;
  const entriesText = entriesFrame ? JSON.stringify(entriesFrame) : "";
  const took = process.hrtime.bigint() - start;
  if (s < WARMUP_S) continue;
  encodeNs += took;
  changes += changed.length;
  const bytes = (bin?.length ?? 0) + Buffer.byteLength(entriesText);
  summariesBytes += bin?.length ?? 0;
  entriesBytes += Buffer.byteLength(entriesText);
  perSecond.push(bytes);
  // For contrast, every 10th second: what the older protocol sent (each changed host's whole state).
  if (s % 10 === 0) {
    const frame: LiveFrame = { type: "hosts", serverTime, hosts: changed };
    oldPerSecond.push(Buffer.byteLength(JSON.stringify(frame)));
  }
}

const snapshotFrame: OverviewFrame = {
  type: "overview",
  fleet: "bench",
  serverTime: t0,
  gen: 1,
  hosts: overview.snapshot(views).entries,
};
const snapshotBytes = Buffer.byteLength(JSON.stringify(snapshotFrame));
const sorted = Float64Array.from(perSecond).sort();
const mean = perSecond.reduce((a, b) => a + b, 0) / perSecond.length;
const oldMean = oldPerSecond.reduce((a, b) => a + b, 0) / oldPerSecond.length;

emit({
  id: "frames",
  title: `Live frames at fleet scale: what one viewer receives from ${HOSTS.toLocaleString("en")} hosts at ${INTERVAL_S} s`,
  rows: [
    {
      metric: "bytes/s per viewer (overview protocol): mean / p95 / max",
      value: `${Math.round(mean)} / ${Math.round(quantile(sorted, 0.95))} / ${Math.round(sorted.at(-1) ?? 0)}`,
      unit: "B/s",
      note: `summaries ${Math.round(summariesBytes / SECONDS)} B/s, entries ${Math.round(entriesBytes / SECONDS)} B/s; goal <= 50,000 B/s`,
    },
    {
      metric: "bytes per host change",
      value: round(summariesBytes / changes, 1),
      unit: "B",
      note: `${changes} host changes in ${SECONDS} s (${round(changes / SECONDS)} a second)`,
    },
    {
      metric: "older protocol (each changed host's whole state as JSON), for contrast",
      value: Math.round(oldMean),
      unit: "B/s",
      note: `${round(oldMean / mean)}x the overview protocol; sampled every 10th second`,
    },
    {
      metric: "overview snapshot (first frame of a connection)",
      value: round(snapshotBytes / 1e6, 2),
      unit: "MB",
      note: `${round(snapshotBytes / HOSTS)} B per host: identity and codes, JSON`,
    },
    {
      metric: "hub CPU to diff and encode a second's frame, per host change",
      value: round(Number(encodeNs) / 1000 / changes, 2),
      unit: "µs",
      note: `${round(Number(encodeNs) / 1e6 / SECONDS, 2)} ms per second of the fleet's one thread, Node ${process.versions.node} (V8, as workerd)`,
    },
  ],
  notes: [
    `${HOSTS} corpus hosts (bench/lib/corpus.ts, seed ${SEED}: realistic, varying samples, slow groups every 6th), one sample each every ${INTERVAL_S} s at spread offsets, validated and merged as the hub does; each simulated second, the hosts that sampled in it go through OverviewState.diff and encodeSummaries, the code the fleet's object runs before sending the frame to every overview socket. The first ${WARMUP_S} s (every host announced as an entry) are not measured.`,
    "What it leaves out: WebSocket framing (2-4 B a frame), one subscribed host's full state (a host page adds ~3-4 KB a sample of that host), status changes of stale hosts (rare, a few bytes each), and the TLS record overhead. Figures are per viewer: every overview socket receives the same bytes.",
    "Why this is not measured through a hub: bench/ingest-cadence measures the hub at the agents' cadence; one local workerd cannot take 10,000 streams on this machine, and the bytes depend only on the samples and this code.",
  ],
  reproduce: `npm run bench -- --only frames${HOSTS === 10_000 ? "" : ` --hosts ${HOSTS}`}`,
});
