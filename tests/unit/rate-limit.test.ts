import { describe, expect, it } from "vitest";
import { IngestLimiter, TokenBucket } from "../../worker/src/fleet/rate-limit";

/** Buckets that never refill during a test: what is taken stays taken. */
const STILL = { hostBurst: 10, hostPerSecond: 0, tokenBurst: 15, tokenPerSecond: 0 } as const;

describe("ingest rate limits", () => {
  it("refuses a host over its own limit without draining its token's budget", () => {
    const limiter = new IngestLimiter(STILL);
    expect(limiter.admit("noisy", "tok", 10, 0)).toBeUndefined();
    // The noisy host is refused again and again...
    for (let i = 0; i < 5; i++) expect(limiter.admit("noisy", "tok", 5, 0)).toBe("host");
    // ...and a sibling on the same token still has the 5 the token has left.
    expect(limiter.admit("quiet", "tok", 5, 0)).toBeUndefined();
    expect(limiter.admit("quiet", "tok", 1, 0)).toBe("token");
  });

  it("gives a host back what it took when the token refuses", () => {
    const limiter = new IngestLimiter({ ...STILL, tokenBurst: 4 });
    expect(limiter.admit("a", "tok", 4, 0)).toBeUndefined();
    // Host b has 10 of its own, but the token is spent: b keeps its 10.
    expect(limiter.admit("b", "tok", 3, 0)).toBe("token");
    for (const token of ["t1", "t2"]) expect(limiter.admit("b", token, 4, 0)).toBeUndefined();
    expect(limiter.admit("b", "t3", 2, 0)).toBeUndefined();
    expect(limiter.admit("b", "t4", 1, 0)).toBe("host");
  });

  it("refills a bucket at its rate, up to its capacity", () => {
    const b = new TokenBucket(10, 2, 0);
    expect(b.take(10, 0)).toBe(true);
    expect(b.take(1, 0)).toBe(false);
    expect(b.take(4, 2_000)).toBe(true);
    expect(b.take(11, 1_000_000)).toBe(false);
    b.refund(100);
    expect(b.take(10, 1_000_000)).toBe(true);
  });
});
