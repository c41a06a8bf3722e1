/** First retry delay (doubling per attempt, with jitter). */
export const RETRY_BASE_MS = 30_000;
/** Retries are never further apart than this, so an endpoint back from an outage hears soon. */
export const RETRY_MAX_DELAY_MS = 15 * 60_000;
/** A notification still undelivered this long after it was queued is marked failed. */
export const GIVE_UP_AFTER_MS = 24 * 3_600_000;

/**
 * Delay before the next attempt after `failures` failed ones (>= 1):
 * base * 2^(failures - 1), at most RETRY_MAX_DELAY_MS, times a jitter in
 * [0.8, 1.2) so endpoints coming back are not hit by every hub at once.
 */
export function retryDelay(
  failures: number,
  baseMs = RETRY_BASE_MS,
  random: () => number = Math.random,
): number {
  const raw = baseMs * 2 ** Math.min(Math.max(0, failures - 1), 30);
  return Math.round(Math.min(RETRY_MAX_DELAY_MS, raw) * (0.8 + 0.4 * random()));
}

/**
 * Whether a failed attempt is worth repeating. No status (network error,
 * timeout), 5xx, 408, 425 and 429 are transient; other statuses (400, 401,
 * 403, 404, 410, a redirect) need a person to fix the channel.
 */
export function isRetryable(status: number | undefined): boolean {
  if (status === undefined) return true;
  return status >= 500 || status === 408 || status === 425 || status === 429;
}

/** Outcome of a failed attempt for the outbox row. */
export type AfterFailure = { status: "pending"; nextAttemptAt: number } | { status: "failed" };

/** Decides the row's fate after its `attempts`-th attempt failed. */
export function afterFailure(
  attempts: number,
  createdAt: number,
  now: number,
  retryable: boolean,
  baseMs = RETRY_BASE_MS,
  random: () => number = Math.random,
): AfterFailure {
  if (!retryable) return { status: "failed" };
  const next = now + retryDelay(attempts, baseMs, random);
  return next - createdAt > GIVE_UP_AFTER_MS
    ? { status: "failed" }
    : { status: "pending", nextAttemptAt: next };
}
