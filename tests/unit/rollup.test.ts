import { describe, expect, it } from "vitest";
import {
  aggregateWindow,
  combine,
  HOUR_MS,
  MINUTE_MS,
  packPoints,
  type RollupPoint,
  rollupRaw,
  unpackPoints,
  upsertPoint,
} from "../../worker/src/fleet/rollup";
import { pickStepMs, pickTier } from "../../worker/src/fleet/series";

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
