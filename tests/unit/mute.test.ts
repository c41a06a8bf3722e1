import { describe, expect, it } from "vitest";
import { muteActive, wallClock } from "../../worker/src/alerts/mute";

const utc = (iso: string) => Date.parse(`${iso}Z`);

describe("mute intervals", () => {
  it("reads the wall clock in the interval's time zone, daylight saving time included", () => {
    // 2026-03-08: New York moves from UTC-5 to UTC-4 at 02:00 local time.
    expect(wallClock(utc("2026-03-08T06:59"), "America/New_York")).toEqual({
      weekday: 0,
      minute: 1 * 60 + 59,
    });
    expect(wallClock(utc("2026-03-08T07:00"), "America/New_York")).toEqual({ weekday: 0, minute: 3 * 60 });
    // Across the date line: Saturday evening UTC is Sunday morning in Auckland.
    expect(wallClock(utc("2026-12-05T20:00"), "Pacific/Auckland")).toEqual({ weekday: 0, minute: 9 * 60 });
  });

  it("runs a range that ends at or before its start past midnight, from the listed day", () => {
    const quiet = {
      timeZone: "Europe/Berlin",
      times: [{ weekdays: ["fri" as const], start: "22:00", end: "06:00" }],
      windows: [],
    };
    expect(muteActive(quiet, utc("2026-12-04T20:59"))).toBe(false); // Fri 21:59 Berlin
    expect(muteActive(quiet, utc("2026-12-04T21:00"))).toBe(true); // Fri 22:00
    expect(muteActive(quiet, utc("2026-12-05T04:59"))).toBe(true); // Sat 05:59
    expect(muteActive(quiet, utc("2026-12-05T05:00"))).toBe(false); // Sat 06:00
    expect(muteActive(quiet, utc("2026-12-05T21:30"))).toBe(false); // Sat 22:30: Saturday is not listed
  });

  it("mutes whole days with 00:00-24:00, every day when no weekday is given, and one-off windows", () => {
    const weekend = {
      timeZone: "UTC",
      times: [{ weekdays: ["sat" as const, "sun" as const], start: "00:00", end: "24:00" }],
      windows: [],
    };
    expect(muteActive(weekend, utc("2026-12-06T23:59"))).toBe(true);
    expect(muteActive(weekend, utc("2026-12-07T00:00"))).toBe(false);
    const nightly = { timeZone: "Asia/Kolkata", times: [{ start: "01:00", end: "01:30" }], windows: [] };
    expect(muteActive(nightly, utc("2026-12-09T19:45"))).toBe(true); // 01:15 IST (UTC+5:30)
    const window = { timeZone: "UTC", times: [], windows: [{ startsAt: 1000, endsAt: 2000 }] };
    expect([999, 1000, 1999, 2000].map((t) => muteActive(window, t))).toEqual([false, true, true, false]);
  });
});
