import { describe, expect, it } from "vitest";
import { formatAgo, formatBytes, formatDuration, formatPct, formatRate } from "../src/lib/format";

describe("format", () => {
  it("shows rates in decimal units", () => {
    expect(formatRate(1_234_567)).toBe("1.2 MB/s");
    expect(formatRate(999)).toBe("999 B/s");
    expect(formatRate(undefined)).toBe("–");
  });

  it("shows sizes in binary units", () => {
    expect(formatBytes(16 * 1024 ** 3)).toBe("16.0 GiB");
    expect(formatBytes(512)).toBe("512 B");
  });

  it("keeps a decimal for small percentages", () => {
    expect(formatPct(4.25)).toBe("4.3 %");
    expect(formatPct(42.4)).toBe("42 %");
  });

  it("formats durations and ages", () => {
    expect(formatDuration(3 * 86400 + 4 * 3600 + 5)).toBe("3 d 4 h");
    expect(formatDuration(65)).toBe("1 m 5 s");
    expect(formatAgo(10_000, 13_500)).toBe("3 s ago");
    expect(formatAgo(0, 13_500)).toBe("never");
    expect(formatAgo(20_000, 10_000)).toBe("0 s ago");
  });
});
