import type { HostView, SeriesPoint, SeriesResult, SessionInfo } from "../../../worker/src/metrics/types";

export type { SeriesPoint, SessionInfo };
/** `GET .../series`: the hub picks the tier for the range. */
export type SeriesResponse = SeriesResult;

/**
 * Small typed fetch helpers for the hub's REST API. Paths are relative to the
 * page's origin (the Worker serves both the dashboard and the API), and the
 * session rides in an HttpOnly cookie, so no token is ever held in JS.
 *
 * Response types come from the worker's type-only module
 * (`worker/src/metrics/types.ts`), never re-declared here.
 */

/** An HTTP failure with the hub's `{error, message}` body when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

async function errorFrom(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    // Not JSON (a proxy page, the SPA fallback): keep the status line.
  }
  if (isRecord(body) && typeof body.message === "string") {
    return new ApiError(res.status, typeof body.error === "string" ? body.error : "error", body.message);
  }
  const hint =
    res.status === 404
      ? "The hub's API is not reachable on this origin"
      : res.status >= 500
        ? "The hub is not responding"
        : res.statusText || "Request failed";
  return new ApiError(res.status, `http_${res.status}`, `${hint} (HTTP ${res.status}).`);
}

/** One JSON request to the hub; failures throw `ApiError` with the hub's message. */
export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers:
        body === undefined
          ? { accept: "application/json" }
          : { "content-type": "application/json", accept: "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal ?? null,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "network", "Cannot reach the hub: check your connection.");
  }
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return undefined as T;
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiError(res.status, "bad_response", "The hub sent a response that is not JSON.");
  }
}

/** `/api/fleets/<fleet>`, encoded. */
export const fleetPath = (fleet: string) => `/api/fleets/${encodeURIComponent(fleet)}`;

/** The current session, or `undefined` when signed out (401). Other failures throw. */
export async function getSession(): Promise<SessionInfo | undefined> {
  try {
    return await request<SessionInfo>("GET", "/api/session");
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return undefined;
    throw e;
  }
}

/** Exchanges a viewer or admin token for a session cookie. */
export function createSession(token: string): Promise<SessionInfo> {
  return request<SessionInfo>("POST", "/api/session", { token });
}

/** Signs out (clears the cookie server-side). */
export function deleteSession(): Promise<void> {
  return request<void>("DELETE", "/api/session");
}

/** All hosts of a fleet with their latest merged state. */
export async function listHosts(fleet: string, signal?: AbortSignal): Promise<HostView[]> {
  const body = await request<{ hosts: HostView[] }>("GET", `${fleetPath(fleet)}/hosts`, undefined, signal);
  return body.hosts;
}

/** Query of one history series. Times in Unix ms, step in seconds (a hint: the hub picks the tier). */
export interface SeriesQuery {
  fleet: string;
  host: string;
  metric: string;
  from: number;
  to: number;
  stepS: number;
}

/** One history series of a host, e.g. `cpu`, `disk:/`, `net.rx:eth0`. */
export function getSeries(q: SeriesQuery, signal?: AbortSignal): Promise<SeriesResponse> {
  const params = new URLSearchParams({
    metric: q.metric,
    from: String(Math.floor(q.from)),
    to: String(Math.ceil(q.to)),
    step: String(q.stepS),
  });
  const path = `${fleetPath(q.fleet)}/hosts/${encodeURIComponent(q.host)}/series?${params}`;
  return request<SeriesResponse>("GET", path, undefined, signal);
}

/** Same-origin WebSocket URL of the fleet's live feed (wss on https pages). */
export function liveUrl(fleet: string, loc: Pick<Location, "protocol" | "host"> = location): string {
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${loc.host}${fleetPath(fleet)}/live`;
}

/** A message fit to show a person, from anything thrown. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
