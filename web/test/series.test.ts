import { describe, expect, it } from "vitest";
import { lonePoints, rowAt, sparse, tickFormatter } from "../src/components/host/chart-options";
import { formatRate } from "../src/lib/format";
import { alignSeries, cadenceMs, chartColumns, chartSpecs, stepFor } from "../src/lib/series";
import { host } from "./fixtures";

const p = (t: number, v: number) => ({ t, min: v - 1, avg: v, max: v + 1 });
const flat = (t: number, v: number) => ({ t, min: v, avg: v, max: v });
const line = (key: string) => ({ key, label: key });

describe("history charts", () => {
  it("asks for about 720 points per range", () => {
    expect(stepFor(3_600_000)).toBe(5);
    expect(stepFor(24 * 3_600_000)).toBe(120);
    expect(stepFor(365 * 86_400_000)).toBe(43_200);
  });

  it("lays out band edges before each average and the sum last", () => {
    expect(chartColumns({ series: [line("a"), line("b")], band: true, sum: "total" })).toEqual([
      { role: "max", series: 0 },
      { role: "min", series: 0 },
      { role: "avg", series: 0 },
      { role: "max", series: 1 },
      { role: "min", series: 1 },
      { role: "avg", series: 1 },
      { role: "sum", series: -1 },
    ]);
  });

  it("aligns series on the union of timestamps, leaving other series' rows undefined", () => {
    const a = { points: [p(1000, 1), p(2000, 2)] };
    const b = { points: [p(2000, 5), p(3000, 6)] };
    const r = alignSeries({ series: [line("a"), line("b")], band: true }, [a, b], 1, 1);
    expect(r.xs).toEqual([1, 2, 3]);
    expect(r.columns).toEqual([
      [2, 3, undefined],
      [0, 1, undefined],
      [1, 2, undefined],
      [undefined, 6, 7],
      [undefined, 4, 5],
      [undefined, 5, 6],
    ]);
  });

  it("joins a slow series across the fast one's rows: disk every 30 s on a 5 s chart", () => {
    const cpu = { points: Array.from({ length: 13 }, (_, i) => flat(i * 5000, i)) };
    const disk = { points: [flat(0, 40), flat(30_000, 41), flat(60_000, 42)] };
    const r = alignSeries({ series: [line("cpu"), line("disk:/")], band: false }, [cpu, disk], 5, 5);
    expect(r.xs).toHaveLength(13);
    // No null anywhere: uPlot draws the disk line from point to point.
    expect(r.columns[1]?.filter((v) => v === null)).toEqual([]);
    expect(r.columns[1]?.filter((v) => typeof v === "number")).toEqual([40, 41, 42]);
    expect(r.cadenceS).toEqual([5, 30]);
  });

  it("breaks a line where its own series was silent for over three of its steps", () => {
    const a = { points: [flat(0, 1), flat(5000, 2), flat(60_000, 3), flat(65_000, 4)] };
    const r = alignSeries({ series: [line("cpu")], band: false }, [a], 5, 5);
    expect(r.xs).toEqual([0, 5, 32.5, 60, 65]);
    expect(r.columns).toEqual([[1, 2, null, 3, 4]]);
  });

  it("tolerates three of the host's intervals when they are longer than its steps", () => {
    const a = { points: [flat(0, 1), flat(60_000, 2), flat(120_000, 3), flat(400_000, 4)] };
    const r = alignSeries({ series: [line("cpu")], band: false }, [a], 5, 60);
    expect(r.columns).toEqual([[1, 2, 3, null, 4]]);
  });

  it("sums the series where all have a point, a silence in one being a gap in the sum", () => {
    const read = { points: [flat(0, 1), flat(5000, 2), flat(60_000, 3)] };
    const write = { points: [flat(0, 10), flat(5000, 20), flat(60_000, 30)] };
    const r = alignSeries({ series: [line("r"), line("w")], band: false, sum: "total" }, [read, write], 5, 5);
    expect(r.columns[2]).toEqual([11, 22, null, 33]);
    // A series that failed to load is left out of the sum.
    const one = alignSeries(
      { series: [line("r"), line("w")], band: false, sum: "total" },
      [read, undefined],
      5,
      5,
    );
    expect(one.columns[2]).toEqual([1, 2, null, 3]);
  });

  it("measures a series' cadence as its median spacing, never finer than the step", () => {
    expect(cadenceMs([0, 30_000, 60_000, 200_000], 5000)).toBe(30_000);
    expect(cadenceMs([0, 1000, 2000], 5000)).toBe(5000);
    expect(cadenceMs([7], 5000)).toBe(5000);
  });

  it("derives charts from what the host reports, with totals for network and disk IO", () => {
    const h = host(
      "a",
      {},
      {
        cpu: { totalPct: 1, perCorePct: [1, 2] },
        net: [{ name: "eth0", rxBytesPerS: 1, txBytesPerS: 2 }],
        temperatures: [{ sensor: "cpu", celsius: 40 }],
      },
    );
    const specs = chartSpecs(h);
    expect(specs.map((s) => s.id)).toEqual([
      "cpu",
      "cpu-cores",
      "memory",
      "disk",
      "disk-io",
      "net",
      "load",
      "temp",
    ]);
    // Containers: a chart per figure, a line per container (by name).
    const ctr = (name: string) => ({
      name,
      image: "busybox",
      state: "running" as const,
      health: "none" as const,
      restarts: 0,
    });
    const withCtrs = chartSpecs(host("c", {}, { containers: [ctr("web"), ctr("db")] }));
    expect(withCtrs.filter((s) => s.id.startsWith("ctr-")).map((s) => [s.id, s.unit, s.collapsed])).toEqual([
      ["ctr-cpu", "percent", false],
      ["ctr-mem", "bytes", false],
      ["ctr-net", "bytes/s", true],
      ["ctr-io", "bytes/s", true],
    ]);
    expect(withCtrs.find((s) => s.id === "ctr-cpu")?.series.map((s) => s.key)).toEqual([
      "container.cpu:db",
      "container.cpu:web",
    ]);
    // One interface: its totals are the whole story.
    expect(specs.find((s) => s.id === "net")?.series.map((s) => s.key)).toEqual(["net.rx", "net.tx"]);
    expect(specs.find((s) => s.id === "disk-io")?.sum).toBe("total");
    const two = chartSpecs(
      host(
        "b",
        {},
        {
          net: [
            { name: "eth0", rxBytesPerS: 1, txBytesPerS: 2 },
            { name: "wg0", rxBytesPerS: 1, txBytesPerS: 2 },
          ],
        },
      ),
    ).find((s) => s.id === "net");
    expect(two?.series.map((s) => `${s.key}${s.total ? " (total)" : ""}`)).toEqual([
      "net.rx (total)",
      "net.tx (total)",
      "net.rx:eth0",
      "net.tx:eth0",
      "net.rx:wg0",
      "net.tx:wg0",
    ]);
  });
});

