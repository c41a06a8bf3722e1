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
});
