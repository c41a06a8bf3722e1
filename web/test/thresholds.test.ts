import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLDS, levelOf, type ThresholdRule, thresholdsFromRules } from "../src/lib/thresholds";

/** A fleet-wide, enabled "above" rule; override what a test is about. */
function rule(metric: string, threshold: number, over: Partial<ThresholdRule> = {}): ThresholdRule {
  return {
    metric,
    comparator: ">",
    threshold,
    severity: "warning",
    enabled: true,
    hostMatch: "*",
    labelMatch: {},
    ...over,
  };
}

describe("thresholdsFromRules", () => {
  it("keeps the 80/90 defaults when the fleet has no rules", () => {
    expect(thresholdsFromRules([])).toEqual(DEFAULT_THRESHOLDS);
  });

  it("takes warning and critical levels from rules of each severity", () => {
    const t = thresholdsFromRules([
      rule("cpu", 70),
      rule("cpu", 95, { severity: "critical", comparator: ">=" }),
      rule("mem", 60, { severity: "critical" }),
    ]);
    expect(t.cpu).toEqual({ warning: 70, critical: 95 });
    expect(levelOf(96, t.cpu)).toBe("critical");
    expect(levelOf(75, t.cpu)).toBe("warning");
    // Only a critical rule on memory: it goes straight from ok to critical.
    expect(levelOf(59, t.mem)).toBe("ok");
    expect(levelOf(61, t.mem)).toBe("critical");
    expect(t.disk).toEqual(DEFAULT_THRESHOLDS.disk);
  });

  it("never turns a metric red when only warning rules watch it (the built-in rules)", () => {
    const t = thresholdsFromRules([rule("cpu", 90), rule("mem", 90), rule("disk:*", 90)]);
    expect(levelOf(85, t.cpu)).toBe("ok");
    expect(levelOf(99, t.cpu)).toBe("warning");
    expect(levelOf(99, t.mem)).toBe("warning");
    expect(levelOf(99, t.disk)).toBe("warning");
  });

  it("uses the lowest threshold when several rules of a severity watch a metric", () => {
    const t = thresholdsFromRules([rule("disk:/", 85), rule("disk", 75), rule("disk:*", 95)]);
    expect(t.disk.warning).toBe(75);
  });

  it("ignores disabled, host- or label-scoped, below-threshold and other-metric rules", () => {
    const t = thresholdsFromRules([
      rule("cpu", 10, { enabled: false }),
      rule("cpu", 20, { hostMatch: "web-*" }),
      rule("cpu", 30, { labelMatch: { env: "prod" } }),
      rule("cpu", 40, { comparator: "<" }),
      rule("cpu.iowait", 5),
      rule("disk:/var", 50),
    ]);
    expect(t).toEqual(DEFAULT_THRESHOLDS);
  });
});
