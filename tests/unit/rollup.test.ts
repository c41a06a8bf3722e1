import { afterEach, describe, expect, it, vi } from "vitest";
import { fleetCorpus, hostSamples } from "../../bench/lib/corpus";
import { exactDigits, TABLE_V1, TABLE_V1_DEFLATED } from "../../worker/src/codec/columns";
import {
  type Agg,
  aggregateWindow,
  combine,
  DERIVED_DIGITS,
  decodeRollupBlocks,
  decodeRollupRow,
  encodeRollupBlocks,
  encodeRollupRow,
  HOUR_MS,
  MINUTE_MS,
  packPoints,
  ROLLUP_DIGITS,
  type RollupPoint,
  rollupRaw,
  unpackPoints,
  unpackRollupRow,
  upsertPoint,
} from "../../worker/src/fleet/rollup";
import { fromHex } from "../../worker/src/fleet/rollup-store";
import { pickStepMs, pickTier } from "../../worker/src/fleet/series";
import { validateSample } from "../../worker/src/fleet/validate-sample";
import { flattenMetrics, parseSeriesKey, SERIES } from "../../worker/src/metrics/catalog";

const raw = (t: number, cpu: number, seq = t) => ({ seq, t, v: { cpu } });

describe("rollupRaw", () => {
  it("keeps min/avg/max/last per minute so spikes survive", () => {
    const pts = rollupRaw([raw(0, 10), raw(20_000, 95), raw(40_000, 5), raw(60_000, 50)], MINUTE_MS);
    expect(pts).toEqual([
      { t: 0, n: 3, v: { cpu: [5, (10 + 95 + 5) / 3, 95, 5] } },
      { t: 60_000, n: 1, v: { cpu: [50, 50, 50, 50] } },
    ]);
  });

  it("takes `last` by time, whatever the arrival order", () => {
    const [p] = rollupRaw([raw(40_000, 7), raw(10_000, 3)], MINUTE_MS);
    expect(p?.v.cpu?.[3]).toBe(7);
  });
});

describe("packed rows", () => {
  const points: RollupPoint[] = [
    { t: 0, n: 12, v: { cpu: [1, 2, 3, 2] as [number, number, number, number] } },
    {
      t: MINUTE_MS,
      n: 11,
      v: {
        cpu: [4, 5, 6, 5] as [number, number, number, number],
        "disk:/mnt/a.b": [7, 8, 9, 8] as [number, number, number, number],
      },
    },
  ];

  it("stores times once and each series aligned with them, absent as null", () => {
    expect(JSON.parse(packPoints(points))).toEqual({
      t: [0, MINUTE_MS],
      n: [12, 11],
      s: {
        cpu: [
          [1, 2, 3, 2],
          [4, 5, 6, 5],
        ],
        "disk:/mnt/a.b": [null, [7, 8, 9, 8]],
      },
    });
    expect(unpackPoints(packPoints(points))).toEqual(points);
    expect(unpackPoints(packPoints([]))).toEqual([]);
  });

  it("reads rows of the earlier point-per-object form as they are", () => {
    expect(unpackPoints(JSON.stringify(points))).toEqual(points);
  });
});

/** mulberry32: a seeded generator, so a failure names the seed that reproduces it. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A series of random precision and magnitude. */
interface RandomSeries {
  key: string;
  /** Digits of min/max/last; undefined: not exact decimals (floats such as derived percentages). */
  digits: number | undefined;
}

/** Random points as rollupRaw gives them: keys with any printable character, values at each series' precision, some absent. */
function randomPoints(seed: number): { points: RollupPoint[]; series: RandomSeries[] } {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const names = [
    "cpu",
    "disk:/mnt/a:b|c",
    'temp:"q" \\ x',
    "net.rx:eth0",
    "n",
    "min:x",
    "disk.used:/",
    ":",
    "|",
  ];
  const series: RandomSeries[] = Array.from({ length: int(12) }, (_, i) => ({
    key: `${names[int(names.length)]}${i}`,
    digits: r() < 0.15 ? undefined : int(7),
  }));
  // Up to what the codec holds as integers at the series' digits (2^51 scaled).
  const magnitude = series.map((s) => 10 ** int(r() < 0.5 ? 4 : 15 - (s.digits ?? 3)));
  const start = int(2e12 / HOUR_MS) * HOUR_MS;
  const points: RollupPoint[] = [];
  for (let i = 0, count = int(61); i < count; i++) {
    const v: Record<string, Agg> = {};
    series.forEach((s, j) => {
      if (r() < 0.2) return;
      const m = magnitude[j] as number;
      // -0 and 0 are one value to a metric: the codec stores 0.
      const at = (x: number) =>
        s.digits === undefined ? x * Math.PI : Math.round(x * 10 ** s.digits) / 10 ** s.digits || 0;
      const xs = Array.from({ length: 1 + int(12) }, () => at((r() - 0.3) * m));
      const sum = xs.reduce((a, b) => a + b, 0);
      v[s.key] = [Math.min(...xs), sum / xs.length, Math.max(...xs), xs[xs.length - 1] as number];
    });
    points.push({ t: start + i * MINUTE_MS, n: 1 + int(720), v });
  }
  return { points, series };
}

