import { describe, expect, it } from "vitest";
import { RateTracker, rateBetween } from "../../agent/src/collect/rate";

describe("rateBetween", () => {
  it("is absent without a previous reading", () => {
    expect(rateBetween(undefined, { value: 10, atMs: 1000 })).toBeUndefined();
  });

  it("divides the delta by the elapsed seconds", () => {
    expect(rateBetween({ value: 1000, atMs: 0 }, { value: 6000, atMs: 5000 })).toBe(1000);
  });

  it("is absent when the counter went backwards (reset)", () => {
    expect(rateBetween({ value: 5000, atMs: 0 }, { value: 10, atMs: 5000 })).toBeUndefined();
  });

  it("is absent when no time passed", () => {
    expect(rateBetween({ value: 1, atMs: 5 }, { value: 2, atMs: 5 })).toBeUndefined();
  });
});

describe("RateTracker", () => {
  it("gives no rate on the first reading and a rate after", () => {
    const t = new RateTracker();
    expect(t.rate("eth0", 100, 0)).toBeUndefined();
    expect(t.rate("eth0", 300, 2000)).toBe(100);
  });

  it("skips the tick after a reset and resumes from the new base", () => {
    const t = new RateTracker();
    t.rate("k", 1000, 0);
    expect(t.rate("k", 50, 1000)).toBeUndefined();
    expect(t.rate("k", 150, 2000)).toBe(100);
  });

  it("forgets keys that were not seen, so a returning key starts fresh", () => {
    const t = new RateTracker();
    t.rate("a", 10, 0);
    t.rate("b", 10, 0);
    t.retain(new Set(["b"]));
    expect(t.rate("a", 20, 1000)).toBeUndefined();
    expect(t.rate("b", 20, 1000)).toBe(10);
  });
});
