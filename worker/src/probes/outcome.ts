/**
 * What a check found. The index is the code stored in the history
 * (history-codec.ts): never reorder, only append.
 */
export const OUTCOMES = ["up", "timeout", "refused", "dns", "tls", "status", "keyword", "error"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The result of one check of one probe. */
export interface CheckResult {
  /** Unix ms of the cron run (or request) that made the check. */
  at: number;
  outcome: Outcome;
  /** Time to the response headers (http) or to the open socket (tcp), ms; the timeout when it ran out. */
  latencyMs: number;
  /** HTTP status; null for tcp and when no response came. */
  status: number | null;
  /** Why the check failed, one line; null when up. */
  error: string | null;
}

/** Whether a result counts as up. */
export function isUp(r: Pick<CheckResult, "outcome">): boolean {
  return r.outcome === "up";
}

/** An error as one short line. */
export function errorLine(e: unknown): string {
  const text = e instanceof Error ? e.message || e.name : String(e);
  return text.replace(/\s+/g, " ").trim().slice(0, 300) || "unknown error";
}

/**
 * Sorts a failed connection into an outcome by what the runtime says. The
 * runtime's messages are not a stable API, so anything unrecognised is
 * `error` with the message kept as the reason.
 */
export function classifyError(e: unknown): Outcome {
  const name = e instanceof Error ? e.name : "";
  if (name === "TimeoutError" || name === "AbortError") return "timeout";
  const text = errorLine(e).toLowerCase();
  if (/timed? ?out/.test(text)) return "timeout";
  if (/refused|econnrefused|cannot connect|connection reset|network connection lost/.test(text))
    return "refused";
  if (/dns|getaddrinfo|enotfound|name not resolved|no such host|could not resolve/.test(text)) return "dns";
  if (/tls|ssl|certificate|handshake/.test(text)) return "tls";
  return "error";
}