/** Digits a series' unit keeps in rollups (none for a key outside the catalog). */
function unitCap(key: string): number {
  const parsed = parseSeriesKey(key);
  return parsed ? ROLLUP_DIGITS[SERIES[parsed.name].unit] : Number.POSITIVE_INFINITY;
}

/** Half a unit in the last stored digit, with room for float arithmetic on large values. */
const tolerance = (x: number, digits: number) => 0.5 * 10 ** -digits + Math.abs(x) * 1e-15;

/** The 1 m points of each hour of a day of `hosts` hosts of the shared corpus (bench/lib/corpus.ts). */
function corpusHours(hosts: number, seed: number): RollupPoint[][] {
  const start = Date.UTC(2026, 5, 1);
  return fleetCorpus(hosts, seed).flatMap((host) =>
    Array.from({ length: 24 }, (_, h) =>
      rollupRaw(
        hostSamples(host, 720, start + h * HOUR_MS).map((s) => ({
          seq: Number(s.seq),
          t: Number(s.timeMs),
          v: flattenMetrics(validateSample(s, Number(s.timeMs)).metrics),
        })),
        MINUTE_MS,
      ),
    ),
  );
}

describe("binary rows", () => {
  afterEach(() => vi.restoreAllMocks());

  it("round-trips random points: n and times exact, min/max exact at the unit's precision, avg within it, absent stays absent", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const { points, series } = randomPoints(seed);
      const back = decodeRollupRow(encodeRollupRow(points));
      expect(
        back.map((p) => [p.t, p.n]),
        `seed ${seed}`,
      ).toEqual(points.map((p) => [p.t, p.n]));
      // The precision of a series in the row: that of its min/max (the agent's), at most its unit's.
      const digits = new Map(
        series.map((s) => [
          s.key,
          Math.min(
            exactDigits(
              points.flatMap((p) => {
                const a = p.v[s.key];
                return a ? [a[0], a[2]] : [];
              }),
            ) ?? DERIVED_DIGITS,
            unitCap(s.key),
          ),
        ]),
      );
      points.forEach((p, i) => {
        const got = back[i] as RollupPoint;
        expect(Object.keys(got.v).sort(), `seed ${seed}`).toEqual(Object.keys(p.v).sort());
        for (const s of series) {
          const want = p.v[s.key];
          const a = got.v[s.key];
          if (!want || !a) continue;
          // Rows keep min/avg/max: no last.
          expect(a, `seed ${seed} ${s.key}`).toHaveLength(3);
          if (s.digits !== undefined && s.digits <= unitCap(s.key))
            expect([a[0], a[2]], `seed ${seed} ${s.key}`).toEqual([want[0], want[2]]);
          for (let k = 0; k < 3; k++) {
            const err = Math.abs((a[k] as number) - (want[k] as number));
            const d = digits.get(s.key) as number;
            expect(err, `seed ${seed} ${s.key}[${k}]`).toBeLessThanOrEqual(tolerance(want[k] as number, d));
          }
        }
      });
    }
  });

  it("stores the average at its series' digits, one for a series of whole numbers", () => {
    for (let seed = 1; seed <= 100; seed++) {
      const { points, series } = randomPoints(seed);
      const back = decodeRollupRow(encodeRollupRow(points));
      for (const s of series) {
        const avg = back.map((p) => p.v[s.key]?.[1] ?? null);
        const exact = back.flatMap((p) => {
          const a = p.v[s.key];
          return a ? [a[0], a[2]] : [];
        });
        const digits = exactDigits(exact) ?? DERIVED_DIGITS;
        expect(exactDigits(avg), `seed ${seed} ${s.key}`).toBeLessThanOrEqual(Math.max(digits, 1));
      }
    }
    const counts = [{ t: 0, n: 3, v: { "procs.running": [1, 4 / 3, 2, 1] as Agg } }];
    expect(decodeRollupRow(encodeRollupRow(counts))[0]?.v["procs.running"]).toEqual([1, 1.3, 2]);
  });

  it("keeps each unit at what a chart shows: a tenth of a percent or degree, whole bytes and rates", () => {
    const v: Record<string, Agg> = {
      cpu: [12.34, 45.678, 99.99, 50],
      "temp:pkg": [41.26, 42.55, 43.75, 42],
      "net.rx:eth0": [1234.56, 98765.4321, 1_000_000.99, 0],
      "mem.used": [8e9 + 1, 8e9 + 1.5, 8e9 + 2, 0],
      load1: [0.12, 0.345, 0.99, 0],
      procs: [100, 101.25, 103, 0],
      "not.a.series": [1.234, 1.2345, 1.236, 0],
    };
    const [p] = decodeRollupRow(encodeRollupRow([{ t: 0, n: 12, v }]));
    expect(p?.v).toEqual({
      cpu: [12.3, 45.7, 100],
      "temp:pkg": [41.3, 42.6, 43.8],
      "net.rx:eth0": [1235, 98765, 1_000_001],
      "mem.used": [8e9 + 1, 8e9 + 2, 8e9 + 2],
      load1: [0.12, 0.35, 0.99],
      procs: [100, 101.3, 103],
      "not.a.series": [1.234, 1.235, 1.236],
    });
  });

  it("reads one series alone, whatever characters its key holds", () => {
    for (let seed = 1; seed <= 100; seed++) {
      const { points, series } = randomPoints(seed);
      const bytes = encodeRollupRow(points);
      const all = decodeRollupRow(bytes);
      for (const s of [...series, { key: "absent" }]) {
        expect(decodeRollupRow(bytes, s.key), `seed ${seed} ${s.key}`).toEqual(
          all.map((p) => ({ t: p.t, n: p.n, v: p.v[s.key] ? { [s.key]: p.v[s.key] } : {} })),
        );
      }
    }
  });

  it("keeps values too large for the codec's integers as float64, exactly", () => {
    const big: Agg = [2 ** 60, 2 ** 60 + 2 ** 10, 2 ** 61];
    const points = [{ t: 0, n: 3, v: { "disk.used:/huge": big } }];
    expect(decodeRollupRow(encodeRollupRow(points))).toEqual(points);
  });

  it("rounds values whose digits do not fit the codec's integers to fewer digits", () => {
    const x = 1e12 + 0.123456;
    const [p] = decodeRollupRow(encodeRollupRow([{ t: 0, n: 1, v: { x: [x, x, x, x] } }]));
    expect(p?.v.x).toEqual([1e12 + 0.12, 1e12 + 0.12, 1e12 + 0.12]);
  });

  it("is deflated when that is smaller, as its version byte says", () => {
    const [hour = []] = corpusHours(1, 7);
    const row = encodeRollupRow(hour);
    expect(row[0]).toBe(TABLE_V1_DEFLATED);
    expect(decodeRollupRow(row)).toHaveLength(hour.length);
    const empty = encodeRollupRow([]);
    expect(empty[0]).toBe(TABLE_V1);
    expect(decodeRollupRow(empty)).toEqual([]);
  });

  it("refuses a row of an unknown version or a torn body, and readers that go on log it", () => {
    const good = encodeRollupRow(randomPoints(3).points);
    const unknown = Uint8Array.from([9, ...good.subarray(1)]);
    expect(() => decodeRollupRow(unknown)).toThrow("unknown table version 9");
    expect(() => decodeRollupRow(good.subarray(0, good.length >> 1))).toThrow(RangeError);
    const logged: string[] = [];
    vi.spyOn(console, "error").mockImplementation((m: string) => logged.push(m));
    expect(unpackRollupRow(unknown, "rollups_1m (f, h, 0)")).toEqual([]);
    expect(logged).toEqual(["rollups_1m (f, h, 0): unknown table version 9; read as no points"]);
  });

  it("reads rows as SQLite's hex() text, refusing text that is not hex", () => {
    const row = encodeRollupRow(randomPoints(5).points);
    const hex = [...row].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join("");
    expect(fromHex(hex)).toEqual(row);
    expect(fromHex(hex.toLowerCase())).toEqual(row);
    expect(() => fromHex(`${hex.slice(0, 4)}zz`)).toThrow(RangeError);
    expect(() => fromHex("ABC")).toThrow(RangeError);
  });

  it("stores realistic hours and days at under 2 bytes a value, a quarter of their JSON text or less", () => {
    // Counting n and the three values kept per series per point, against the
    // JSON text of the four older versions kept.
    const values = (pts: RollupPoint[]) => pts.reduce((a, p) => a + 1 + 3 * Object.keys(p.v).length, 0);
    const minutes = corpusHours(2, 42);
    const days = [];
    for (let i = 0; i < minutes.length; i += 24)
      days.push(minutes.slice(i, i + 24).flatMap((h) => combine(h, HOUR_MS)));
    for (const [tier, rows] of [
      ["1m", minutes],
      ["1h", days],
    ] as const) {
      let json = 0;
      let binary = 0;
      let count = 0;
      for (const pts of rows) {
        json += packPoints(pts).length;
        binary += encodeRollupRow(pts).length;
        count += values(pts);
      }
      expect(binary / count, tier).toBeLessThan(2);
      expect(binary, tier).toBeLessThan(json / 4);
    }
  });
});

