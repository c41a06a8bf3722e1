import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { PushRequestSchema } from "@fleetwatch/proto/ingest_pb";
import { type Sample, SampleSchema } from "@fleetwatch/proto/sample_pb";
import { describe, expect, it } from "vitest";
import { validateSample } from "../../worker/src/fleet/validate-sample";
import { flattenMetrics } from "../../worker/src/metrics/catalog";
import type { HostView, Metrics } from "../../worker/src/metrics/types";
import { createFleet, registerHost } from "../worker/fixtures";
import { fleetState, outcomeOf, postIngest, rawSeries } from "./helpers";

/** Messages to feed (random and mutated); the seed makes every run the same. */
const MESSAGES = 10_000;
const SEED = 0x5eed_f1ee;
const HOSTS = 16;

/** mulberry32: small, fast, good enough to pick mutations. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

const NUMBERS = [
  0,
  1,
  5,
  50,
  99.9,
  100,
  100.5,
  -1,
  -0,
  1e308,
  -1e308,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  5e-324,
  2 ** 53,
] as const;
const BIGS = [0n, 1n, 1024n, 8n << 30n, (1n << 53n) - 1n, 1n << 53n, (1n << 64n) - 1n] as const;
const NAMES = [
  "/",
  "/var",
  "eth0",
  "",
  "a\u0000b",
  "x\n",
  "\u001b[2J",
  "\u202eevil",
  "\ud800",
  "d".repeat(300),
  "m".repeat(1100),
  "日本語",
  "disk:/x",
  "__proto__",
  "constructor",
] as const;

function num(r: Rng, lo: number, hi: number): number {
  return r.chance(0.97) ? lo + r.next() * (hi - lo) : r.pick(NUMBERS);
}
function big(r: Rng, hi: bigint): bigint {
  return r.chance(0.97) ? BigInt(r.int(Number(hi > 1n << 40n ? 1n << 40n : hi))) : r.pick(BIGS);
}
function nm(r: Rng, fallback: string): string {
  return r.chance(0.95) ? `${fallback}${r.int(8)}` : r.pick(NAMES);
}

/** A random sample: mostly plausible, sometimes hostile values, times and seqs. */
function randomSample(r: Rng): Sample {
  const now = Date.now();
  const time = r.chance(0.97)
    ? now - r.int(3_600_000)
    : r.pick([now + 301_000, now - 24 * 3_600_000, 0, -5, 2 ** 53, now + 1e12]);
  const init: MessageInitShape<typeof SampleSchema> = {
    seq: r.chance(0.95) ? BigInt(1 + r.int(400)) : r.pick([0n, (1n << 63n) - 1n, 1n << 53n]),
    timeMs: BigInt(Math.trunc(time)),
  };
  if (r.chance(0.8)) {
    init.cpu = {
      totalPct: num(r, 0, 100),
      perCorePct: Array.from({ length: r.int(6) }, () => num(r, 0, 100)),
    };
    if (r.chance(0.5)) init.cpu.userPct = num(r, 0, 100);
    if (r.chance(0.3)) init.cpu.stealPct = num(r, 0, 100);
  }
  if (r.chance(0.6)) init.load = { load1: num(r, 0, 8), load5: num(r, 0, 8), load15: num(r, 0, 8) };
  if (r.chance(0.6)) {
    const total = big(r, 1n << 36n);
    init.memory = { totalBytes: total, usedBytes: big(r, total), availableBytes: big(r, total) };
  }
  if (r.chance(0.3)) {
    const total = big(r, 1n << 34n);
    init.swap = { totalBytes: total, usedBytes: big(r, total) };
  }
  if (r.chance(0.5)) {
    init.filesystems = Array.from({ length: r.int(4) }, () => {
      const size = big(r, 1n << 40n);
      return { mount: nm(r, "/m"), fsType: "ext4", sizeBytes: size, usedBytes: big(r, size) };
    });
  }
  if (r.chance(0.4)) init.diskIo = { readBytesPerS: num(r, 0, 1e9), writeBytesPerS: num(r, 0, 1e9) };
  if (r.chance(0.5)) {
    init.net = Array.from({ length: r.int(4) }, () => ({
      name: nm(r, "eth"),
      rxBytesPerS: num(r, 0, 1e9),
      txBytesPerS: num(r, 0, 1e9),
    }));
  }
  if (r.chance(0.3)) {
    init.processes = {
      total: r.int(2000),
      running: r.int(50),
      topCpu: Array.from({ length: r.int(3) }, () => ({
        pid: r.int(1e6),
        name: nm(r, "p"),
        cpuPct: num(r, 0, 400),
        memoryBytes: big(r, 1n << 34n),
      })),
    };
  }
  if (r.chance(0.3))
    init.temperatures = Array.from({ length: r.int(3) }, () => ({
      sensor: nm(r, "t"),
      celsius: num(r, -20, 110),
    }));
  if (r.chance(0.5)) init.uptimeS = num(r, 0, 1e7);
  return create(SampleSchema, init);
}

