import { deflateRawSync, inflateRawSync } from "node:zlib";
import { ByteReader, ByteWriter } from "./bytes";

/**
 * A columnar table of numbers: one time column (integer milliseconds,
 * ascending) and named columns aligned with it, `null` where a row lacks
 * the column. Raw segments and rollup rows are both stored as one.
 */
export interface Table {
  t: number[];
  cols: Map<string, (number | null)[]>;
}

/** Format version of an encoded table (its first byte). */
export const TABLE_V1 = 1;
/** Version byte of a table whose v1 body (after the byte) is deflated (raw DEFLATE, RFC 1951). */
export const TABLE_V1_DEFLATED = 2;
/** Most decimal digits a column is scaled by before it is stored as floats. */
export const MAX_DIGITS = 6;
const FLOAT = 0xff;
/** Mode bit: the integers are stored as deltas of deltas (steady trends: uptime, a filling disk). */
const SECOND_ORDER = 0x80;
/** Largest scaled integer stored as such: its deltas stay within the varints' exact 2^52. */
const SAFE = 2 ** 51;

export interface EncodeOptions {
  /**
   * Digits to round a column to when its values are not exact decimals of
   * at most MAX_DIGITS digits (e.g. the average of a rollup, kept at the
   * agent's precision). Without it such a column is stored as float64.
   */
  digitsOf?(key: string): number | undefined;
  /**
   * Deflate the body when that makes it smaller (default true). Synchronous
   * zlib: a raw segment is written inside a DO SQLite transaction, where
   * nothing may await.
   */
  deflate?: boolean;
}

/** The fewest decimal digits at which every value is an exact integer, or undefined. */
export function exactDigits(values: readonly (number | null)[]): number | undefined {
  for (let d = 0, scale = 1; d <= MAX_DIGITS; d++, scale *= 10) {
    let ok = true;
    for (const v of values) {
      if (v === null) continue;
      const s = v * scale;
      const r = Math.round(s);
      if (Math.abs(r) > SAFE || Math.abs(s - r) > 1e-7 * Math.max(1, Math.abs(s)) || r / scale !== v) {
        ok = false;
        break;
      }
    }
    if (ok) return d;
  }
  return undefined;
}

function writeTimes(w: ByteWriter, t: readonly number[]): void {
  w.uvarint(t.length);
  let prev = 0;
  let prevDelta = 0;
  for (let i = 0; i < t.length; i++) {
    const v = t[i] as number;
    if (!Number.isSafeInteger(v) || v < 0)
      throw new RangeError(`t[${i}] = ${v}: expected whole milliseconds`);
    if (i === 0) w.uvarint(v);
    else {
      // Delta of delta: a steady cadence costs one byte a row.
      const delta = v - prev;
      w.svarint(i === 1 ? delta : delta - prevDelta);
      prevDelta = delta;
    }
    prev = v;
  }
}

function readTimes(r: ByteReader): number[] {
  const n = r.uvarint();
  const t = new Array<number>(n);
  let prev = 0;
  let delta = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0) prev = r.uvarint();
    else {
      delta = i === 1 ? r.svarint() : delta + r.svarint();
      prev += delta;
    }
    t[i] = prev;
  }
  return t;
}

function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y > 0) [x, y] = [y, x % y];
  return x;
}

/**
 * The largest integer every scaled value is a multiple of: memory comes in
 * KiB and disk usage in 4 KiB blocks, so storing value / quantum saves
 * 10-12 bits a value with nothing lost.
 */
function quantumOf(ints: readonly number[]): number {
  let q = 0;
  for (const v of ints) {
    q = gcd(q, v);
    if (q === 1) return 1;
  }
  return q === 0 ? 1 : q;
}

function writeColumn(w: ByteWriter, key: string, values: readonly (number | null)[], digits?: number): void {
  const name = new TextEncoder().encode(key);
  w.uvarint(name.length);
  w.bytes(name);
  let present = 0;
  for (const v of values) {
    if (v === null) continue;
    if (!Number.isFinite(v)) throw new RangeError(`${key}: ${v} cannot be stored`);
    present++;
  }
  const exact = exactDigits(values);
  const d =
    exact ?? (digits !== undefined ? Math.min(Math.max(0, Math.round(digits)), MAX_DIGITS) : undefined);
  const body = d === undefined ? floatBody(values) : intBody(key, values, d);
  w.byte(d === undefined ? FLOAT : d | body.order);
  w.uvarint(present);
  if (present > 0 && present < values.length) {
    const bitmap = new Uint8Array(Math.ceil(values.length / 8));
    values.forEach((v, i) => {
      if (v !== null) bitmap[i >> 3] = (bitmap[i >> 3] as number) | (1 << (i & 7));
    });
    w.bytes(bitmap);
  }
  w.uvarint(body.bytes.length);
  w.bytes(body.bytes);
}

function floatBody(values: readonly (number | null)[]): { bytes: Uint8Array; order: number } {
  const body = new ByteWriter();
  for (const v of values) if (v !== null) body.float64(v);
  return { bytes: body.finish(), order: 0 };
}

/**
 * Present values as integers at `d` digits, divided by their quantum, as
 * first- or second-order differences, whichever is shorter.
 */