describe("rows in blocks per series family", () => {
  it("decodes to exactly what one table of the same points decodes to", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const { points } = randomPoints(seed);
      const { data, idx } = encodeRollupBlocks(points);
      expect(decodeRollupBlocks(data, idx), `seed ${seed}`).toEqual(decodeRollupRow(encodeRollupRow(points)));
    }
  });

  it("keeps one block per family, each decodable alone", () => {
    const points: RollupPoint[] = [
      { t: 0, n: 12, v: { cpu: [1, 2, 3], "cpu.core:0": [4, 5, 6], "cpu.core:1": [7, 8, 9] } },
      { t: 60_000, n: 11, v: { "cpu.core:1": [1, 1, 1], load1: [0.5, 0.5, 0.5] } },
    ];
    const { data, idx } = encodeRollupBlocks(points);
    const index = JSON.parse(idx) as Record<string, [number, number]>;
    expect(Object.keys(index)).toEqual(["cpu", "cpu.core", "load1"]);
    const [at, length] = index["cpu.core"] as [number, number];
    expect(decodeRollupRow(data.subarray(at, at + length), "cpu.core:1")).toEqual([
      { t: 0, n: 12, v: { "cpu.core:1": [7, 8, 9] } },
      { t: 60_000, n: 11, v: { "cpu.core:1": [1, 1, 1] } },
    ]);
    // Points without any series keep their times and counts.
    const bare = encodeRollupBlocks([{ t: 5, n: 1, v: {} }]);
    expect(decodeRollupBlocks(bare.data, bare.idx)).toEqual([{ t: 5, n: 1, v: {} }]);
  });

  it("refuses an index that does not match its blocks", () => {
    const { data, idx } = encodeRollupBlocks(randomPoints(4).points);
    expect(() => decodeRollupBlocks(data, "[1]")).toThrow(RangeError);
    expect(() => decodeRollupBlocks(data, '{"cpu":[0,-1]}')).toThrow(RangeError);
    expect(() => decodeRollupBlocks(data, `{"cpu":[0,${data.length + 1}]}`)).toThrow("runs past the row");
    expect(() => decodeRollupBlocks(data.subarray(0, data.length >> 1), idx)).toThrow(RangeError);
  });
});

