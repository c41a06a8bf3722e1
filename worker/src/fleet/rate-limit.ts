/**
 * A token bucket: `capacity` units at most, refilled at `perSecond`. Lets a
 * replaying agent burst while one broken agent cannot starve the fleet.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Takes `n` units if available; false (and takes nothing) otherwise. */
  take(n: number, now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (n > this.tokens) return false;
    this.tokens -= n;
    return true;
  }

  /** Gives back `n` units taken for work that was then refused elsewhere. */
  refund(n: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + n);
  }
}

/** Ingest limits per host and per agent token (samples). */
export const INGEST_LIMITS = {
  /** A day-long outage at 5 s replays ~17k samples; allow it in one go. */
  hostBurst: 20_000,
  hostPerSecond: 20,
  tokenBurst: 200_000,
  tokenPerSecond: 2_000,
} as const;

/** Limits as numbers (tests and callers may use their own). */
export type IngestLimits = { readonly [K in keyof typeof INGEST_LIMITS]: number };

/** Buckets keyed by host and by token, created on first use. */
export class IngestLimiter {
  private readonly hosts = new Map<string, TokenBucket>();
  private readonly tokens = new Map<string, TokenBucket>();

  constructor(private readonly limits: IngestLimits = INGEST_LIMITS) {}

  /**
   * Returns undefined when admitted, else which limit refused. The host's
   * bucket goes first, and a sample refused by either limit takes nothing
   * from the other: one host over its limit never drains the budget its
   * token shares with the other hosts.
   */
  admit(hostId: string, tokenId: string, n: number, now: number): "host" | "token" | undefined {
    const h = this.bucket(this.hosts, hostId, this.limits.hostBurst, this.limits.hostPerSecond, now);
    const t = this.bucket(this.tokens, tokenId, this.limits.tokenBurst, this.limits.tokenPerSecond, now);
    if (!h.take(n, now)) return "host";
    if (!t.take(n, now)) {
      h.refund(n);
      return "token";
    }
    return undefined;
  }

  private bucket(
    map: Map<string, TokenBucket>,
    key: string,
    cap: number,
    rate: number,
    now: number,
  ): TokenBucket {
    let b = map.get(key);
    if (!b) {
      b = new TokenBucket(cap, rate, now);
      map.set(key, b);
    }
    return b;
  }
}
