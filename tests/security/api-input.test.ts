import { describe, expect, it } from "vitest";
import { MAX_API_BODY_BYTES } from "../../worker/src/http/body-limit";
import { SECURITY_HEADERS } from "../../worker/src/http/security-headers";
import { call, createFleet, registerHost, sample } from "../worker/fixtures";
import { bearer, d1Rows, fleetState, postIngest } from "./helpers";

function expectSecurityHeaders(res: Response, what: string): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(k), `${what}: ${k}`).toBe(v);
}

describe("security headers on every Worker response", () => {
  it("are on API answers, errors, 404s and Connect answers", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    await client.push({ samples: [sample(1)] });
    const cases: [string, Promise<Response>][] = [
      ["health", call("/health")],
      ["hosts 200", call(`/api/fleets/${fleet.id}/hosts`, { headers: bearer(fleet.viewer) })],
      ["401", call(`/api/fleets/${fleet.id}/hosts`)],
      ["403", call(`/api/fleets/${fleet.id}/usage`, { headers: bearer(fleet.viewer) })],
      ["unknown API route", call("/api/nope")],
      [
        "400",
        call(`/api/fleets/${fleet.id}/hosts/${hostId}/series?metric=nope`, { headers: bearer(fleet.viewer) }),
      ],
      ["Connect answer from the DO", postIngest("Push", fleet.agent, hostId, new Uint8Array())],
      ["Connect refusal in the Worker", postIngest("Push", undefined, hostId, new Uint8Array())],
      ["413", call("/api/session", { method: "POST", body: "x".repeat(MAX_API_BODY_BYTES + 1) })],
    ];
    for (const [what, p] of cases) expectSecurityHeaders(await p, what);
  });

  it("forbid framing and sniffing with exact values", () => {
    expect(SECURITY_HEADERS["Content-Security-Policy"]).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    expect(SECURITY_HEADERS["X-Frame-Options"]).toBe("DENY");
  });
});

describe("hostile REST input", () => {
  async function seeded() {
    const fleet = await createFleet();
    const { client } = await registerHost(fleet.agent);
    await client.push({ samples: [sample(1)] });
    return { fleet, before: { state: await fleetState(fleet.id, fleet.viewer), d1: await d1Rows() } };
  }

  const bodies: [string, string, string, number][] = [
    ["invalid JSON", "{role: viewer", "application/json", 400],
    ["truncated JSON", '{"role":"viewer","name":"x"', "application/json", 400],
    ["a JSON array", '[{"role":"viewer","name":"x"}]', "application/json", 400],
    ["JSON null", "null", "application/json", 400],
    ["a JSON string", '"viewer"', "application/json", 400],
    ["wrong types", '{"role":1,"name":{"a":1}}', "application/json", 400],
    ["an unknown field", '{"role":"viewer","name":"x","fleetId":"other"}', "application/json", 400],
    [
      "a prototype-polluting key",
      '{"role":"viewer","name":"x","__proto__":{"admin":true}}',
      "application/json",
      400,
    ],
    ["a non-JSON content type", '{"role":"viewer","name":"x"}', "text/plain", 400],
    ["no content type", '{"role":"viewer","name":"x"}', "", 400],
    ["deep nesting", `${"[".repeat(5000)}${"]".repeat(5000)}`, "application/json", 400],
    ["invalid UTF-8", "\udcff\udcfe", "application/json", 400],
  ];
  for (const [what, body, type, status] of bodies) {
    it(`answers ${status} {error, message} to ${what}, storing nothing`, async () => {
      const { fleet, before } = await seeded();
      const headers: Record<string, string> = bearer(fleet.admin);
      if (type) headers["Content-Type"] = type;
      const res = await call(`/api/fleets/${fleet.id}/tokens`, { method: "POST", headers, body });
      expect(res.status).toBe(status);
      const err = (await res.json()) as { error: string; message: string };
      expect(typeof err.error).toBe("string");
      expect(err.message.length).toBeGreaterThan(0);
      expect(await d1Rows()).toEqual(before.d1);
      expect(await fleetState(fleet.id, fleet.viewer)).toEqual(before.state);
    });
  }

  it("answers 413 to a body over 64 KiB announced by Content-Length", async () => {
    const { fleet, before } = await seeded();
    const res = await call(`/api/fleets/${fleet.id}/tokens`, {
      method: "POST",
      headers: { ...bearer(fleet.admin), "Content-Type": "application/json" },
      body: JSON.stringify({ role: "viewer", name: "x".repeat(MAX_API_BODY_BYTES) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: "payload_too_large",
      message: `request body exceeds ${MAX_API_BODY_BYTES} bytes`,
    });
    expect(await d1Rows()).toEqual(before.d1);
  });

  it("answers 413 to a streamed body without Content-Length as it crosses 64 KiB", async () => {
    const { before } = await seeded();
    let sent = 0;
    const chunk = new TextEncoder().encode(`${"x".repeat(1023)} `);
    const body = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        // An endless body: the limit must cut it, not the client.
        if (sent > 16 * MAX_API_BODY_BYTES) ctrl.close();
        else {
          ctrl.enqueue(chunk);
          sent += chunk.length;
        }
      },
    });
    const res = await call("/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
    });
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(16 * MAX_API_BODY_BYTES);
    expect(await d1Rows()).toEqual(before.d1);
  });

  it("answers 400, not 500, to hostile query strings", async () => {
    const { fleet } = await seeded();
    const [host] = (await fleetState(fleet.id, fleet.viewer)).hosts;
    const base = `/api/fleets/${fleet.id}/hosts/${host?.id}/series`;
    for (const q of [
      "?metric=cpu&from=abc",
      "?metric=cpu&from=-1",
      "?metric=cpu&from=1e400",
      "?metric=cpu&step=0",
      "?metric=cpu&from=10&to=5",
      `?metric=${"x".repeat(5000)}`,
      "?metric=cpu&metric=mem",
      "?metric=cpu&bogus=1",
      "?metric=disk:",
      "?metric=%00",
    ]) {
      const res = await call(`${base}${q}`, { headers: bearer(fleet.viewer) });
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: string }).error, q).toBe("invalid_request");
    }
  });

  it("answers 404, not 500, to hostile path segments", async () => {
    const { fleet } = await seeded();
    for (const host of ["%2e%2e", "..%2F..%2Fx", "%00", "x".repeat(3000), "'%20OR%201=1--"]) {
      const res = await call(`/api/fleets/${fleet.id}/hosts/${host}`, { headers: bearer(fleet.viewer) });
      expect([404], host.slice(0, 30)).toContain(res.status);
    }
    const res = await call("/api/fleets/%2e%2e/hosts", { headers: bearer(fleet.viewer) });
    expect(res.status).toBe(404);
  });
});