describe("combine", () => {
  it("weights averages by sample counts", () => {
    const minutes = [
      { t: 0, n: 1, v: { cpu: [10, 10, 10, 10] as [number, number, number, number] } },
      { t: MINUTE_MS, n: 3, v: { cpu: [20, 30, 40, 25] as [number, number, number, number] } },
    ];
    expect(combine(minutes, HOUR_MS)).toEqual([{ t: 0, n: 4, v: { cpu: [10, 25, 40, 25] } }]);
  });

  it("replaces a point at the same time when upserting", () => {
    const a = { t: 0, n: 1, v: {} };
    const b = { t: 0, n: 2, v: {} };
    expect(upsertPoint([a, { t: 5, n: 1, v: {} }], b)).toEqual([b, { t: 5, n: 1, v: {} }]);
  });
});

describe("aggregateWindow", () => {
  it("computes each aggregation over the window", () => {
    const pts = [raw(0, 10), raw(1, 30), raw(2, 20)];
    expect(aggregateWindow(pts, "avg")).toEqual({ cpu: 20 });
    expect(aggregateWindow(pts, "max")).toEqual({ cpu: 30 });
    expect(aggregateWindow(pts, "min")).toEqual({ cpu: 10 });
    expect(aggregateWindow(pts, "last")).toEqual({ cpu: 20 });
    expect(aggregateWindow([], "avg")).toEqual({});
  });
});

describe("tier choice", () => {
  const now = 10 * 365 * 86_400_000;
  it("uses raw up to 6 h inside the raw window", () => {
    expect(pickTier(now - 6 * HOUR_MS, now, now)).toBe("raw");
    expect(pickTier(now - 6 * HOUR_MS - 1, now, now)).toBe("1m");
  });
  it("uses 1m up to 8 days within 30 days, else 1h", () => {
    expect(pickTier(now - 8 * 86_400_000, now, now)).toBe("1m");
    expect(pickTier(now - 9 * 86_400_000, now, now)).toBe("1h");
    expect(pickTier(now - 31 * 86_400_000, now - 30 * 86_400_000, now)).toBe("1h");
  });
  it("never steps finer than the tier and aims for ~720 points", () => {
    expect(pickStepMs("1m", 0, HOUR_MS, 5)).toBe(MINUTE_MS);
    expect(pickStepMs("raw", 0, HOUR_MS)).toBe(5_000);
    expect(pickStepMs("1h", 0, 365 * 86_400_000)).toBe(13 * HOUR_MS);
  });
});
