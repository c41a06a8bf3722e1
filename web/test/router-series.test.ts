import { describe, expect, it } from "vitest";
import { matchRoute } from "../src/lib/router";
import { alignSeries, chartSpecs, gapThresholdMs, stepFor } from "../src/lib/series";
import { host } from "./fixtures";

describe("matchRoute", () => {
  it("maps paths to routes", () => {
    expect(matchRoute("/")).toEqual({ name: "fleet" });
    expect(matchRoute("/alerts/")).toEqual({ name: "alerts" });
    expect(matchRoute("/settings")).toEqual({ name: "settings" });
    expect(matchRoute("/hosts/a%2Fb")).toEqual({ name: "host", id: "a/b" });
    expect(matchRoute("/hosts/%E0%A4%A")).toEqual({ name: "not-found", path: "/hosts/%E0%A4%A" });
  });
});

describe("series", () => {
  it("asks for about 720 points per range", () => {
    expect(stepFor(3_600_000)).toBe(5);
    expect(stepFor(24 * 3_600_000)).toBe(120);
    expect(stepFor(365 * 86_400_000)).toBe(43_200);
  });

  it("aligns series on the union of timestamps with gaps as null", () => {
    const p = (t: number, v: number) => ({ t, min: v - 1, avg: v, max: v + 1, last: v });
    const a = { metric: "a", tier: "raw" as const, stepS: 5, points: [p(1000, 1), p(2000, 2)] };
    const b = { metric: "b", tier: "raw" as const, stepS: 5, points: [p(2000, 5), p(3000, 6)] };
    const r = alignSeries([a, b], true);
    expect(r.xs).toEqual([1, 2, 3]);
    expect(r.columns).toEqual([
      [1, 2, null],
      [2, 3, null],
      [0, 1, null],
      [null, 5, 6],
      [null, 6, 7],
      [null, 4, 5],
    ]);
  });

  it("breaks the line where the host was silent for longer than the gap threshold", () => {
    const p = (t: number, v: number) => ({ t, min: v, avg: v, max: v, last: v });
    const a = {
      metric: "cpu",
      tier: "raw" as const,
      stepS: 5,
      points: [p(0, 1), p(5000, 2), p(60_000, 3), p(65_000, 4)],
    };
    const r = alignSeries([a], false, gapThresholdMs(5, 5));
    expect(r.xs).toEqual([0, 5, 32.5, 60, 65]);
    expect(r.columns).toEqual([[1, 2, null, 3, 4]]);
  });

  it("tolerates the host's own interval before calling it a gap", () => {
    expect(gapThresholdMs(5, 60)).toBe(180_000);
    expect(gapThresholdMs(3600, 5)).toBe(10_800_000);
  });

  it("derives charts from what the host reports", () => {
    const h = host(
      "a",
      {},
      {
        cpu: { totalPct: 1, perCorePct: [1, 2] },
        net: [{ name: "eth0", rxBytesPerS: 1, txBytesPerS: 2 }],
        temperatures: [{ sensor: "cpu", celsius: 40 }],
      },
    );
    const ids = chartSpecs(h).map((s) => s.id);
    expect(ids).toEqual(["cpu", "cpu-cores", "memory", "disk", "disk-io", "net", "load", "temp"]);
    expect(
      chartSpecs(h)
        .find((s) => s.id === "net")
        ?.series.map((s) => s.key),
    ).toEqual(["net.rx:eth0", "net.tx:eth0"]);
  });
});
