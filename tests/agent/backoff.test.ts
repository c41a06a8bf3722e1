import { describe, expect, it } from "vitest";
import { backoffDelay, RECONNECT_BACKOFF } from "../../agent/src/transport/backoff";

describe("backoffDelay", () => {
  it("doubles the ceiling per attempt from a 1 s base", () => {
    const max = (attempt: number) => backoffDelay(attempt, RECONNECT_BACKOFF, () => 0.999999);
    expect(max(0)).toBe(999);
    expect(max(1)).toBe(1999);
    expect(max(3)).toBe(7999);
  });

  it("never exceeds the 60 s cap, however many attempts", () => {
    expect(backoffDelay(6, RECONNECT_BACKOFF, () => 0.999999)).toBe(59_999);
    expect(backoffDelay(1000, RECONNECT_BACKOFF, () => 0.999999)).toBe(59_999);
  });

  it("uses full jitter: anywhere from 0 up to the ceiling", () => {
    expect(backoffDelay(4, RECONNECT_BACKOFF, () => 0)).toBe(0);
    expect(backoffDelay(4, RECONNECT_BACKOFF, () => 0.5)).toBe(8_000);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(5, RECONNECT_BACKOFF);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(32_000);
    }
  });
});
