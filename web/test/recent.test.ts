import { describe, expect, it } from "vitest";
import { RecentValues } from "../src/lib/recent";
import { host } from "./fixtures";

const at = (id: string, lastSeen: number, cpu: number) =>
  host(id, { lastSeen }, { cpu: { totalPct: cpu, perCorePct: [] } });

describe("RecentValues", () => {
  it("adds one point per new sample and none for a repeated state", () => {
    const r = new RecentValues();
    r.record(at("a", 1000, 10));
    r.record(at("a", 1000, 10));
    r.record(at("a", 6000, 20));
    r.record(at("a", 3000, 99));
    expect(r.of("a").t).toEqual([1000, 6000]);
    expect(r.of("a").values.cpu).toEqual([10, 20]);
    expect(r.of("a").values.mem).toEqual([30, 30]);
  });

  it("keeps only the window before the newest sample, and at most maxPoints", () => {
    const r = new RecentValues(10_000, 3);
    for (let i = 0; i <= 5; i++) r.record(at("a", i * 4000, i));
    // Newest at 20 s: the window starts at 10 s, and three points fit.
    expect(r.of("a").t).toEqual([12_000, 16_000, 20_000]);
    expect(r.of("a").values.cpu).toEqual([3, 4, 5]);
    const wide = new RecentValues(60_000, 2);
    for (let i = 0; i < 4; i++) wide.record(at("b", 1000 + i, i));
    expect(wide.of("b").values.cpu).toEqual([2, 3]);
  });

  it("keeps hosts apart, skips hosts that never sampled, and forgets removed ones", () => {
    const r = new RecentValues();
    r.record(at("a", 1000, 1));
    r.record(at("b", 1000, 2));
    r.record(at("never", 0, 3));
    expect(r.of("b").values.cpu).toEqual([2]);
    expect(r.of("never").t).toEqual([]);
    r.forget("a");
    expect(r.of("a").t).toEqual([]);
    r.clear();
    expect(r.of("b").t).toEqual([]);
  });

  describe("seeded from the raw window", () => {
    const pts = (times: number[], v: (i: number) => number) => times.map((t, i) => ({ t, avg: v(i) }));

    it("fills the trend at once with the history, and the live feed extends it", () => {
      const r = new RecentValues();
      const times = [0, 5000, 10_000, 15_000];
      r.seed("a", { cpu: pts(times, (i) => i), "net.rx": pts(times, (i) => 100 * i) }, 5000);
      expect(r.of("a").t).toEqual(times);
      expect(r.of("a").values.cpu).toEqual([0, 1, 2, 3]);
      expect(r.of("a").values["net.rx"]).toEqual([0, 100, 200, 300]);
      expect(r.of("a").values.mem).toEqual([undefined, undefined, undefined, undefined]);
      // The next sample, received 21 s in, is a new point.
      r.record(at("a", 21_000, 9));
      expect(r.of("a").t).toEqual([...times, 21_000]);
      expect(r.of("a").values.cpu).toEqual([0, 1, 2, 3, 9]);
    });

    it("takes a live sample received within a step of the newest bucket as that same sample", () => {
      const r = new RecentValues();
      r.seed("a", { cpu: pts([0, 5000, 10_000], (i) => i) }, 5000);
      // The sample of the 10 s bucket (taken at 13.9 s, received at 14.2 s) arrives over the feed.
      r.record(at("a", 14_200, 2));
      expect(r.of("a").t).toEqual([0, 5000, 14_200]);
      expect(r.of("a").values.cpu).toEqual([0, 1, 2]);
      r.record(at("a", 19_200, 3));
      expect(r.of("a").t).toEqual([0, 5000, 14_200, 19_200]);
    });

    it("puts history in front of live points already held, without the sample they share", () => {
      const r = new RecentValues();
      r.record(at("a", 14_200, 2));
      r.seed("a", { cpu: pts([0, 5000, 10_000], (i) => i) }, 5000);
      expect(r.of("a").t).toEqual([0, 5000, 14_200]);
      expect(r.of("a").values.cpu).toEqual([0, 1, 2]);
    });

    it("tells views about every new point", () => {
      const r = new RecentValues();
      const before = r.changes.value;
      r.seed("a", { cpu: pts([0, 5000], (i) => i) }, 5000);
      r.record(at("a", 11_000, 2));
      r.record(at("a", 11_000, 2));
      expect(r.changes.value).toBe(before + 2);
    });

    it("keeps only the window's worth of history", () => {
      const r = new RecentValues(10_000, 100);
      r.seed("a", { cpu: pts([0, 5000, 10_000, 15_000, 20_000], (i) => i) }, 5000);
      expect(r.of("a").t).toEqual([10_000, 15_000, 20_000]);
    });
  });
});
