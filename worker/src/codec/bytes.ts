/**
 * Growable byte buffer with LEB128 varints. Numbers are JavaScript numbers
 * up to 2^53 (bytes counters and millisecond times both fit), so the varint
 * code uses arithmetic, never 32-bit bitwise operators.
 */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  get length(): number {
    return this.len;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** An unsigned integer in 0..2^53, 7 bits a byte. */
  uvarint(n: number): void {
    this.room(8);
    let v = n;
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  /** A signed integer of magnitude up to 2^52, zigzag-mapped so small magnitudes take one byte. */
  svarint(n: number): void {
    this.uvarint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  float64(x: number): void {
    this.room(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8).setFloat64(0, x, true);
    this.len += 8;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

/** Reads what `ByteWriter` wrote; throws a clear error on truncated or malformed input. */
export class ByteReader {
  pos = 0;
  private readonly buf: Uint8Array;

  // A plain field, not a parameter property: benchmarks load this file with Node's type stripping.
  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new RangeError(`truncated at byte ${this.pos}`);
    return this.buf[this.pos++] as number;
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new RangeError(`truncated: ${n} bytes wanted at ${this.pos}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uvarint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
    throw new RangeError(`varint longer than 8 bytes at ${this.pos}`);
  }

  svarint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  float64(): number {
    const b = this.bytes(8);
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
  }

  skip(n: number): void {
    this.bytes(n);
  }
}
