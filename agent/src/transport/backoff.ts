/** Exponential backoff settings. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/** Reconnect policy: 1 s base, 60 s cap. */
export const RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 60_000 };

/**
 * Delay before retry number `attempt` (0-based): exponential with full
 * jitter, i.e. uniform in [0, min(cap, base * 2^attempt)). Full jitter keeps
 * a fleet that lost the hub at the same moment from reconnecting in lockstep.
 * `random` is injectable so the math is testable.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