function intBody(
  key: string,
  values: readonly (number | null)[],
  d: number,
): { bytes: Uint8Array; order: number } {
  const scale = 10 ** d;
  const ints: number[] = [];
  for (const v of values) {
    if (v === null) continue;
    const int = Math.round(v * scale);
    if (Math.abs(int) > SAFE) throw new RangeError(`${key}: ${v} is too large at ${d} digits`);
    ints.push(int);
  }
  const quantum = quantumOf(ints);
  const write = (secondOrder: boolean) => {
    const body = new ByteWriter();
    body.uvarint(quantum);
    let prev = 0;
    let prevDelta = 0;
    for (const int of ints) {
      const q = int / quantum;
      const delta = q - prev;
      body.svarint(secondOrder ? delta - prevDelta : delta);
      prev = q;
      prevDelta = delta;
    }
    return body.finish();
  };
  const first = write(false);
  if (ints.length < 3) return { bytes: first, order: 0 };
  const second = write(true);
  return second.length < first.length ? { bytes: second, order: SECOND_ORDER } : { bytes: first, order: 0 };
}

function readColumn(
  r: ByteReader,
  n: number,
  want: (key: string) => boolean,
): [string, (number | null)[] | undefined] {
  const key = new TextDecoder().decode(r.bytes(r.uvarint()));
  const modeByte = r.byte();
  const secondOrder = modeByte !== FLOAT && (modeByte & SECOND_ORDER) !== 0;
  const mode = modeByte === FLOAT ? FLOAT : modeByte & ~SECOND_ORDER;
  if (mode !== FLOAT && mode > MAX_DIGITS) throw new RangeError(`${key}: unknown column mode ${modeByte}`);
  const present = r.uvarint();
  if (present > n) throw new RangeError(`${key}: ${present} values for ${n} rows`);
  const bitmap = present > 0 && present < n ? r.bytes(Math.ceil(n / 8)) : undefined;
  const len = r.uvarint();
  if (!want(key)) {
    r.skip(len);
    return [key, undefined];
  }
  const body = new ByteReader(r.bytes(len));
  const out = new Array<number | null>(n).fill(null);
  const scale = 10 ** (mode === FLOAT ? 0 : mode);
  const quantum = mode === FLOAT ? 1 : body.uvarint();
  let prev = 0;
  let delta = 0;
  let seen = 0;
  for (let i = 0; i < n; i++) {
    if (present === 0 || (bitmap && !((bitmap[i >> 3] as number) & (1 << (i & 7))))) continue;
    if (mode === FLOAT) out[i] = body.float64();
    else {
      delta = secondOrder ? delta + body.svarint() : body.svarint();
      prev += delta;
      out[i] = (prev * quantum) / scale;
    }
    seen++;
  }
  if (seen !== present || !body.done)
    throw new RangeError(`${key}: column body does not match its ${present} values`);
  return [key, out];
}

/**
 * Encodes a table: version byte, times as delta-of-delta varints, then each
 * column with its key, its scale (decimal digits, or float64), a presence
 * bitmap when some rows lack it, and its values as integers divided by
 * their common quantum, stored as first- or second-order differences
 * (zigzag varints, whichever is shorter), prefixed by their byte length so
 * a reader can skip the column. The body after the version byte is then
 * deflated when that saves bytes (version 2): on realistic host data it
 * takes another ~25 % off, mostly the repeated series keys.
 */
export function encodeTable(table: Table, opts: EncodeOptions = {}): Uint8Array {
  const n = table.t.length;
  const w = new ByteWriter();
  w.byte(TABLE_V1);
  writeTimes(w, table.t);
  w.uvarint(table.cols.size);
  for (const [key, values] of table.cols) {
    if (values.length !== n) throw new RangeError(`${key}: ${values.length} values for ${n} rows`);
    writeColumn(w, key, values, opts.digitsOf?.(key));
  }
  const plain = w.finish();
  if (opts.deflate === false || plain.length < 64) return plain;
  const packed = deflateRawSync(plain.subarray(1));
  if (packed.length + 1 >= plain.length) return plain;
  const out = new Uint8Array(packed.length + 1);
  out[0] = TABLE_V1_DEFLATED;
  out.set(packed, 1);
  return out;
}

/** Decodes a table; with `only`, the other columns are skipped unread. Throws on malformed input. */
export function decodeTable(bytes: Uint8Array, only?: ReadonlySet<string>): Table {
  if (bytes[0] === TABLE_V1_DEFLATED) {
    let body: Uint8Array;
    try {
      body = inflateRawSync(bytes.subarray(1));
    } catch (e) {
      throw new RangeError(`deflated table does not inflate: ${e instanceof Error ? e.message : String(e)}`);
    }
    const plain = new Uint8Array(body.length + 1);
    plain[0] = TABLE_V1;
    plain.set(body, 1);
    return decodeTable(plain, only);
  }
  const r = new ByteReader(bytes);
  const version = r.byte();
  if (version !== TABLE_V1) throw new RangeError(`unknown table version ${version}`);
  const t = readTimes(r);
  const count = r.uvarint();
  const cols = new Map<string, (number | null)[]>();
  for (let i = 0; i < count; i++) {
    const [key, values] = readColumn(r, t.length, (k) => only === undefined || only.has(k));
    if (values) cols.set(key, values);
  }
  if (!r.done) throw new RangeError(`${bytes.length - r.pos} bytes after the last column`);
  return { t, cols };
}
