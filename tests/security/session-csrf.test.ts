import { describe, expect, it } from "vitest";
import { BASE, call, createFleet, registerHost, sample } from "../worker/fixtures";
import { bearer, d1Rows, fleetState, signIn } from "./helpers";

const EVIL = "https://evil.example";

async function seeded() {
  const fleet = await createFleet();
  const { client, hostId } = await registerHost(fleet.agent);
  await client.push({ samples: [sample(1)] });
  const cookie = await signIn(fleet.admin);
  return { fleet, hostId, cookie };
}

describe("dashboard session cookie", () => {
  it("is HttpOnly, SameSite=Strict, Path=/ and Secure off localhost", async () => {
    const fleet = await createFleet();
    const res = await call("/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: fleet.viewer }),
    });
    const cookie = res.headers.get("Set-Cookie") ?? "";
    expect(cookie).toMatch(/^fw_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/");
    expect(cookie).toContain("Secure");
    expect(cookie).not.toContain(fleet.viewer);
  });

  it("refuses an unknown or revoked token at sign-in with 401 and no cookie", async () => {
    const res = await call("/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: "fw_unknown" }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("Set-Cookie")).toBeNull();
  });

  it("reads with the cookie alone", async () => {
    const { fleet, cookie } = await seeded();
    expect((await call(`/api/fleets/${fleet.id}/hosts`, { headers: { Cookie: cookie } })).status).toBe(200);
  });

  it("ends at sign-out: the cookie is worthless afterwards", async () => {
    const { fleet, cookie } = await seeded();
    const out = await call("/api/session", { method: "DELETE", headers: { Cookie: cookie, Origin: BASE } });
    expect(out.status).toBe(204);
    expect((await call(`/api/fleets/${fleet.id}/hosts`, { headers: { Cookie: cookie } })).status).toBe(401);
  });
});

describe("CSRF: cookie-authenticated mutations must be same-origin", () => {
  const cases: [string, Record<string, string>][] = [
    ["no Origin and no Sec-Fetch-Site", {}],
    ["a foreign Origin", { Origin: EVIL }],
    ["Origin null (sandboxed frame, redirect)", { Origin: "null" }],
    ["the same host on another scheme", { Origin: BASE.replace("http:", "https:") }],
    ["Sec-Fetch-Site cross-site", { "Sec-Fetch-Site": "cross-site" }],
    ["Sec-Fetch-Site same-site (a sibling subdomain)", { "Sec-Fetch-Site": "same-site" }],
    [
      "a foreign Origin even with Sec-Fetch-Site same-origin",
      { Origin: EVIL, "Sec-Fetch-Site": "same-origin" },
    ],
  ];
  for (const [what, headers] of cases) {
    it(`refuses ${what} with 403 and changes nothing`, async () => {
      const { fleet, hostId, cookie } = await seeded();
      const before = { state: await fleetState(fleet.id, fleet.viewer), d1: await d1Rows() };
      for (const [method, path, body] of [
        ["DELETE", `/api/fleets/${fleet.id}/hosts/${hostId}`, undefined],
        ["POST", `/api/fleets/${fleet.id}/tokens`, JSON.stringify({ role: "admin", name: "csrf" })],
        ["DELETE", "/api/session", undefined],
      ] as const) {
        const res = await call(path, {
          method,
          headers: { Cookie: cookie, "Content-Type": "application/json", ...headers },
          body,
        });
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(((await res.json()) as { error: string }).error).toBe("forbidden");
      }
      expect(await fleetState(fleet.id, fleet.viewer)).toEqual(before.state);
      expect(await d1Rows()).toEqual(before.d1);
    });
  }

  it("accepts a matching Origin", async () => {
    const { fleet, hostId, cookie } = await seeded();
    const res = await call(`/api/fleets/${fleet.id}/hosts/${hostId}`, {
      method: "DELETE",
      headers: { Cookie: cookie, Origin: BASE },
    });
    expect(res.status).toBe(204);
  });

  it("accepts Sec-Fetch-Site same-origin when Origin is absent", async () => {
    const { fleet, hostId, cookie } = await seeded();
    const res = await call(`/api/fleets/${fleet.id}/hosts/${hostId}`, {
      method: "DELETE",
      headers: { Cookie: cookie, "Sec-Fetch-Site": "same-origin" },
    });
    expect(res.status).toBe(204);
  });

  it("exempts bearer-token requests (a browser never attaches a token by itself)", async () => {
    const { fleet, hostId } = await seeded();
    const res = await call(`/api/fleets/${fleet.id}/hosts/${hostId}`, {
      method: "DELETE",
      headers: { ...bearer(fleet.admin), Origin: EVIL },
    });
    expect(res.status).toBe(204);
  });

  it("refuses a cross-site sign-in (login CSRF) but lets a script without Origin sign in", async () => {
    const fleet = await createFleet();
    const body = JSON.stringify({ token: fleet.viewer });
    const cross = await call("/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: EVIL },
      body,
    });
    expect(cross.status).toBe(403);
    expect(cross.headers.get("Set-Cookie")).toBeNull();
    const script = await call("/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
    });
    expect(script.status).toBe(200);
  });

  it("refuses a text/plain form-style POST from another site", async () => {
    const { fleet, cookie } = await seeded();
    const res = await call(`/api/fleets/${fleet.id}/tokens`, {
      method: "POST",
      headers: { Cookie: cookie, "Content-Type": "text/plain", Origin: EVIL },
      body: JSON.stringify({ role: "admin", name: "csrf" }),
    });
    expect(res.status).toBe(403);
  });
});

describe("live WebSocket upgrade", () => {
  it("refuses a foreign Origin with 403, with the cookie", async () => {
    const { fleet, cookie } = await seeded();
    const res = await call(`/api/fleets/${fleet.id}/live`, {
      headers: { Cookie: cookie, Upgrade: "websocket", Origin: EVIL },
    });
    expect(res.status).toBe(403);
    expect(res.webSocket).toBeNull();
  });

  it("refuses a foreign Origin with 403, with a bearer token", async () => {
    const { fleet } = await seeded();
    const res = await call(`/api/fleets/${fleet.id}/live`, {
      headers: { ...bearer(fleet.viewer), Upgrade: "websocket", Origin: EVIL },
    });
    expect(res.status).toBe(403);
  });

  it("accepts its own Origin with the cookie", async () => {
    const { fleet, cookie } = await seeded();
    const res = await call(`/api/fleets/${fleet.id}/live`, {
      headers: { Cookie: cookie, Upgrade: "websocket", Origin: BASE },
    });
    expect(res.status).toBe(101);
    res.webSocket?.accept();
    res.webSocket?.close();
  });
});