function varint(v: bigint): number[] {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x > 0n) b |= 0x80;
    out.push(b);
  } while (x > 0n);
  return out;
}

function splice(bytes: Uint8Array, at: number, insert: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(bytes.length + insert.length);
  out.set(bytes.subarray(0, at));
  out.set(insert, at);
  out.set(bytes.subarray(at), at + insert.length);
  return out;
}

/** One mutation of an encoded message: the classic protobuf fuzzing moves. */
function mutate(r: Rng, bytes: Uint8Array, other: Uint8Array): Uint8Array {
  const at = r.int(bytes.length + 1);
  switch (r.int(9)) {
    case 0: {
      const out = bytes.slice();
      for (let i = 0, n = 1 + r.int(4); i < n && out.length > 0; i++) {
        const j = r.int(out.length);
        out[j] = (out[j] ?? 0) ^ (1 << r.int(8));
      }
      return out;
    }
    case 1:
      return bytes.slice(0, at);
    case 2: {
      // Field duplication: a slice of the message appended again (last one wins, or merges).
      const from = r.int(bytes.length + 1);
      return splice(bytes, bytes.length, bytes.subarray(from, from + r.int(64)));
    }
    case 3:
      return splice(bytes, at, [
        ...varint(BigInt(1 + r.int(40)) << 3n),
        ...varint(BigInt(Math.floor(r.next() * 2 ** 53)) * BigInt(1 + r.int(2048))),
      ]);
    case 4:
      // A length-delimited field claiming far more bytes than follow.
      return splice(bytes, at, [
        ...varint((BigInt(1 + r.int(15)) << 3n) | 2n),
        ...varint(r.pick([2n ** 31n, 2n ** 53n, 2n ** 63n, 65_536n])),
        1,
        2,
        3,
      ]);
    case 5:
      return Uint8Array.from({ length: r.int(200) }, () => r.int(256));
    case 6: {
      const out = bytes.slice();
      if (out.length > 0) out[r.int(out.length)] = r.pick([0x00, 0x7f, 0x80, 0xff]);
      return out;
    }
    case 7:
      return splice(bytes.subarray(0, at), at, other.subarray(r.int(other.length + 1)));
    default:
      // A random wire type on a known field number (wrong type for the field).
      return splice(bytes, at, [
        (1 + r.int(12)) * 8 + r.pick([0, 1, 2, 3, 4, 5, 6, 7]),
        ...varint(BigInt(r.int(300))),
      ]);
  }
}

function decodeSample(bytes: Uint8Array): Sample | undefined {
  try {
    return fromBinary(SampleSchema, bytes);
  } catch {
    return undefined;
  }
}

function valid(s: Sample): boolean {
  try {
    validateSample(s, Date.now());
    return true;
  } catch {
    return false;
  }
}