describe("chart cursor and points", () => {
  // Rows every 5 s; a disk series with points every 30 s.
  const xs = Array.from({ length: 13 }, (_, i) => i * 5);
  const disk = xs.map((x) => (x % 30 === 0 ? x : undefined));

  it("reads a series at the cursor's time from its own nearest point within its cadence", () => {
    expect(rowAt(xs, disk, 2, 10, 30)).toBe(0);
    expect(rowAt(xs, disk, 4, 20, 30)).toBe(6);
    expect(rowAt(xs, disk, 6, 30, 30)).toBe(6);
  });

  it("reads nothing beyond a series' cadence or inside its silence", () => {
    const early = [undefined, undefined, undefined, undefined, undefined, undefined, 1];
    expect(rowAt(xs, early, 0, 0, 5)).toBeNull();
    const silent = [1, undefined, null, undefined, 2];
    expect(rowAt([0, 5, 10, 15, 20], silent, 2, 10, 60)).toBeNull();
  });

  it("finds the points with no neighbour in their series", () => {
    expect(lonePoints([1, null, 2, undefined, null, 3, 4], 0, 6)).toEqual([0, 2]);
    expect(lonePoints([undefined, 5, undefined], 0, 2)).toEqual([1]);
    expect(lonePoints([1, undefined, 2], 0, 2)).toEqual([]);
  });

  it("shows dots where a series' points lie far apart, not where they crowd", () => {
    const px = (x: number) => x * 2;
    // Every 30 s at 2 px a second: 60 px apart.
    expect(sparse(xs, disk, 0, 12, px)).toBe(true);
    // Every 5 s at 0.2 px a second: 1 px apart.
    expect(sparse(xs, xs, 0, 12, (x) => x / 5)).toBe(false);
    expect(sparse(xs, [undefined, 3], 0, 1, px)).toBe(true);
    expect(sparse(xs, [undefined, null], 0, 1, px)).toBe(false);
  });

  it("writes round ticks without a decimal in the dashboard's units", () => {
    expect(tickFormatter({ unit: "percent" })(20)).toBe("20 %");
    expect(tickFormatter({ unit: "percent" })(5)).toBe("5 %");
    expect(tickFormatter({ unit: "percent" })(2.5)).toBe("2.5 %");
    // Rates in the dashboard's byte unit (format.ts), a round one without its ".0".
    const rate = tickFormatter({ unit: "bytes/s" });
    expect(rate(0)).toBe("0 B/s");
    for (const v of [5 * 1024 ** 2, 5_000_000, 2.5 * 1024 ** 2, 300_000]) {
      expect(rate(v)).toBe(formatRate(v).replace(".0 ", " "));
      expect(rate(v)).not.toContain(".0 ");
    }
  });
});
