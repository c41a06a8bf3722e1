// Bytes per sample on the wire: binary protobuf vs protobuf JSON vs the JSON a psutil collector sends.
import { gzipSync } from "node:zlib";
import { toBinary, toJsonString } from "@bufbuild/protobuf";
import { SampleSchema } from "@fleetwatch/proto/sample_pb";
import { PER_CORE_CENTI, wireForm } from "../agent/src/transport/wire.ts";
import { fleetCorpus } from "./lib/corpus.ts";
import { psutilPayload, pythonJsonDumps } from "./lib/psutil.ts";
import { recordedSamples } from "./lib/recorded-samples.ts";
import { emit, quantile } from "./lib/result.ts";
import { fullSample } from "./lib/sample.ts";

/** Connect's envelope: 1 flag byte + 4 length bytes before every message of a stream. */
const ENVELOPE_BYTES = 5;

const TIME_MS = 1_763_890_123_456;
const sample = fullSample(48_213, TIME_MS);
const binary = toBinary(SampleSchema, sample);
const pbJson = new TextEncoder().encode(toJsonString(SampleSchema, sample));
const psutil = psutilPayload(1_763_890_123.4567893);
const pyJson = new TextEncoder().encode(pythonJsonDumps(psutil));
const pyCompact = new TextEncoder().encode(JSON.stringify(psutil));
const gz = (b: Uint8Array) => gzipSync(b, { level: 6 }).length;

const perDay = (bytes: number) => Math.round((bytes * 86_400) / 5 / 1024);

// Steady state: what agents send sample after sample (slow groups, filesystems and processes, every 6th).
const compact = wireForm([PER_CORE_CENTI]);
const size = (s: typeof sample) => toBinary(SampleSchema, s).length;
const recorded = recordedSamples();
const isSlow = (s: typeof sample) => s.filesystems.length > 0 || s.processes !== undefined;
const median = (xs: number[]) => quantile(Float64Array.from(xs).sort(), 0.5);
const fastRecorded = recorded.filter((s) => !isSlow(s));
const fastCores = fastRecorded[0]?.cpu?.perCorePct.length ?? 0;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
// An 8-core corpus host (realistic values) a minute into its run, fast ticks only.
const corpusHost = fleetCorpus(40, 11).find((h) => h.cores === 8);
const corpusFast: (typeof sample)[] = [];
for (let i = 1; corpusHost && corpusFast.length < 60; i++) {
  const s = corpusHost.sample(BigInt(i), TIME_MS + i * 5000);
  if (!isSlow(s)) corpusFast.push(s);
}

emit({
  id: "wire",
  title: "Wire size of one full sample (8 cores, 3 filesystems, 2 NICs, top-5 x2 processes, 4 sensors)",
  rows: [
    {
      metric: "protobuf binary (Stream message incl. 5 B envelope)",
      value: binary.length + ENVELOPE_BYTES,
      unit: "B",
      note: `${perDay(binary.length + ENVELOPE_BYTES)} KiB/day at 5 s`,
    },
    {
      metric: "the same with per-core percentages as hundredths (hub lists cpu.per_core_centi)",
      value: size(compact(sample)) + ENVELOPE_BYTES,
      unit: "B",
      note: `${binary.length + ENVELOPE_BYTES - size(compact(sample)) - ENVELOPE_BYTES} B less`,
    },
    {
      metric: "steady state, the real agent on this machine (fast ticks, median): doubles / hundredths",
      value: `${median(fastRecorded.map(size))} / ${median(fastRecorded.map((s) => size(compact(s))))}`,
      unit: "B",
      note: `${fastRecorded.length} of ${recorded.length} recorded samples (bench/data/agent-samples.bin, ${fastCores} cores); every 6th carries filesystems and processes: median ${median(recorded.filter(isSlow).map(size))} B`,
    },
    {
      metric: "steady state, an 8-core corpus host (fast ticks, mean): doubles / hundredths",
      value: `${Math.round(mean(corpusFast.map(size)))} / ${Math.round(mean(corpusFast.map((s) => size(compact(s)))))}`,
      unit: "B",
      note: `${corpusFast.length} samples of ${corpusHost?.hostname ?? "?"} (bench/lib/corpus.ts); goal <= 200 B`,
    },
    {
      metric: "protobuf binary (message only)",
      value: binary.length,
      unit: "B",
      note: `gzip alone: ${gz(binary)} B`,
    },
    {
      metric: "protobuf JSON (Connect JSON)",
      value: pbJson.length,
      unit: "B",
      note: `gzip alone: ${gz(pbJson)} B`,
    },
    {
      metric: "psutil collector JSON (json.dumps defaults)",
      value: pyJson.length,
      unit: "B",
      note: `gzip alone: ${gz(pyJson)} B; ${perDay(pyJson.length)} KiB/day at 5 s`,
    },
    {
      metric: "psutil collector JSON (compact separators)",
      value: pyCompact.length,
      unit: "B",
      note: `gzip alone: ${gz(pyCompact)} B`,
    },
    {
      metric: "psutil JSON / protobuf stream message",
      value: Math.round((pyJson.length / (binary.length + ENVELOPE_BYTES)) * 10) / 10,
      unit: "x",
    },
  ],
  notes: [
    "Per-sample sizes exclude HTTP: a Stream is one request per ~15 min, so its headers (~300 B) amortise over ~180 samples; a collector that POSTs each sample pays them every time.",
    "gzip of a single small message is shown for reference; per-message compression is not enabled on the stream (it would cost agent CPU for a few hundred bytes).",
    "The psutil dict uses psutil's field names and cumulative counters as returned (disk_io_counters, net_io_counters per nic, virtual_memory, sensors_temperatures, …); whole floats are written without '.0', a few bytes shorter than Python would.",
  ],
  reproduce: "npm run bench -- --only wire",
});
