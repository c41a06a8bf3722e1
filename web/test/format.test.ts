import { describe, expect, it } from "vitest";
import {
  formatAgo,
  formatBytes,
  formatCount,
  formatCountOf,
  formatDateTime,
  formatDuration,
  formatPct,
  formatRate,
  formatTime,
  formatTimeTick,
  NOUNS,
  timeAxisValues,
} from "../src/lib/format";

// A fixed moment, read in the machine's time zone: tests compare against the same zone's parts.
const at = new Date(2024, 4, 1, 13, 4, 5).getTime();

describe("format", () => {
  it("shows sizes and rates in the same binary units", () => {
    expect(formatBytes(16 * 1024 ** 3)).toBe("16.0 GiB");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatRate(1_234_567)).toBe("1.2 MiB/s");
    expect(formatRate(1023)).toBe("1023 B/s");
    expect(formatRate(1024)).toBe("1.0 KiB/s");
    expect(formatRate(undefined)).toBe("–");
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

  it("writes a date the way each locale does, 24-hour where the locale uses it", () => {
    expect(formatDateTime(at, "en-US")).toBe("May 1, 2024, 1:04:05 PM");
    expect(formatDateTime(at, "de-DE")).toBe("1. Mai 2024, 13:04:05");
    expect(formatDateTime(at, "en-GB")).toBe("1 May 2024, 13:04:05");
    expect(formatDateTime(0, "en-US")).toBe("never");
    expect(formatTime(at, "en-US")).toBe("1:04 PM");
    expect(formatTime(at, "de-DE")).toBe("13:04");
    expect(formatTime(at, "de-DE", true)).toBe("13:04:05");
  });

  it("labels time axes by the tick spacing: times within a day, days beyond", () => {
    expect(formatTimeTick(at, 3_600_000, "de-DE")).toBe("13:04");
    expect(formatTimeTick(at, 86_400_000, "de-DE")).toBe("1. Mai");
    expect(formatTimeTick(at, 86_400_000, "en-US")).toBe("May 1");
    expect(formatTimeTick(at, 10_000, "en-GB")).toBe("13:04:05");
    const midnight = new Date(2024, 4, 2, 0, 0, 0).getTime() / 1000;
    expect(timeAxisValues([midnight - 7200, midnight - 3600, midnight, midnight + 3600], "en-GB")).toEqual([
      "22:00",
      "23:00",
      "2 May 00:00",
      "01:00",
    ]);
  });

  it("counts with the locale's grouping and a noun that agrees in number", () => {
    expect(formatCount(12_345, "en-US")).toBe("12,345");
    expect(formatCount(12_345, "de-DE")).toBe("12.345");
    expect(formatCountOf(0, NOUNS.host, "en-US")).toBe("0 hosts");
    expect(formatCountOf(1, NOUNS.host, "en-US")).toBe("1 host");
    expect(formatCountOf(2, NOUNS.host, "en-US")).toBe("2 hosts");
    expect(formatCountOf(1024, NOUNS.host, "en-US")).toBe("1,024 hosts");
    expect(formatCountOf(1, NOUNS.alert, "en-GB")).toBe("1 alert");
  });
});
