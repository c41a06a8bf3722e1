/**
 * The D-Bus wire format, just enough of it for the agent's few calls:
 * marshalling of the basic types, arrays, structs, dict entries and
 * variants, and whole messages (header + body). No native dependency.
 * Spec: https://dbus.freedesktop.org/doc/dbus-specification.html#message-protocol-marshaling
 */

/** A D-Bus value: strings for s/o/g, numbers (bigint for x/t), arrays for arrays and structs. */
export type DBusValue = string | number | bigint | boolean | DBusValue[] | DBusVariant;

/** A variant: its signature and its value. */
export interface DBusVariant {
  sig: string;
  value: DBusValue;
}

export const MessageType = { call: 1, reply: 2, error: 3, signal: 4 } as const;

/** One message. Header fields are named after the spec's (PATH, MEMBER, ...). */
export interface DBusMessage {
  type: number;
  /** 1 = NO_REPLY_EXPECTED. */
  flags?: number;
  serial: number;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  destination?: string;
  sender?: string;
  signature?: string;
  body: DBusValue[];
}

/** Thrown on bytes that do not follow the format. */
export class DBusWireError extends Error {}

const ALIGN: Record<string, number> = {
  y: 1,
  b: 4,
  n: 2,
  q: 2,
  i: 4,
  u: 4,
  x: 8,
  t: 8,
  d: 8,
  s: 4,
  o: 4,
  g: 1,
  a: 4,
  "(": 8,
  "{": 8,
  v: 1,
  h: 4,
};

/** The index just past the complete type that starts at `i` of `sig`. */
function typeEnd(sig: string, i: number): number {
  const c = sig[i];
  if (c === undefined) throw new DBusWireError(`signature "${sig}" ends early`);
  if (c === "a") return typeEnd(sig, i + 1);
  if (c === "(" || c === "{") {
    const close = c === "(" ? ")" : "}";
    let j = i + 1;
    while (sig[j] !== close) {
      if (j >= sig.length) throw new DBusWireError(`signature "${sig}" is not closed`);
      j = typeEnd(sig, j);
    }
    return j + 1;
  }
  if (!(c in ALIGN)) throw new DBusWireError(`signature "${sig}" has unknown type "${c}"`);
  return i + 1;
}

/** The complete types of a signature: "sa(su)" -> ["s", "a(su)"]. */
export function splitSignature(sig: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < sig.length; ) {
    const end = typeEnd(sig, i);
    out.push(sig.slice(i, end));
    i = end;
  }
  return out;
}

