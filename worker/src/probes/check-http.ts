import { type CheckResult, classifyError, errorLine } from "./outcome";

/** What an HTTP check needs of a probe. */
export interface HttpCheck {
  target: string;
  method: string;
  expectStatusMin: number;
  expectStatusMax: number;
  keyword: string | null;
  timeoutMs: number;
  followRedirects: boolean;
  headers: Record<string, string>;
}

/** The body is searched for the keyword in its first MiB only: a probe must not download a release. */
export const KEYWORD_SCAN_BYTES = 1 << 20;

export const PROBE_USER_AGENT = "fleetwatch-probe/1";

/**
 * One HTTP(S) check: the request with the probe's method and headers,
 * redirects followed or not, everything (headers and the keyword scan)
 * within the timeout. Latency is the time to the response headers. Never
 * throws: a failure is a result with its reason.
 */
export async function checkHttp(
  p: HttpCheck,
  at: number,
  fetcher: (url: string, init: RequestInit) => Promise<Response> = fetch,
): Promise<CheckResult> {
  const started = Date.now();
  const signal = AbortSignal.timeout(p.timeoutMs);
  let latencyMs = 0;
  let status: number | null = null;
  try {
    const res = await fetcher(p.target, {
      method: p.method,
      headers: { "User-Agent": PROBE_USER_AGENT, ...p.headers },
      redirect: p.followRedirects ? "follow" : "manual",
      signal,
    });
    latencyMs = Date.now() - started;
    status = res.status;
    if (status < p.expectStatusMin || status > p.expectStatusMax) {
      await res.body?.cancel();
      const expected =
        p.expectStatusMin === p.expectStatusMax
          ? `${p.expectStatusMin}`
          : `${p.expectStatusMin}-${p.expectStatusMax}`;
      return { at, outcome: "status", latencyMs, status, error: `HTTP ${status}, expected ${expected}` };
    }
    if (p.keyword !== null) {
      const found = await bodyContains(res, p.keyword);
      if (!found) {
        return {
          at,
          outcome: "keyword",
          latencyMs,
          status,
          error: `"${p.keyword}" not found in the response body`,
        };
      }
    } else {
      await res.body?.cancel();
    }
    return { at, outcome: "up", latencyMs, status, error: null };
  } catch (e) {
    const outcome = classifyError(e);
    const elapsed = latencyMs || Date.now() - started;
    const error = outcome === "timeout" ? `no answer within ${p.timeoutMs} ms` : errorLine(e);
    return { at, outcome, latencyMs: outcome === "timeout" ? p.timeoutMs : elapsed, status, error };
  }
}

/** Whether the first KEYWORD_SCAN_BYTES of the body hold `keyword` (UTF-8). */
async function bodyContains(res: Response, keyword: string): Promise<boolean> {
  if (!res.body) return keyword === "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let read = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      read += value.byteLength;
      text += decoder.decode(value, { stream: true });
      if (text.includes(keyword)) return true;
      // Keep only the tail a match could still start in.
      if (text.length > keyword.length * 2 + 4096) text = text.slice(-(keyword.length + 4096));
      if (read >= KEYWORD_SCAN_BYTES) return false;
    }
    return (text + decoder.decode()).includes(keyword);
  } finally {
    await reader.cancel().catch(() => {});
  }
}
