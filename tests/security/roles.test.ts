import { describe, expect, it } from "vitest";
import { call, createFleet, registerHost, sample } from "../worker/fixtures";
import { bearer, d1Rows, fleetState } from "./helpers";

async function seeded() {
  const fleet = await createFleet();
  const { client, hostId } = await registerHost(fleet.agent);
  await client.push({ samples: [sample(1)] });
  return { fleet, hostId };
}

function json(body: unknown): RequestInit {
  return { body: JSON.stringify(body) };
}

describe("roles: agent ingests, viewer reads, admin manages", () => {
  it("refuses every read to an agent token with 403", async () => {
    const { fleet, hostId } = await seeded();
    for (const path of [
      `/api/fleets/${fleet.id}/hosts`,
      `/api/fleets/${fleet.id}/hosts/${hostId}`,
      `/api/fleets/${fleet.id}/hosts/${hostId}/series?metric=cpu`,
      `/api/fleets/${fleet.id}/usage`,
      `/api/fleets/${fleet.id}/tokens`,
      `/api/fleets/${fleet.id}/metrics`,
    ]) {
      const res = await call(path, { headers: bearer(fleet.agent) });
      expect(res.status, path).toBe(403);
      expect(((await res.json()) as { error: string }).error).toBe("forbidden");
    }
    const live = await call(`/api/fleets/${fleet.id}/live`, {
      headers: { ...bearer(fleet.agent), Upgrade: "websocket" },
    });
    expect(live.status).toBe(403);
  });

  it("refuses an agent token a dashboard session", async () => {
    const { fleet } = await seeded();
    const res = await call("/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: fleet.agent }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("Set-Cookie")).toBeNull();
  });

  it("lets a viewer read but refuses every mutation with 403, changing nothing", async () => {
    const { fleet, hostId } = await seeded();
    expect((await call(`/api/fleets/${fleet.id}/hosts`, { headers: bearer(fleet.viewer) })).status).toBe(200);
    const before = { state: await fleetState(fleet.id, fleet.viewer), d1: await d1Rows() };
    const mutations: [string, string, RequestInit][] = [
      ["DELETE", `/api/fleets/${fleet.id}/hosts/${hostId}`, {}],
      ["POST", `/api/fleets/${fleet.id}/tokens`, json({ role: "admin", name: "escalate" })],
      ["DELETE", `/api/fleets/${fleet.id}/tokens/tok_any`, {}],
      ["POST", `/api/fleets/${fleet.id}/rules`, json({ name: "r" })],
      ["POST", `/api/fleets/${fleet.id}/silences`, json({})],
    ];
    for (const [method, path, init] of mutations) {
      const res = await call(path, {
        method,
        headers: { ...bearer(fleet.viewer), "Content-Type": "application/json" },
        ...init,
      });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    // Usage (billing internals) and token lists are admin-only reads.
    for (const path of [`/api/fleets/${fleet.id}/usage`, `/api/fleets/${fleet.id}/tokens`]) {
      expect((await call(path, { headers: bearer(fleet.viewer) })).status, path).toBe(403);
    }
    expect(await fleetState(fleet.id, fleet.viewer)).toEqual(before.state);
    expect(await d1Rows()).toEqual(before.d1);
  });

  it("lets an admin read and manage", async () => {
    const { fleet, hostId } = await seeded();
    expect((await call(`/api/fleets/${fleet.id}/usage`, { headers: bearer(fleet.admin) })).status).toBe(200);
    expect((await call(`/api/fleets/${fleet.id}/tokens`, { headers: bearer(fleet.admin) })).status).toBe(200);
    const del = await call(`/api/fleets/${fleet.id}/hosts/${hostId}`, {
      method: "DELETE",
      headers: bearer(fleet.admin),
    });
    expect(del.status).toBe(204);
  });

  it("refuses malformed credentials with 401, never 500", async () => {
    const { fleet } = await seeded();
    const cases: Record<string, string>[] = [
      { Authorization: "Bearer" },
      { Authorization: "Basic Zm9vOmJhcg==" },
      { Authorization: `Bearer fw_${"A".repeat(10_000)}` },
      { Authorization: "Bearer fw_%00%ff" },
      { Authorization: `Bearer ${fleet.viewer}x` },
      { Cookie: `fw_session=${"x".repeat(5000)}` },
      { Cookie: "fw_session=" },
    ];
    for (const headers of cases) {
      const res = await call(`/api/fleets/${fleet.id}/hosts`, { headers });
      expect(res.status, JSON.stringify(headers).slice(0, 60)).toBe(401);
    }
  });
});
