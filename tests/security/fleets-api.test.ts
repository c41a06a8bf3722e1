import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../worker/src/app";
import { sha256Hex } from "../../worker/src/auth/secrets";
import { BASE, call } from "../worker/fixtures";
import { bearer, d1Rows } from "./helpers";

const OPERATOR = "op_correct-horse-battery-staple";

/** The Worker with the operator secret set, as `wrangler secret put` would. */
async function withOperator(path: string, init: RequestInit, hash?: string) {
  const bindings = { ...env, FLEETWATCH_OPERATOR_TOKEN_SHA256: hash ?? (await sha256Hex(OPERATOR)) };
  return app.request(`${BASE}${path}`, init, bindings);
}

function createFleetRequest(body: unknown, token = OPERATOR): RequestInit {
  return {
    method: "POST",
    headers: { ...bearer(token), "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
}

describe("POST /api/fleets (operator)", () => {
  it("does not exist (404) while no operator secret is set", async () => {
    const res = await call("/api/fleets", createFleetRequest({ id: "ghost" }));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe("not_found");
  });

  it("does not exist when the secret is not a SHA-256 digest", async () => {
    const res = await withOperator("/api/fleets", createFleetRequest({ id: "ghost" }), OPERATOR);
    expect(res.status).toBe(404);
  });

  it("refuses a wrong, missing or fleet token with 401 and creates nothing", async () => {
    const before = await d1Rows();
    for (const token of ["op_wrong", "", await sha256Hex(OPERATOR)]) {
      const res = await withOperator("/api/fleets", createFleetRequest({ id: "intruder" }, token));
      expect(res.status, token).toBe(401);
    }
    expect(await d1Rows()).toEqual(before);
  });

  it("creates a fleet and its first admin token, shown once", async () => {
    const res = await withOperator("/api/fleets", createFleetRequest({ id: "acme-prod", name: "ACME" }));
    expect(res.status).toBe(201);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const body = (await res.json()) as {
      fleet: { id: string; name: string };
      secret: string;
      token: { role: string };
    };
    expect(body.fleet).toMatchObject({ id: "acme-prod", name: "ACME" });
    expect(body.token.role).toBe("admin");
    const tokens = await call("/api/fleets/acme-prod/tokens", { headers: bearer(body.secret) });
    expect(tokens.status).toBe(200);
    const hashes = await env.DB.prepare("SELECT secret_hash FROM tokens WHERE fleet_id = 'acme-prod'").all<{
      secret_hash: string;
    }>();
    expect(hashes.results).toEqual([{ secret_hash: await sha256Hex(body.secret) }]);
  });

  it("answers 409 for an existing fleet and adds no token to it", async () => {
    await withOperator("/api/fleets", createFleetRequest({ id: "taken" }));
    const before = await d1Rows();
    const res = await withOperator("/api/fleets", createFleetRequest({ id: "taken" }));
    expect(res.status).toBe(409);
    expect(await d1Rows()).toEqual(before);
  });

  it("rejects malformed fleet ids and names with 400", async () => {
    const before = await d1Rows();
    for (const body of [
      { id: "Upper" },
      { id: "-dash" },
      { id: "a".repeat(64) },
      { id: "../x" },
      { id: "a b" },
      { id: 42 },
      {},
      { id: "ok", name: "x\u0007" },
      { id: "ok", admin: true },
    ]) {
      const res = await withOperator("/api/fleets", createFleetRequest(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(await d1Rows()).toEqual(before);
  });
});
