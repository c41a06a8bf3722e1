import { RETRY_BASE_MS } from "./backoff";
import { type EmailSender, emailSender } from "./email";

/** Outside effects of evaluation and delivery, injectable for tests. */
export interface AlertDeps {
  /** Outbound HTTP for channel deliveries. */
  fetch: (input: string, init: RequestInit) => Promise<Response>;
  /** First retry delay (ALERT_RETRY_BASE_MS overrides it, e.g. for end-to-end tests). */
  retryBaseMs: number;
  /** Per-request timeout, so one slow endpoint cannot stall a cron run. */
  timeoutMs: number;
  /** Outbox rows delivered per run at most (each is a subrequest). */
  maxDeliveries: number;
  random: () => number;
  /** The `send_email` binding and sender of email channels; undefined when not configured. */
  email?: EmailSender;
}

/** Optional variables that tune alerting (not in wrangler.toml by default). */
interface AlertVars {
  ALERT_RETRY_BASE_MS?: string;
}

/** Defaults, with ALERT_RETRY_BASE_MS from the environment when set. */
export function alertDeps(env: Env, overrides: Partial<AlertDeps> = {}): AlertDeps {
  const base = Number((env as Env & AlertVars).ALERT_RETRY_BASE_MS);
  return {
    fetch: (input, init) => fetch(input, init),
    retryBaseMs: Number.isFinite(base) && base > 0 ? base : RETRY_BASE_MS,
    timeoutMs: 10_000,
    maxDeliveries: 50,
    random: Math.random,
    email: emailSender(env),
    ...overrides,
  };
}
