import { type ClientResponse, hc, type InferResponseType } from "hono/client";
import type { AppType } from "../../../worker/src/app";

/**
 * The hub's REST API through Hono's typed client `hc<AppType>`: paths,
 * path parameters, query strings, bodies and answers all come from the
 * Worker's routes and their zod schemas, so none is re-declared here.
 * `AppType` is a type-only import: erased at build, no worker code is bundled.
 *
 * Paths are relative to the page's origin (the Worker serves both the
 * dashboard and the API), and the session rides in an HttpOnly cookie, so
 * no token is ever held in JS. Mutations need no CSRF header: the browser
 * sends `Origin` (or `Sec-Fetch-Site`), which is what the hub's guard checks.
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

/**
 * The client's fetch: a network failure or an answer that is not ok throws
 * `ApiError` (an abort stays an `AbortError`). Calls the global `fetch` at
 * call time, so tests can stub it.
 */
const hubFetch: typeof fetch = async (input, init) => {
  let res: Response;
  try {
    res = await fetch(input, init);
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "network", "Cannot reach the hub: check your connection.");
  }
  if (!res.ok) throw await errorFrom(res);
  return res;
};

/** The typed client of the hub's API, same-origin. */
export const hub = hc<AppType>("/", {
  fetch: hubFetch,
  headers: { accept: "application/json" },
  init: { credentials: "same-origin" },
});

/** The routes of one fleet (`/api/fleets/:fleet/...`). */
export const fleetApi = hub.api.fleets[":fleet"];

/** Path parameters, encoded (`hc` puts them into the path as they are). */
export function params<P extends Record<string, string>>(p: P): P {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) out[k] = encodeURIComponent(v);
  return out as P;
}

/** Per-call client options: the caller's abort signal, if any. */
export function withSignal(signal: AbortSignal | undefined) {
  return signal ? { init: { signal } } : undefined;
}

/**
 * The JSON body of a call's answer, typed by the route (failures already
 * threw in `hubFetch`). A body that is not JSON throws `ApiError`.
 */
export async function json<T>(call: Promise<ClientResponse<T, number, "json">>): Promise<T> {
  const res = await call;
  try {
    return await res.json();
  } catch {
    throw new ApiError(res.status, "bad_response", "The hub sent a response that is not JSON.");
  }
}

/** `GET /api/session`: the fleet and role of the signed-in token. */
export type SessionInfo = InferResponseType<typeof hub.api.session.$get>;
/** `GET .../series`: the hub picks the tier for the range. */
export type SeriesResponse = InferResponseType<(typeof fleetApi.hosts)[":host"]["series"]["$get"]>;

/** The current session, or `undefined` when signed out (401). Other failures throw. */
export async function getSession(): Promise<SessionInfo | undefined> {
  try {
    return await json(hub.api.session.$get());
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return undefined;
    throw e;
  }
}

/** Exchanges a viewer or admin token for a session cookie. */
export function createSession(token: string): Promise<SessionInfo> {
  return json(hub.api.session.$post({ json: { token } }));
}

/** Signs out (clears the cookie server-side). */
export async function deleteSession(): Promise<void> {
  await hub.api.session.$delete();
}

/** All hosts of a fleet with their latest merged state. */
export async function listHosts(fleet: string, signal?: AbortSignal) {
  return (await json(fleetApi.hosts.$get({ param: params({ fleet }) }, withSignal(signal)))).hosts;
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
  const { metric, from, to, stepS } = q;
  return json(
    fleetApi.hosts[":host"].series.$get(
      {
        param: params({ fleet: q.fleet, host: q.host }),
        query: { metric, from: String(Math.floor(from)), to: String(Math.ceil(to)), step: String(stepS) },
      },
      withSignal(signal),
    ),
  );
}

/** Same-origin WebSocket URL of the fleet's live feed (wss on https pages): the overview protocol, with alerts. */
export function liveUrl(fleet: string, loc: Pick<Location, "protocol" | "host"> = location): string {
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${loc.host}${fleetApi.live.$path({ param: params({ fleet }) })}?frames=2&alerts=1`;
}

/** A message fit to show a person, from anything thrown. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
