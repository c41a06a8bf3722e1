/** CRC-32 (IEEE 802.3, as zlib's) lookup table. */
const CRC_TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[n] = c;
}

/**
 * CRC-32 of `bytes`, the value zlib's crc32 gives, so spools written by
 * either read back. Computed here so the agent never loads zlib (about
 * 0.4 MB of RSS) for a checksum of a few hundred bytes every interval.
 */
export function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < bytes.length; i++)
    c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/**
 * Spool record framing: `[u32 length][u32 crc32][u64 seq][payload]`, little
 * endian. The length and CRC cover the payload, so a record torn by a crash
 * (or a power cut before the page cache was flushed) is detected and the
 * segment is cut there. The seq sits outside the payload so replay can skip
 * acknowledged records without decoding them.
 */
export const FRAME_HEADER_BYTES = 16;

/** Largest payload accepted when reading back; anything bigger is corruption. */
export const MAX_FRAME_PAYLOAD = 16 * 1024 * 1024;

/** One decoded spool record. */
export interface Frame {
  seq: bigint;
  payload: Uint8Array;
}

/** Encodes one record. */
export function encodeFrame(seq: bigint, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, crc32(payload), true);
  view.setBigUint64(8, seq, true);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** Result of reading a segment: the intact records and where they end. */
export interface DecodedFrames {
  frames: Frame[];
  /** Bytes of `buf` covered by intact records; anything after is torn or corrupt. */
  validBytes: number;
}

/**
 * Decodes records from the start of `buf`, stopping at the first record that
 * is incomplete or fails its CRC. Records with `seq <= skipThrough` are
 * verified but not returned.
 */
export function decodeFrames(buf: Uint8Array, skipThrough = 0n): DecodedFrames {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const frames: Frame[] = [];
  let off = 0;
  while (off + FRAME_HEADER_BYTES <= buf.length) {
    const len = view.getUint32(off, true);
    const end = off + FRAME_HEADER_BYTES + len;
    if (len > MAX_FRAME_PAYLOAD || end > buf.length) break;
    const payload = buf.subarray(off + FRAME_HEADER_BYTES, end);
    if (crc32(payload) !== view.getUint32(off + 4, true)) break;
    const seq = view.getBigUint64(off + 8, true);
    if (seq > skipThrough) frames.push({ seq, payload });
    off = end;
  }
  return { frames, validBytes: off };
}