/** What the hub must answer to a Push, decided here by the same decoder and validator. */
function pushVerdict(bytes: Uint8Array): { ok: boolean; samples: Sample[] } {
  let samples: Sample[];
  try {
    samples = fromBinary(PushRequestSchema, bytes).samples;
  } catch {
    return { ok: false, samples: [] };
  }
  // A batch is all or nothing.
  const ok = samples.length <= 1000 && samples.every(valid);
  return { ok, samples: ok ? samples : [] };
}

const PERCENT = /^(cpu|cpu\.user|cpu\.system|cpu\.iowait|cpu\.steal|cpu\.core:.*|mem|swap|disk:.*)$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding stored control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Every stored value must still pass the rules a valid sample obeys. */
function checkStoredMetrics(m: Metrics, where: string): void {
  for (const [k, v] of Object.entries(flattenMetrics(m))) {
    expect(Number.isFinite(v), `${where} ${k}=${v}`).toBe(true);
    if (PERCENT.test(k)) expect(v >= 0 && v <= 100, `${where} ${k}=${v}`).toBe(true);
    else if (!k.startsWith("temp:")) expect(v >= 0, `${where} ${k}=${v}`).toBe(true);
    expect(CONTROL.test(k), `${where} key ${JSON.stringify(k)}`).toBe(false);
  }
  for (const p of [...(m.processes?.topCpu ?? []), ...(m.processes?.topMemory ?? [])]) {
    expect(CONTROL.test(p.name), `${where} process ${JSON.stringify(p.name)}`).toBe(false);
  }
}

