import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Hub, startHub } from "./hub";

const INDEX = new URL("../../web/dist/index.html", import.meta.url).pathname;

/** Parses a CSP header into directive -> sources. */
function csp(header: string | null): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of (header ?? "").split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out[name] = sources;
  }
  return out;
}

/** What every document and API answer must carry, whoever serves it (assets or Worker). */
function expectBaseline(res: Response, what: string): void {
  const policy = csp(res.headers.get("Content-Security-Policy"));
  expect(policy["default-src"], what).toEqual(["'self'"]);
  expect(policy["script-src"], what).toEqual(["'self'"]);
  expect(policy["connect-src"], what).toEqual(["'self'"]);
  expect(policy["frame-ancestors"], what).toEqual(["'none'"]);
  expect(policy["base-uri"], what).toEqual(["'none'"]);
  expect(policy["form-action"], what).toEqual(["'self'"]);
  expect(res.headers.get("X-Content-Type-Options"), what).toBe("nosniff");
  expect(res.headers.get("Referrer-Policy"), what).toMatch(/^(no-referrer|strict-origin)$/);
  expect(res.headers.get("Permissions-Policy"), what).toContain("camera=()");
}

describe("security headers on a real wrangler dev hub", () => {
  let hub: Hub;
  let tokens: Awaited<ReturnType<Hub["fleet"]>>;

  beforeAll(async () => {
    hub = await startHub();
    tokens = await hub.fleet("headers");
  });

  afterAll(async () => {
    await hub?.dispose();
  });

  it.skipIf(!existsSync(INDEX))("serves the dashboard's HTML (static assets) with them", async () => {
    for (const path of ["/", "/index.html", "/fleets/headers/hosts/h_1"]) {
      const res = await fetch(`${hub.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("Content-Type"), path).toContain("text/html");
      expectBaseline(res, path);
    }
  });

  it("serves API answers, errors and Connect answers with them, X-Frame-Options included", async () => {
    const cases: [string, RequestInit][] = [
      ["/health", {}],
      ["/api/fleets/headers/hosts", { headers: { Authorization: `Bearer ${tokens.viewer}` } }],
      ["/api/fleets/headers/hosts", {}],
      ["/api/no-such-route", {}],
      [
        "/fleetwatch.v1.IngestService/Push",
        { method: "POST", headers: { "Content-Type": "application/proto" } },
      ],
    ];
    for (const [path, init] of cases) {
      const res = await fetch(`${hub.url}${path}`, init);
      expectBaseline(res, `${init.method ?? "GET"} ${path} ${res.status}`);
      expect(res.headers.get("X-Frame-Options"), path).toBe("DENY");
    }
  });

  it("refuses a cross-site cookie mutation and a cross-site sign-in", async () => {
    const signIn = await fetch(`${hub.url}/api/session`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: hub.url },
      body: JSON.stringify({ token: tokens.admin }),
    });
    expect(signIn.status).toBe(200);
    const cookie = /fw_session=[^;]+/.exec(signIn.headers.get("Set-Cookie") ?? "")?.[0] ?? "";
    // Loopback: no Secure flag, or the browser would drop the cookie on http.
    expect(signIn.headers.get("Set-Cookie")).not.toContain("Secure");
    const evil = await fetch(`${hub.url}/api/fleets/headers/tokens`, {
      method: "POST",
      headers: { Cookie: cookie, Origin: "https://evil.example", "Content-Type": "application/json" },
      body: JSON.stringify({ role: "admin", name: "csrf" }),
    });
    expect(evil.status).toBe(403);
    const own = await fetch(`${hub.url}/api/fleets/headers/tokens`, {
      method: "POST",
      headers: { Cookie: cookie, Origin: hub.url, "Content-Type": "application/json" },
      body: JSON.stringify({ role: "viewer", name: "ok" }),
    });
    expect(own.status).toBe(201);
    const cross = await fetch(`${hub.url}/api/session`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: "https://evil.example" },
      body: JSON.stringify({ token: tokens.admin }),
    });
    expect(cross.status).toBe(403);
  });
});
