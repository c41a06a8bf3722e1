import { describe, expect, it } from "vitest";
import { LAST_USED_RESOLUTION_MS, lastUsedDue } from "../../worker/src/auth/tokens";

describe("token last use", () => {
  it("is written for a token never used, and then at most once a minute", () => {
    const now = 1_700_000_000_000;
    expect(LAST_USED_RESOLUTION_MS).toBe(60_000);
    expect(lastUsedDue(null, now)).toBe(true);
    expect(lastUsedDue(now - 59_999, now)).toBe(false);
    expect(lastUsedDue(now - 60_000, now)).toBe(true);
    // A stored time ahead of this isolate's clock is recent, not due.
    expect(lastUsedDue(now + 5_000, now)).toBe(false);
  });
});