describe("ingest fuzzing", () => {
  it(`survives ${MESSAGES} random and mutated protobuf messages: no 5xx, no internal, no stored garbage`, {
    timeout: 120_000,
  }, async () => {
    const r = prng(SEED);
    const fleet = await createFleet();
    const hosts = [];
    for (let i = 0; i < HOSTS; i++) hosts.push((await registerHost(fleet.agent)).hostId);
    /** (host, seq) the hub has accepted, to predict duplicates. */
    const stored = new Map<string, Set<number>>(hosts.map((h) => [h, new Set<number>()]));
    const corpus: Uint8Array[] = [toBinary(SampleSchema, randomSample(r))];
    const stats = { messages: 0, requests: 0, accepted: 0, refused: 0, codes: {} as Record<string, number> };

    /** Seqs a cut stream may or may not have stored (see below). */
    const maybe = new Map<string, Set<number>>(hosts.map((h) => [h, new Set<number>()]));
    const record = (into: Map<string, Set<number>>, hostId: string, samples: Sample[]) => {
      for (const s of samples) into.get(hostId)?.add(Number(s.seq));
    };

    /** Checks an answer against the verdict; false when a rate limit refused it. */
    const expectOutcome = (
      what: string,
      out: { httpStatus: number; code: Code | undefined; message: string },
      ok: boolean,
    ): boolean => {
      const name = out.code === undefined ? "ok" : Code[out.code];
      stats.codes[name] = (stats.codes[name] ?? 0) + 1;
      expect(out.httpStatus, `${what}: ${out.message}`).toBeLessThan(500);
      expect([Code.Internal, Code.Unknown, Code.DataLoss], `${what}: ${out.message}`).not.toContain(out.code);
      if (out.code === Code.ResourceExhausted) return false;
      expect(
        out.code === undefined,
        `${what}: predicted ${ok ? "ok" : "refusal"}, got ${name} ${out.message}`,
      ).toBe(ok);
      if (!ok) expect(out.code, `${what}: ${out.message}`).toBe(Code.InvalidArgument);
      return true;
    };

    while (stats.messages < MESSAGES) {
      const hostId = r.pick(hosts);
      if (r.chance(0.8)) {
        // Push: one mutated PushRequest of 0..6 samples is one message.
        const req = create(PushRequestSchema, {
          samples: Array.from({ length: r.int(7) }, () => randomSample(r)),
        });
        let bytes: Uint8Array = toBinary(PushRequestSchema, req);
        if (r.chance(0.85)) bytes = mutate(r, bytes, r.pick(corpus));
        const { ok, samples } = pushVerdict(bytes);
        const out = await outcomeOf(await postIngest("Push", fleet.agent, hostId, bytes));
        if (expectOutcome(`push #${stats.messages}`, out, ok) && ok) record(stored, hostId, samples);
        stats.messages++;
        stats.requests++;
        if (out.code === undefined) stats.accepted++;
        else stats.refused++;
      } else {
        // Stream: envelopes of random samples, some mutated; the hub stops at the first bad one.
        const parts: Uint8Array[] = [];
        const before: Sample[] = [];
        let firstBad = -1;
        const n = 1 + r.int(25);
        for (let i = 0; i < n; i++) {
          let bytes: Uint8Array = toBinary(SampleSchema, randomSample(r));
          if (r.chance(0.5)) bytes = mutate(r, bytes, r.pick(corpus));
          if (bytes.length > 0 && corpus.length < 64 && r.chance(0.1)) corpus.push(bytes);
          parts.push(encodeEnvelope(0, bytes));
          if (firstBad < 0) {
            const s = decodeSample(bytes);
            if (s && valid(s)) before.push(s);
            else firstBad = i;
          }
        }
        let body = new Uint8Array(parts.reduce((k, p) => k + p.length, 0));
        let off = 0;
        for (const p of parts) {
          body.set(p, off);
          off += p.length;
        }
        let truncated = false;
        if (r.chance(0.1)) {
          // Cut the framing itself inside the last envelope: keep 1..len-1 of its bytes, but
          // not exactly its 5-byte header: connect-es takes a stream that ends right after a
          // header for a clean end (nothing is delivered, so nothing is stored either).
          const last = parts[parts.length - 1]?.length ?? 0;
          let keep = 1 + r.int(Math.max(1, last - 1));
          if (keep === 5) keep = 4;
          body = body.subarray(0, body.length - last + keep);
          truncated = true;
        }
        const fed = firstBad >= 0 ? firstBad + 1 : n;
        const ok = firstBad < 0 && !truncated;
        const out = await outcomeOf(await postIngest("Stream", fleet.agent, hostId, body));
        if (expectOutcome(`stream #${stats.messages}`, out, ok)) {
          // Samples before a refused one are kept. connect-es splits a whole network chunk
          // into envelopes before handing any on, so before a cut frame they may not be.
          record(truncated ? maybe : stored, hostId, before);
        }
        stats.messages += fed;
        stats.requests++;
        if (out.code === undefined) stats.accepted++;
        else stats.refused++;
      }
    }
    console.log(`fuzz: ${JSON.stringify(stats)}`);
    expect(stats.messages).toBeGreaterThanOrEqual(MESSAGES);

    // Nothing stored may break the rules: live state, and the raw history of every series it names.
    const state = await fleetState(fleet.id, fleet.viewer);
    let points = 0;
    for (const h of state.hosts as HostView[]) {
      expect(Number.isSafeInteger(h.lastSeq)).toBe(true);
      const sure = Math.max(0, ...(stored.get(h.id) ?? []));
      expect(h.lastSeq).toBeGreaterThanOrEqual(sure);
      expect(h.lastSeq).toBeLessThanOrEqual(Math.max(sure, ...(maybe.get(h.id) ?? [])));
      checkStoredMetrics(h.metrics, h.id);
      for (const key of Object.keys(flattenMetrics(h.metrics)).slice(0, 12)) {
        for (const p of await rawSeries(fleet.id, fleet.viewer, h.id, key)) {
          points++;
          for (const v of [p.min, p.avg, p.max, p.last ?? Number.NaN]) {
            expect(Number.isFinite(v), `${h.id} ${key}`).toBe(true);
            if (PERCENT.test(key)) expect(v >= 0 && v <= 100, `${h.id} ${key}=${v}`).toBe(true);
          }
        }
      }
    }
    expect(points).toBeGreaterThan(0);
  });
});
