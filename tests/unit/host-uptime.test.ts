import { describe, expect, it } from "vitest";
import { hostDays } from "../../worker/src/probes/host-uptime";

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe("hosts' daily uptime from their Host down episodes", () => {
  it("counts overlapping episodes once", () => {
    const spans = [
      { from: 10 * HOUR, to: 14 * HOUR },
      { from: 12 * HOUR, to: 16 * HOUR },
    ];
    const { days, uptime } = hostDays(spans, 0, 1, 0, DAY);
    expect(days).toEqual([{ day: 0, uptime: 75, downMinutes: 360 }]);
    expect(uptime).toBe(75);
  });

  it("splits an episode across midnight between its days", () => {
    const { days } = hostDays([{ from: DAY - 2 * HOUR, to: DAY + 4 * HOUR }], 0, 2, 0, 2 * DAY);
    expect(days.map((d) => d.downMinutes)).toEqual([120, 240]);
  });

  it("knows a day only from the host's first history and up to now", () => {
    const { days, uptime } = hostDays(
      [{ from: DAY + 18 * HOUR, to: DAY + 20 * HOUR }],
      0,
      3,
      DAY + 12 * HOUR,
      DAY + 20 * HOUR,
    );
    expect(days.map((d) => d.uptime)).toEqual([null, 75, null]);
    expect(uptime).toBe(75);
  });

  it("ignores an episode that ends before it starts", () => {
    expect(hostDays([{ from: 5 * HOUR, to: 4 * HOUR }], 0, 1, 0, DAY).days[0]?.uptime).toBe(100);
  });
});