/** Appends marshalled values; offsets are relative to the start of the message (or body). */
class Writer {
  buf = Buffer.alloc(256);
  pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  align(n: number): void {
    const pad = (n - (this.pos % n)) % n;
    this.room(pad);
    this.buf.fill(0, this.pos, this.pos + pad);
    this.pos += pad;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  u32(v: number, at = this.pos): void {
    this.room(at === this.pos ? 4 : 0);
    this.buf.writeUInt32LE(v, at);
    if (at === this.pos) this.pos += 4;
  }

  write(sig: string, v: DBusValue): void {
    const c = sig[0] as string;
    this.align(ALIGN[c] ?? 1);
    switch (c) {
      case "y":
        this.room(1);
        this.buf.writeUInt8(Number(v), this.pos++);
        return;
      case "b":
        this.u32(v ? 1 : 0);
        return;
      case "n":
      case "q":
        this.room(2);
        if (c === "n") this.buf.writeInt16LE(Number(v), this.pos);
        else this.buf.writeUInt16LE(Number(v), this.pos);
        this.pos += 2;
        return;
      case "i":
        this.room(4);
        this.buf.writeInt32LE(Number(v), this.pos);
        this.pos += 4;
        return;
      case "u":
      case "h":
        this.u32(Number(v));
        return;
      case "x":
      case "t":
        this.room(8);
        if (c === "x") this.buf.writeBigInt64LE(BigInt(v as number | bigint), this.pos);
        else this.buf.writeBigUInt64LE(BigInt(v as number | bigint), this.pos);
        this.pos += 8;
        return;
      case "d":
        this.room(8);
        this.buf.writeDoubleLE(Number(v), this.pos);
        this.pos += 8;
        return;
      case "s":
      case "o": {
        const b = Buffer.from(String(v), "utf8");
        this.u32(b.length);
        this.bytes(b);
        this.bytes(Uint8Array.of(0));
        return;
      }
      case "g": {
        const b = Buffer.from(String(v), "ascii");
        this.bytes(Uint8Array.of(b.length));
        this.bytes(b);
        this.bytes(Uint8Array.of(0));
        return;
      }
      case "v": {
        const variant = v as DBusVariant;
        this.write("g", variant.sig);
        this.write(variant.sig, variant.value);
        return;
      }
      case "a": {
        const elem = sig.slice(1);
        const lengthAt = this.pos;
        this.u32(0);
        // The length counts from the first element, after its alignment padding.
        this.align(ALIGN[elem[0] as string] ?? 1);
        const start = this.pos;
        for (const item of v as DBusValue[]) this.write(elem, item);
        this.u32(this.pos - start, lengthAt);
        return;
      }
      case "(":
      case "{": {
        const fields = splitSignature(sig.slice(1, -1));
        const items = v as DBusValue[];
        fields.forEach((f, i) => {
          this.write(f, items[i] as DBusValue);
        });
        return;
      }
      default:
        throw new DBusWireError(`cannot write type "${c}"`);
    }
  }
}

/** Reads marshalled values from a buffer in the given byte order. */
class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly little: boolean,
    /** Where alignment is counted from (the message start, or the body start). */
    readonly base = 0,
  ) {}

  align(n: number): void {
    this.pos += (n - ((this.pos - this.base) % n)) % n;
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new DBusWireError("message is truncated");
  }

  u32(): number {
    this.align(4);
    this.need(4);
    const v = this.little ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  read(sig: string): DBusValue {
    const c = sig[0] as string;
    this.align(ALIGN[c] ?? 1);
    const b = this.buf;
    const le = this.little;
    switch (c) {
      case "y":
        this.need(1);
        return b.readUInt8(this.pos++);
      case "b":
        return this.u32() !== 0;
      case "n":
      case "q": {
        this.need(2);
        const v =
          c === "n"
            ? le
              ? b.readInt16LE(this.pos)
              : b.readInt16BE(this.pos)
            : le
              ? b.readUInt16LE(this.pos)
              : b.readUInt16BE(this.pos);
        this.pos += 2;
        return v;
      }
      case "i": {
        this.need(4);
        const v = le ? b.readInt32LE(this.pos) : b.readInt32BE(this.pos);
        this.pos += 4;
        return v;
      }
      case "u":
      case "h":
        return this.u32();
      case "x":
      case "t": {
        this.need(8);
        const v =
          c === "x"
            ? le
              ? b.readBigInt64LE(this.pos)
              : b.readBigInt64BE(this.pos)
            : le
              ? b.readBigUInt64LE(this.pos)
              : b.readBigUInt64BE(this.pos);
        this.pos += 8;
        return v;
      }
      case "d": {
        this.need(8);
        const v = le ? b.readDoubleLE(this.pos) : b.readDoubleBE(this.pos);
        this.pos += 8;
        return v;
      }
      case "s":
      case "o": {
        const len = this.u32();
        this.need(len + 1);
        const v = b.toString("utf8", this.pos, this.pos + len);
        this.pos += len + 1;
        return v;
      }
      case "g": {
        this.need(1);
        const len = b.readUInt8(this.pos++);
        this.need(len + 1);
        const v = b.toString("ascii", this.pos, this.pos + len);
        this.pos += len + 1;
        return v;
      }
      case "v": {
        const vsig = this.read("g") as string;
        if (splitSignature(vsig).length !== 1) throw new DBusWireError(`variant signature "${vsig}"`);
        return { sig: vsig, value: this.read(vsig) };
      }
      case "a": {
        const len = this.u32();
        const elem = sig.slice(1);
        this.align(ALIGN[elem[0] as string] ?? 1);
        const end = this.pos + len;
        if (end > b.length) throw new DBusWireError("array runs past the message");
        const out: DBusValue[] = [];
        while (this.pos < end) out.push(this.read(elem));
        if (this.pos !== end) throw new DBusWireError("array length does not match its elements");
        return out;
      }
      case "(":
      case "{":
        return splitSignature(sig.slice(1, -1)).map((f) => this.read(f));
      default:
        throw new DBusWireError(`cannot read type "${c}"`);
    }
  }
}

