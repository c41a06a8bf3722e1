import { describe, expect, it } from "vitest";
import { ByteReader, ByteWriter } from "../../worker/src/codec/bytes";
import {
  decodeTable,
  encodeTable,
  exactDigits,
  TABLE_V1,
  TABLE_V1_DEFLATED,
  type Table,
} from "../../worker/src/codec/columns";

/** mulberry32: a seeded generator, so a failure names the seed that reproduces it. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random table: steady, jittered or shuffled times; columns at random precision, magnitude and presence. */
function randomTable(seed: number): Table {
  const r = rng(seed);
  const n = Math.floor(r() * 200);
  const start = Math.floor(r() * 2e12);
  const step = [1000, 5000, 60_000][Math.floor(r() * 3)] as number;
  const t = Array.from({ length: n }, (_, i) => start + i * step + (r() < 0.3 ? Math.floor(r() * 900) : 0));
  if (r() < 0.2) t.reverse();
  const cols = new Map<string, (number | null)[]>();
  const ncols = Math.floor(r() * 12);
  for (let c = 0; c < ncols; c++) {
    const digits = Math.floor(r() * 7);
    const magnitude = 10 ** Math.floor(r() * 13);
    const presence = r();
    const float = r() < 0.1;
    let walk = (r() - 0.5) * magnitude;
    cols.set(
      `series:${c}/${seed}`,
      t.map(() => {
        if (r() > presence) return null;
        walk += (r() - 0.5) * magnitude * 0.01;
        if (float) return walk * Math.PI;
        // -0 and 0 are one value to a metric: the codec stores 0.
        return Math.round(walk * 10 ** digits) / 10 ** digits || 0;
      }),
    );
  }
  return { t, cols };
}

describe("varints", () => {
  it("round-trips integers up to 2^52, signed and unsigned", () => {
    const r = rng(7);
    const values = [0, 1, 127, 128, 2 ** 31, 2 ** 32 + 5, 2 ** 52];
    for (let i = 0; i < 2000; i++) values.push(Math.floor(r() * 2 ** 52));
    const w = new ByteWriter();
    for (const v of values) {
      w.uvarint(v);
      w.svarint(v);
      w.svarint(-v);
    }
    const rd = new ByteReader(w.finish());
    for (const v of values) expect([rd.uvarint(), rd.svarint(), rd.svarint()]).toEqual([v, v, -v || 0]);
    expect(rd.done).toBe(true);
  });
});

describe("columnar tables", () => {
  it("round-trips 500 random tables exactly: every value, every absence", () => {
    for (let seed = 1; seed <= 500; seed++) {
      const table = randomTable(seed);
      const back = decodeTable(encodeTable(table));
      expect(back.t, `seed ${seed}`).toEqual(table.t);
      expect(back.cols, `seed ${seed}`).toEqual(table.cols);
    }
  });

  it("decodes one column alone, skipping the others unread", () => {
    let seed = 42;
    while (randomTable(seed).cols.size < 4) seed++;
    const table = randomTable(seed);
    const [key, values] = [...table.cols][3] ?? [];
    if (!key) throw new Error("no column");
    const back = decodeTable(encodeTable(table), new Set([key]));
    expect([...back.cols.keys()]).toEqual([key]);
    expect(back.cols.get(key)).toEqual(values);
  });

  it("keeps a column that is not an exact decimal within the digits asked for", () => {
    const avg = [1 / 3, 2 / 3, 41.123456789, 99.995];
    const table: Table = { t: [0, 60_000, 120_000, 180_000], cols: new Map([["cpu|avg", avg]]) };
    const lossless = decodeTable(encodeTable(table)).cols.get("cpu|avg");
    expect(lossless).toEqual(avg);
    const rounded = decodeTable(encodeTable(table, { digitsOf: () => 2 })).cols.get("cpu|avg") ?? [];
    for (const [i, v] of rounded.entries()) {
      expect(Math.abs((v as number) - (avg[i] as number))).toBeLessThanOrEqual(0.005);
    }
  });

  it("stores a steady 5 s cadence of two-decimal values in about two bytes a value or less", () => {
    const r = rng(3);
    const t = Array.from({ length: 60 }, (_, i) => 1_800_000_000_000 + i * 5000);
    let cpu = 40;
    const cols = new Map([
      ["cpu", t.map(() => (cpu = Math.round(Math.min(100, Math.max(0, cpu + (r() - 0.5) * 4)) * 100) / 100))],
      ["mem.used", t.map((_, i) => 13_958_643_712 + i * 4096)],
      ["fs.size:/", t.map(() => 502_468_108_288)],
    ]);
    const bytes = encodeTable({ t, cols });
    expect(bytes.length / (60 * 4)).toBeLessThan(2);
  });

  it("deflates a table when that is smaller, and reads both forms", () => {
    const t = Array.from({ length: 120 }, (_, i) => 1_800_000_000_000 + i * 5000);
    const cols = new Map<string, (number | null)[]>();
    for (let c = 0; c < 30; c++)
      cols.set(
        `net.rx:veth-container-${c}`,
        t.map((_, i) => (i * 37 + c) % 11),
      );
    const packed = encodeTable({ t, cols });
    const plain = encodeTable({ t, cols }, { deflate: false });
    expect([packed[0], plain[0]]).toEqual([TABLE_V1_DEFLATED, TABLE_V1]);
    expect(packed.length).toBeLessThan(plain.length);
    expect(decodeTable(packed)).toEqual(decodeTable(plain));
    const broken = packed.slice();
    broken.fill(0xff, 1, 9);
    expect(() => decodeTable(broken)).toThrow(RangeError);
  });

  it("stores steady trends as second-order differences: a counter costs about a byte a value", () => {
    const t = Array.from({ length: 60 }, (_, i) => i * 5000);
    const uptime = t.map((_, i) => Math.round((1_209_613.42 + i * 5.0) * 100) / 100);
    const bytes = encodeTable({ t, cols: new Map([["uptime", uptime]]) }, { deflate: false });
    const empty = encodeTable({ t, cols: new Map() }, { deflate: false });
    expect((bytes.length - empty.length) / 60).toBeLessThan(1.3);
    expect(decodeTable(bytes).cols.get("uptime")).toEqual(uptime);
  });

  it("finds the fewest exact digits of a column", () => {
    expect(exactDigits([1, 2, null, 3])).toBe(0);
    expect(exactDigits([1.5, 2.25])).toBe(2);
    expect(exactDigits([0.1, 0.2, 0.3])).toBe(1);
    expect(exactDigits([Math.PI])).toBeUndefined();
  });

  it("refuses values it cannot store and input it cannot read, with the reason", () => {
    expect(() => encodeTable({ t: [0], cols: new Map([["cpu", [Number.NaN]]]) })).toThrow(/cpu: NaN/);
    expect(() => encodeTable({ t: [1.5], cols: new Map() })).toThrow(/whole milliseconds/);
    const bytes = encodeTable(randomTable(9));
    expect(() => decodeTable(bytes.subarray(0, bytes.length - 1))).toThrow(RangeError);
    expect(() => decodeTable(new Uint8Array([9]))).toThrow(/unknown table version 9/);
  });
});
