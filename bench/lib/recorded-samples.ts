// Samples of the real agent on a real machine, for benchmarks that must not
// trust the synthetic corpus (bench/lib/corpus.ts) alone, and to check the
// corpus against.
//
// bench/data/agent-samples.bin: 360 samples, 30 min at the default 5 s
// interval (slow groups on every 6th), exactly as the built agent streamed
// them to a local Connect hub. Recorded on the VM this repository is built
// on: Linux, 2 cores, 23.5 GiB, no swap, one ext4 root, eth0 plus two idle
// ifb interfaces, no temperature sensors; its load is other engineers'
// builds and tests (tsc, vitest, workerd, chromium). Format: size-delimited
// binary `Sample` messages (a varint length, then the message: protobuf's
// "delimited" framing, as `sizeDelimitedEncode` writes and Java's
// `writeDelimitedTo` reads), in seq order.
//
// Re-record (takes as long as it records; uses the built agent/dist):
//
//   node_modules/.bin/node --import ./bench/lib/resolve-ts.ts bench/lib/recorded-samples.ts \
//     --record [--count 360] [--interval 5] [--out bench/data/agent-samples.bin]
//
// Plain Node 22 (type stripping): no TS-only syntax, explicit .ts imports.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { fromBinary } from "@bufbuild/protobuf";
import { sizeDelimitedEncode, sizeDelimitedPeek } from "@bufbuild/protobuf/wire";
import { type Sample, SampleSchema } from "@fleetwatch/proto/sample_pb";

/** The committed recording. */
export const RECORDED_SAMPLES_FILE = fileURLToPath(new URL("../data/agent-samples.bin", import.meta.url));

/** Decodes a buffer of size-delimited `Sample` messages; throws on a torn or corrupt record. */
export function decodeSamples(data: Uint8Array): Sample[] {
  const out: Sample[] = [];
  let rest = data;
  while (rest.length > 0) {
    const peek = sizeDelimitedPeek(rest);
    if (peek.eof || peek.size === null || peek.offset + peek.size > rest.length) {
      throw new Error(`torn record after ${out.length} samples`);
    }
    out.push(fromBinary(SampleSchema, rest.subarray(peek.offset, peek.offset + peek.size)));
    rest = rest.subarray(peek.offset + peek.size);
  }
  return out;
}

/** Encodes samples as size-delimited `Sample` messages (the recording's format). */
export function encodeSamples(samples: readonly Sample[]): Uint8Array {
  return Buffer.concat(samples.map((s) => sizeDelimitedEncode(SampleSchema, s)));
}

/** The real agent's recorded samples (see the top of this file), in seq order. */
export function recordedSamples(file = RECORDED_SAMPLES_FILE): Sample[] {
  return decodeSamples(readFileSync(file));
}

/**
 * Runs the built agent (agent/dist) against a local fake hub until it has
 * sent `count` samples at `intervalS`, and returns them in seq order.
 */
export async function recordAgent(count: number, intervalS: number): Promise<Sample[]> {
  const cli = fileURLToPath(new URL("../../agent/dist/cli.js", import.meta.url));
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build -w agent`);
  // Loaded here so that reading the recording does not pull in a Connect server.
  const { FakeHub } = await import("../../tests/agent/helpers/fake-hub.ts");
  const hub = await new FakeHub().start();
  const spool = mkdtempSync(join(tmpdir(), "fw-record-"));
  const args = ["--hub", hub.url, "--token", hub.token, "--interval", String(intervalS), "--http1"];
  const agent = spawn(process.execPath, [cli, ...args, "--spool-dir", spool], { stdio: "inherit" });
  const exited = new Promise((done) => agent.once("exit", done));
  try {
    const deadline = Date.now() + (count * intervalS + 120) * 1000;
    while (hub.samples.size < count) {
      if (Date.now() > deadline || agent.exitCode !== null)
        throw new Error(`agent sent ${hub.samples.size} samples`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    agent.kill("SIGTERM");
    await exited;
    await hub.stop();
    rmSync(spool, { recursive: true, force: true });
  }
  return hub
    .seqs()
    .slice(0, count)
    .map((seq) => hub.samples.get(seq) as Sample);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      record: { type: "boolean", default: false },
      count: { type: "string", default: "360" },
      interval: { type: "string", default: "5" },
      out: { type: "string", default: RECORDED_SAMPLES_FILE },
    },
  });
  if (!values.record) {
    const samples = recordedSamples(values.out);
    process.stdout.write(`${samples.length} samples in ${values.out}\n`);
  } else {
    const samples = await recordAgent(Number(values.count), Number(values.interval));
    const data = encodeSamples(samples);
    writeFileSync(values.out, data);
    process.stdout.write(`${samples.length} samples (${data.length} bytes) -> ${values.out}\n`);
    process.exit(0);
  }
}