/** Header field codes and their types (spec: "Header Fields"). */
const FIELDS = [
  [1, "path", "o"],
  [2, "interface", "s"],
  [3, "member", "s"],
  [4, "errorName", "s"],
  [5, "replySerial", "u"],
  [6, "destination", "s"],
  [7, "sender", "s"],
  [8, "signature", "g"],
] as const;

/** Marshals a message, little-endian, protocol version 1. */
export function encodeMessage(m: DBusMessage): Buffer {
  const body = new Writer();
  const sig = m.signature ?? "";
  splitSignature(sig).forEach((t, i) => {
    body.write(t, m.body[i] as DBusValue);
  });
  const h = new Writer();
  h.bytes(Uint8Array.of("l".charCodeAt(0), m.type, m.flags ?? 0, 1));
  h.u32(body.pos);
  h.u32(m.serial);
  const fields: DBusValue[] = [];
  for (const [code, key, type] of FIELDS) {
    const v = m[key];
    if (v !== undefined && !(key === "signature" && v === "")) fields.push([code, { sig: type, value: v }]);
  }
  h.write("a(yv)", fields);
  h.align(8);
  h.bytes(body.buf.subarray(0, body.pos));
  return h.buf.subarray(0, h.pos);
}

/** Length of the first whole message in `buf`, or 0 when more bytes are needed. */
export function messageLength(buf: Buffer): number {
  if (buf.length < 16) return 0;
  const little = buf[0] === 0x6c;
  if (!little && buf[0] !== 0x42) throw new DBusWireError(`bad endianness byte ${buf[0]}`);
  const bodyLen = little ? buf.readUInt32LE(4) : buf.readUInt32BE(4);
  const fieldsLen = little ? buf.readUInt32LE(12) : buf.readUInt32BE(12);
  const headerLen = 16 + fieldsLen + ((8 - (fieldsLen % 8)) % 8);
  const total = headerLen + bodyLen;
  // The spec caps a message at 128 MiB; anything near that is garbage here.
  if (total > 128 * 1024 * 1024) throw new DBusWireError("message too long");
  return buf.length >= total ? total : 0;
}

/** Unmarshals one whole message (see {@link messageLength}). */
export function decodeMessage(buf: Buffer): DBusMessage {
  const little = buf[0] === 0x6c;
  const r = new Reader(buf, 0, little);
  r.pos = 1;
  const type = r.read("y") as number;
  const flags = r.read("y") as number;
  const version = r.read("y") as number;
  if (version !== 1) throw new DBusWireError(`protocol version ${version}`);
  const bodyLen = r.u32();
  const serial = r.u32();
  const m: DBusMessage = { type, flags, serial, body: [] };
  for (const f of r.read("a(yv)") as [number, DBusVariant][]) {
    const def = FIELDS.find(([code]) => code === f[0]);
    if (def) (m as unknown as Record<string, unknown>)[def[1]] = f[1].value;
  }
  r.align(8);
  const bodyStart = r.pos;
  if (bodyStart + bodyLen > buf.length) throw new DBusWireError("message is truncated");
  const body = new Reader(buf.subarray(0, bodyStart + bodyLen), bodyStart, little, bodyStart);
  for (const t of splitSignature(m.signature ?? "")) m.body.push(body.read(t));
  return m;
}
