import { describe, expect, it } from "vitest";
import { sparkPath } from "../src/components/host/sparklines";

describe("sparkPath", () => {
  it("maps time to x and value to y, with the top of the range at y = 0", () => {
    expect(sparkPath([0, 50, 100], [0, 50, 100], 0, 100, 0, 100, 100, 10)).toBe("M0 10h0L50 5L100 0");
  });

  it("breaks the line at a missing value and draws a lone point as a dot", () => {
    expect(sparkPath([0, 10, 20, 30], [1, undefined, 1, 1], 0, 30, 0, 1, 30, 10)).toBe("M0 0h0M20 0h0L30 0");
    expect(sparkPath([5], [Number.NaN], 0, 10, 0, 1)).toBe("");
  });

  it("puts the only sample at the right edge (now)", () => {
    expect(sparkPath([7], [0.5], 7, 7, 0, 1, 40, 10)).toBe("M40 5h0");
  });

  it("clamps values outside the range to its edges", () => {
    expect(sparkPath([0, 10], [-5, 500], 0, 10, 0, 100, 10, 10)).toBe("M0 10h0L10 0");
  });
});
