import { describe, expect, it } from "vitest";
import { monthTrafficText, periodText } from "../src/components/traffic/month-traffic";

describe("month traffic text", () => {
  it("shows received then sent bytes in binary units", () => {
    expect(monthTrafficText({ rxBytes: 1.2 * 1024 ** 3, txBytes: 300 * 1024 ** 2 })).toBe(
      "↓1.2 GiB ↑300 MiB",
    );
  });

  it("names the day the month began, the day it resets and the time zone", () => {
    const t = {
      periodStart: Date.UTC(2026, 2, 15, 12),
      periodEnd: Date.UTC(2026, 3, 15, 12),
      timeZone: "Europe/Berlin",
    };
    const text = periodText(t, "en-GB");
    expect(text).toMatch(/^since .*15.*Mar.*, resets .*15.*Apr.* \(Europe\/Berlin\)$/);
  });
});
