import { randomBytes } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32, decodeFrames, encodeFrame, FRAME_HEADER_BYTES } from "../../agent/src/spool/frame";

const payload = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

describe("spool framing", () => {
  it("checksums as zlib's crc32 does, so spools written before read back", () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    for (const n of [1, 7, 255, 1024, 65_537]) {
      const bytes = randomBytes(n);
      expect(crc32(bytes), `${n} bytes`).toBe(zlibCrc32(bytes));
    }
  });

  it("round-trips records with their seqs", () => {
    const buf = concat(
      encodeFrame(1n, payload(10)),
      encodeFrame(2n, payload(0)),
      encodeFrame(3n, payload(300)),
    );
    const { frames, validBytes } = decodeFrames(buf);
    expect(frames.map((f) => f.seq)).toEqual([1n, 2n, 3n]);
    expect(frames[2]?.payload).toEqual(payload(300));
    expect(validBytes).toBe(buf.length);
  });

  it("stops at a torn last record and reports where the intact part ends", () => {
    const good = encodeFrame(1n, payload(20));
    const torn = encodeFrame(2n, payload(20)).subarray(0, FRAME_HEADER_BYTES + 5);
    const { frames, validBytes } = decodeFrames(concat(good, torn));
    expect(frames.map((f) => f.seq)).toEqual([1n]);
    expect(validBytes).toBe(good.length);
  });

  it("stops at a record whose payload fails its CRC", () => {
    const bad = encodeFrame(2n, payload(20));
    bad[FRAME_HEADER_BYTES + 3] ^= 0xff;
    const { frames } = decodeFrames(concat(encodeFrame(1n, payload(4)), bad, encodeFrame(3n, payload(4))));
    expect(frames.map((f) => f.seq)).toEqual([1n]);
  });

  it("verifies but skips records at or below skipThrough", () => {
    const buf = concat(encodeFrame(5n, payload(1)), encodeFrame(6n, payload(1)), encodeFrame(7n, payload(1)));
    expect(decodeFrames(buf, 6n).frames.map((f) => f.seq)).toEqual([7n]);
  });
});
