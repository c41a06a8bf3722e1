import { env } from "cloudflare:workers";
import { toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { SampleSchema } from "@fleetwatch/proto/sample_pb";
import { describe, expect, it } from "vitest";
import type { TokenView } from "../../worker/src/routes/tokens";
import { BASE, call, createFleet, ingestClient, openLive, registerHost, sample } from "../worker/fixtures";
import { bearer, codeOf, eventually, hostsOf, openStream, outcomeOf, signIn } from "./helpers";

async function listTokens(fleet: string, admin: string): Promise<TokenView[]> {
  const res = await call(`/api/fleets/${fleet}/tokens`, { headers: bearer(admin) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { tokens: TokenView[] }).tokens;
}

async function issue(fleet: string, admin: string, role: string, name = `${role} token`) {
  const res = await call(`/api/fleets/${fleet}/tokens`, {
    method: "POST",
    headers: { ...bearer(admin), "Content-Type": "application/json" },
    body: JSON.stringify({ role, name }),
  });
  return { res, body: (await res.json()) as { token: TokenView; secret: string; error?: string } };
}

function revoke(fleet: string, admin: string, id: string) {
  return call(`/api/fleets/${fleet}/tokens/${id}`, { method: "DELETE", headers: bearer(admin) });
}

async function idOf(fleet: string, admin: string, role: string, name = `${role} token`): Promise<string> {
  const t = (await listTokens(fleet, admin)).find((x) => x.role === role && x.name === name);
  if (!t) throw new Error(`no ${role} token`);
  return t.id;
}

describe("token administration", () => {
  it("lists tokens without secrets or hashes, marking the caller's own", async () => {
    const fleet = await createFleet();
    const res = await call(`/api/fleets/${fleet.id}/tokens`, { headers: bearer(fleet.admin) });
    const text = await res.text();
    for (const secret of [fleet.agent, fleet.viewer, fleet.admin]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
    const tokens = (JSON.parse(text) as { tokens: TokenView[] }).tokens;
    expect(tokens.map((t) => t.role).sort()).toEqual(["admin", "agent", "viewer"]);
    expect(tokens.filter((t) => t.current).map((t) => t.role)).toEqual(["admin"]);
    for (const t of tokens)
      expect(Object.keys(t).sort()).toEqual([
        "createdAt",
        "current",
        "id",
        "lastUsedAt",
        "name",
        "revokedAt",
        "role",
      ]);
  });

  it("issues a token whose secret is shown once and stored only as a hash", async () => {
    const fleet = await createFleet();
    const { res, body } = await issue(fleet.id, fleet.admin, "viewer", "grafana");
    expect(res.status).toBe(201);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(body.secret).toMatch(/^fw_[A-Za-z0-9_-]{43}$/);
    expect(body.token).toMatchObject({ role: "viewer", name: "grafana", revokedAt: null });
    // It works, and D1 holds no trace of the secret itself.
    expect((await call(`/api/fleets/${fleet.id}/hosts`, { headers: bearer(body.secret) })).status).toBe(200);
    const row = await env.DB.prepare("SELECT * FROM tokens WHERE id = ?").bind(body.token.id).first();
    expect(JSON.stringify(row)).not.toContain(body.secret);
    // The list never shows it again.
    const listed = await call(`/api/fleets/${fleet.id}/tokens`, { headers: bearer(fleet.admin) });
    expect(await listed.text()).not.toContain(body.secret);
  });

  it("rejects bad token requests with 400 naming the field", async () => {
    const fleet = await createFleet();
    for (const [payload, field] of [
      [{ role: "root", name: "x" }, "role"],
      [{ role: "viewer" }, "name"],
      [{ role: "viewer", name: "" }, "name"],
      [{ role: "viewer", name: "a\u0000b" }, "name"],
      [{ role: "viewer", name: "x".repeat(101) }, "name"],
      [{ role: "viewer", name: "x", secret: "fw_chosen" }, ""],
      [{ role: ["admin"], name: "x" }, "role"],
    ] as const) {
      const res = await call(`/api/fleets/${fleet.id}/tokens`, {
        method: "POST",
        headers: { ...bearer(fleet.admin), "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      expect(res.status, JSON.stringify(payload)).toBe(400);
      const err = (await res.json()) as { error: string; message: string };
      expect(err.error).toBe("invalid_request");
      expect(err.message).toContain(field);
    }
    expect(await listTokens(fleet.id, fleet.admin)).toHaveLength(3);
  });

  it("revokes: the API answers 401 and the D1 row carries revoked_at", async () => {
    const fleet = await createFleet();
    const id = await idOf(fleet.id, fleet.admin, "viewer");
    expect((await revoke(fleet.id, fleet.admin, id)).status).toBe(204);
    const res = await call(`/api/fleets/${fleet.id}/hosts`, { headers: bearer(fleet.viewer) });
    expect(res.status).toBe(401);
    const row = await env.DB.prepare("SELECT revoked_at FROM tokens WHERE id = ?")
      .bind(id)
      .first<{ revoked_at: number }>();
    expect(row?.revoked_at).toBeGreaterThan(0);
    expect((await revoke(fleet.id, fleet.admin, id)).status).toBe(404);
  });

  it("ends the revoked token's dashboard sessions", async () => {
    const fleet = await createFleet();
    const cookie = await signIn(fleet.viewer);
    expect((await call(`/api/fleets/${fleet.id}/hosts`, { headers: { Cookie: cookie } })).status).toBe(200);
    const id = await idOf(fleet.id, fleet.admin, "viewer");
    await revoke(fleet.id, fleet.admin, id);
    expect((await call(`/api/fleets/${fleet.id}/hosts`, { headers: { Cookie: cookie } })).status).toBe(401);
    expect((await call("/api/session", { headers: { Cookie: cookie } })).status).toBe(401);
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM sessions WHERE token_id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });

  // How long the close takes is measured by `npm run bench -- --only dashboard`, not asserted here.
  it("closes the revoked token's open live sockets with 4001", { timeout: 30_000 }, async () => {
    const fleet = await createFleet();
    const live = await openLive(fleet.id, fleet.viewer);
    await live.next<{ type: string }>((f) => f.type === "snapshot");
    const closed = new Promise<number>((resolve) =>
      live.ws.addEventListener("close", (e) => resolve(e.code)),
    );
    const id = await idOf(fleet.id, fleet.admin, "viewer");
    // Open until the revocation: the close below is its doing.
    expect(live.ws.readyState).toBe(WebSocket.OPEN);
    expect((await revoke(fleet.id, fleet.admin, id)).status).toBe(204);
    expect(await closed).toBe(4001);
  });

  it("leaves other tokens' sockets open", async () => {
    const fleet = await createFleet();
    const other = (await issue(fleet.id, fleet.admin, "viewer", "other")).body.secret;
    const keep = await openLive(fleet.id, other);
    await keep.next<{ type: string }>((f) => f.type === "snapshot");
    let closed = false;
    keep.ws.addEventListener("close", () => {
      closed = true;
    });
    await revoke(fleet.id, fleet.admin, await idOf(fleet.id, fleet.admin, "viewer"));
    await new Promise((r) => setTimeout(r, 300));
    expect(closed).toBe(false);
    keep.ws.close();
  });

  it("ends an open ingest Stream at its next message with unauthenticated, keeping what came before", async () => {
    const fleet = await createFleet();
    const { hostId } = await registerHost(fleet.agent);
    const stream = openStream(fleet.agent, hostId);
    await stream.send(toBinary(SampleSchema, sample(1)));
    await eventually(async () => (await hostsOf(fleet.id, fleet.viewer))[0]?.lastSeq === 1);

    await revoke(fleet.id, fleet.admin, await idOf(fleet.id, fleet.admin, "agent"));
    await stream.send(
      toBinary(SampleSchema, sample(2, Date.now(), { cpu: { totalPct: 99, perCorePct: [] } })),
    );
    await stream.close().catch(() => {});
    const out = await outcomeOf(await stream.response);
    expect(out.code).toBe(Code.Unauthenticated);
    expect(out.message).toContain("revoked");

    const [host] = await hostsOf(fleet.id, fleet.viewer);
    expect(host?.lastSeq).toBe(1);
    expect(host?.metrics.cpu?.totalPct).toBe(12.5);
    // New requests with the token are refused at the Worker.
    expect(await codeOf(ingestClient(fleet.agent, hostId).push({ samples: [sample(3)] }))).toBe(
      Code.Unauthenticated,
    );
  });

  it("refuses to revoke the fleet's last admin token with 409", async () => {
    const fleet = await createFleet();
    const adminId = await idOf(fleet.id, fleet.admin, "admin");
    const res = await revoke(fleet.id, fleet.admin, adminId);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toBe("conflict");
    expect((await call(`/api/fleets/${fleet.id}/tokens`, { headers: bearer(fleet.admin) })).status).toBe(200);
  });

  it("lets an admin revoke its own token once another admin token exists", async () => {
    const fleet = await createFleet();
    const second = (await issue(fleet.id, fleet.admin, "admin", "second")).body.secret;
    const firstId = await idOf(fleet.id, fleet.admin, "admin");
    expect((await revoke(fleet.id, fleet.admin, firstId)).status).toBe(204);
    expect((await call(`/api/fleets/${fleet.id}/tokens`, { headers: bearer(fleet.admin) })).status).toBe(401);
    // The second is now the last one.
    const secondId = (await listTokens(fleet.id, second)).find((t) => t.current)?.id ?? "";
    expect((await revoke(fleet.id, second, secondId)).status).toBe(409);
  });

  it("cannot revoke or see another fleet's token, even by its id", async () => {
    const a = await createFleet();
    const b = await createFleet();
    const bViewer = await idOf(b.id, b.admin, "viewer");
    expect((await revoke(a.id, a.admin, bViewer)).status).toBe(404);
    expect((await call(`/api/fleets/${b.id}/hosts`, { headers: bearer(b.viewer) })).status).toBe(200);
    const listed = await listTokens(a.id, a.admin);
    expect(listed.map((t) => t.id)).not.toContain(bViewer);
  });

  it("lets a cookie session revoke with a same-origin request", async () => {
    const fleet = await createFleet();
    const cookie = await signIn(fleet.admin);
    const id = await idOf(fleet.id, fleet.admin, "agent");
    const res = await call(`/api/fleets/${fleet.id}/tokens/${id}`, {
      method: "DELETE",
      headers: { Cookie: cookie, Origin: BASE },
    });
    expect(res.status).toBe(204);
  });

  it("needs admin: a revoked admin token's session cannot issue tokens", async () => {
    const fleet = await createFleet();
    await issue(fleet.id, fleet.admin, "admin", "backup");
    const cookie = await signIn(fleet.admin);
    await revoke(fleet.id, fleet.admin, await idOf(fleet.id, fleet.admin, "admin"));
    const res = await call(`/api/fleets/${fleet.id}/tokens`, {
      method: "POST",
      headers: { Cookie: cookie, Origin: BASE, "Content-Type": "application/json" },
      body: JSON.stringify({ role: "admin", name: "comeback" }),
    });
    expect(res.status).toBe(401);
  });
});
