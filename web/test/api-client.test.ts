import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, createSession, getSeries, getSession } from "../src/lib/api";

/** Stubs `fetch` with `answer`; returns the calls made. */
function hub(answer: () => Response | Promise<Response>) {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit = {}) => {
      calls.push({ url, init });
      return answer();
    }),
  );
  return calls;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const series = { metric: "cpu", tier: "raw", stepS: 5, points: [] };
const query = { fleet: "f 1", host: "h/1", metric: "disk:/", from: 1.5, to: 2.5, stepS: 5 };

describe("the typed API client", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("asks same-origin for JSON with encoded path parameters and the caller's abort signal", async () => {
    const calls = hub(() => json(200, series));
    const ctrl = new AbortController();
    expect(await getSeries(query, ctrl.signal)).toEqual(series);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.url).toBe("/api/fleets/f%201/hosts/h%2F1/series?metric=disk%3A%2F&from=1&to=3&step=5");
    expect(call?.init.method).toBe("GET");
    expect(call?.init.credentials).toBe("same-origin");
    expect(call?.init.signal).toBe(ctrl.signal);
    expect(new Headers(call?.init.headers).get("accept")).toBe("application/json");
  });

  it("sends a JSON body", async () => {
    const calls = hub(() => json(200, { fleet: "f1", role: "viewer" }));
    expect(await createSession("secret")).toEqual({ fleet: "f1", role: "viewer" });
    expect(calls[0]?.init.method).toBe("POST");
    expect(calls[0]?.init.body).toBe('{"token":"secret"}');
    expect(new Headers(calls[0]?.init.headers).get("content-type")).toBe("application/json");
  });

  it("throws the hub's {error, message} as an ApiError", async () => {
    hub(() => json(400, { error: "invalid_request", message: "metric: unknown metric" }));
    const e = await getSeries(query).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 400, code: "invalid_request", message: "metric: unknown metric" });
  });

  it("explains a failure without a JSON body by its status", async () => {
    hub(() => new Response("<!doctype html>", { status: 404, headers: { "content-type": "text/html" } }));
    await expect(getSeries(query)).rejects.toMatchObject({
      status: 404,
      code: "http_404",
      message: "The hub's API is not reachable on this origin (HTTP 404).",
    });
  });

  it("refuses a successful answer that is not JSON (the SPA fallback)", async () => {
    hub(() => new Response("<!doctype html>", { status: 200, headers: { "content-type": "text/html" } }));
    await expect(getSeries(query)).rejects.toMatchObject({ status: 200, code: "bad_response" });
  });

  it("turns a network failure into an ApiError but lets an abort through", async () => {
    hub(() => Promise.reject(new TypeError("Failed to fetch")));
    await expect(getSeries(query)).rejects.toMatchObject({ status: 0, code: "network" });
    hub(() => Promise.reject(new DOMException("aborted", "AbortError")));
    await expect(getSeries(query)).rejects.toMatchObject({ name: "AbortError" });
  });

  it("reads a 401 session as signed out", async () => {
    hub(() => json(401, { error: "unauthenticated", message: "not signed in" }));
    expect(await getSession()).toBeUndefined();
  });
});
