import {
  closeSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { type Sample, SampleSchema } from "@fleetwatch/proto/sample_pb";
import { decodeFrames, encodeFrame } from "./frame";
import { acquireLock, releaseLock } from "./lock";

/** Options of {@link Spool.open}. */
export interface SpoolOptions {
  dir: string;
  /** Disk budget; the oldest segments are dropped beyond it. */
  maxBytes: number;
  /** Receives one-line warnings (torn records, dropped samples). */
  warn: (line: string) => void;
  /** Segment size before a new file is started; defaults to maxBytes / 16 within 64 KiB..4 MiB. */
  segmentBytes?: number;
}

interface Segment {
  path: string;
  firstSeq: bigint;
  lastSeq: bigint;
  bytes: number;
}

const SEGMENT_SUFFIX = ".seg";
const ACK_FILE = "acked";
/**
 * Recent samples kept in memory so live streaming never reads the disk. The
 * hub acknowledges a stream only when it ends (every ~15 min, 180 samples at
 * 5 s), so the tail is full in normal operation: it holds what a live stream
 * can be behind by, not everything unacknowledged (replay reads the disk).
 */
const MEMORY_TAIL = 64;

/**
 * Durable queue of samples between collection and acknowledgement by the hub.
 *
 * Samples are appended to segment files (see `frame.ts`) before they are
 * sent and forgotten only when acknowledged: the `acked` file holds the
 * highest seq the hub confirmed (or the agent gave up on), and a segment is
 * deleted once all of it is at or below that. Writes go to the page cache
 * without fsync: that survives `kill -9` and agent crashes at no I/O cost; a
 * power cut can lose the last seconds, and the CRC cuts any torn record.
 * All I/O is synchronous: a sample is ~1 KB every few seconds, and
 * synchronous writes make the append-before-send order trivially true.
 */
export class Spool {
  readonly dir: string;
  #maxBytes: number;
  #segmentBytes: number;
  #warn: (line: string) => void;
  #segments: Segment[] = [];
  #fd: number | undefined;
  #lastSeq = 0n;
  #ackedThrough = 0n;
  #tail: Sample[] = [];

  private constructor(opts: SpoolOptions) {
    this.dir = opts.dir;
    this.#maxBytes = opts.maxBytes;
    this.#segmentBytes =
      opts.segmentBytes ?? Math.min(4 * 1024 * 1024, Math.max(64 * 1024, Math.floor(opts.maxBytes / 16)));
    this.#warn = opts.warn;
  }

  /** Opens (creating if needed) and locks the spool in `opts.dir`, repairing torn tails. */
  static open(opts: SpoolOptions): Spool {
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    acquireLock(opts.dir);
    const spool = new Spool(opts);
    try {
      spool.#load();
    } catch (e) {
      releaseLock(opts.dir);
      throw e;
    }
    return spool;
  }

  /** Highest seq ever assigned (persists across restarts). */
  get lastSeq(): bigint {
    return this.#lastSeq;
  }

  /** Every sample with seq <= this is acknowledged or dropped. */
  get ackedThrough(): bigint {
    return this.#ackedThrough;
  }

  /** Samples waiting for acknowledgement. */
  get pending(): number {
    return Number(this.#lastSeq - this.#ackedThrough);
  }

  /** Bytes on disk. */
  get bytes(): number {
    return this.#segments.reduce((n, s) => n + s.bytes, 0);
  }

  /** Assigns the next seq to `init`, writes it to disk, and returns the stored sample. */
  append(init: MessageInitShape<typeof SampleSchema>): Sample {
    const sample = create(SampleSchema, { ...init, seq: this.#lastSeq + 1n });
    const frame = encodeFrame(sample.seq, toBinary(SampleSchema, sample));
    let seg = this.#segments.at(-1);
    if (this.#fd === undefined || !seg || seg.bytes + frame.length > this.#segmentBytes) {
      seg = this.#startSegment(sample.seq);
    }
    writeAll(this.#fd as number, frame);
    seg.lastSeq = sample.seq;
    seg.bytes += frame.length;
    this.#lastSeq = sample.seq;
    this.#tail.push(sample);
    if (this.#tail.length > MEMORY_TAIL) this.#tail.shift();
    this.#enforceBudget();
    return sample;
  }

  /** Up to `limit` unacknowledged samples with seq > `afterSeq`, in seq order. */
  read(afterSeq: bigint, limit: number): Sample[] {
    const from = afterSeq > this.#ackedThrough ? afterSeq : this.#ackedThrough;
    const first = this.#tail[0];
    if (first && first.seq <= from + 1n) {
      return this.#tail.filter((s) => s.seq > from).slice(0, limit);
    }
    const out: Sample[] = [];
    for (const seg of this.#segments) {
      if (seg.lastSeq <= from) continue;
      const { frames } = decodeFrames(readFileSync(seg.path), from);
      for (const f of frames) {
        out.push(fromBinary(SampleSchema, f.payload));
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** Marks every sample with seq <= `throughSeq` done and deletes segments that are wholly done. */
  ack(throughSeq: bigint): void {
    const through = throughSeq > this.#lastSeq ? this.#lastSeq : throughSeq;
    if (through <= this.#ackedThrough) return;
    this.#ackedThrough = through;
    // Write-then-rename: the ack file is always either the old or the new value.
    const tmp = join(this.dir, `${ACK_FILE}.tmp`);
    writeFileSync(tmp, `${through}\n`);
    renameSync(tmp, join(this.dir, ACK_FILE));
    while (this.#tail[0] && this.#tail[0].seq <= through) this.#tail.shift();
    this.#dropSegmentsThrough(through);
  }

  /** Closes the open segment and releases the lock. */
  close(): void {
    this.#closeFd();
    releaseLock(this.dir);
  }

  #load(): void {
    const ackText = readOptional(join(this.dir, ACK_FILE));
    const acked = ackText && /^\d+\s*$/.test(ackText) ? BigInt(ackText.trim()) : 0n;
    const names = readdirSync(this.dir)
      .filter((n) => n.endsWith(SEGMENT_SUFFIX))
      .sort();
    for (const name of names) {
      const path = join(this.dir, name);
      const buf = readFileSync(path);
      const { frames, validBytes } = decodeFrames(buf);
      if (validBytes < buf.length) {
        this.#warn(`spool: cut a torn record at byte ${validBytes} of ${name} (left by a crash)`);
        const fd = openSync(path, "r+");
        ftruncateSync(fd, validBytes);
        closeSync(fd);
      }
      const first = frames[0];
      const last = frames.at(-1);
      if (!first || !last) {
        rmSync(path, { force: true });
        continue;
      }
      this.#segments.push({ path, firstSeq: first.seq, lastSeq: last.seq, bytes: validBytes });
    }
    const newest = this.#segments.at(-1)?.lastSeq ?? 0n;
    this.#ackedThrough = acked;
    this.#lastSeq = newest > acked ? newest : acked;
    if (ackText === undefined && this.#segments.length === 0) {
      // A brand-new spool (or one that was wiped) must not restart at seq 1:
      // the hub would discard the new samples as duplicates of the old host's.
      // Starting from the clock keeps seq monotonic for this host either way.
      this.#lastSeq = BigInt(Date.now());
      this.#ackedThrough = this.#lastSeq;
    }
    this.#dropSegmentsThrough(this.#ackedThrough);
  }

  #startSegment(firstSeq: bigint): Segment {
    this.#closeFd();
    const path = join(this.dir, `${firstSeq.toString().padStart(20, "0")}${SEGMENT_SUFFIX}`);
    this.#fd = openSync(path, "a", 0o600);
    const seg = { path, firstSeq, lastSeq: firstSeq - 1n, bytes: fstatSync(this.#fd).size };
    this.#segments.push(seg);
    return seg;
  }

  #closeFd(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #dropSegmentsThrough(through: bigint): void {
    while (this.#segments[0] && this.#segments[0].lastSeq <= through) {
      const seg = this.#segments.shift() as Segment;
      if (this.#segments.length === 0) this.#closeFd();
      rmSync(seg.path, { force: true });
    }
  }

  #enforceBudget(): void {
    // The newest segment is never dropped: it holds the sample just written.
    while (this.#segments.length > 1 && this.bytes > this.#maxBytes) {
      const seg = this.#segments[0] as Segment;
      const from = seg.firstSeq > this.#ackedThrough ? seg.firstSeq : this.#ackedThrough + 1n;
      const lost = seg.lastSeq - from + 1n;
      this.#warn(
        `spool full (${Math.round(this.#maxBytes / 1048576)} MB): dropped ${lost} oldest samples (seq ${from}..${seg.lastSeq}); raise --spool-max-mb to keep more`,
      );
      this.ack(seg.lastSeq);
    }
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}
