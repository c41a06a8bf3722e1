import { describe, expect, it } from "vitest";
import { app } from "../../worker/src/app";
import { INTERNAL } from "../../worker/src/fleet/protocol";
import { call, createFleet, ingestClient, registerHost, sample } from "../worker/fixtures";
import { bearer, codeOf, d1Rows, fleetState } from "./helpers";

/** Every route under /api/fleets/:fleet, from the app itself, so a new route is covered the day it lands. */
function fleetRoutes(): { method: string; path: string }[] {
  const seen = new Set<string>();
  const out: { method: string; path: string }[] = [];
  for (const r of app.routes) {
    if (!r.path.startsWith("/api/fleets/:fleet") || r.method === "ALL") continue;
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ method: r.method, path: r.path });
  }
  return out;
}

function fill(path: string, fleet: string): string {
  return path.replace(":fleet", fleet).replace(/:[a-zA-Z]+/g, "x1");
}

async function seeded() {
  const a = await createFleet();
  const b = await createFleet();
  const { client, hostId } = await registerHost(b.agent);
  await client.push({ samples: [sample(1), sample(2)] });
  return { a, b, bHost: hostId };
}

describe("tenancy: a fleet's tokens never reach another fleet", () => {
  it("covers a meaningful set of fleet routes", () => {
    const paths = fleetRoutes().map((r) => `${r.method} ${r.path}`);
    for (const p of [
      "GET /api/fleets/:fleet/hosts",
      "GET /api/fleets/:fleet/hosts/:host/series",
      "GET /api/fleets/:fleet/live",
      "GET /api/fleets/:fleet/usage",
      "GET /api/fleets/:fleet/tokens",
      "DELETE /api/fleets/:fleet/tokens/:id",
    ]) {
      expect(paths).toContain(p);
    }
  });

  it("answers 404 no such fleet on every fleet route for another fleet's admin, and changes nothing", async () => {
    const { a, b } = await seeded();
    const before = { state: await fleetState(b.id, b.viewer), d1: await d1Rows() };
    for (const { method, path } of fleetRoutes()) {
      for (const token of [a.admin, a.viewer]) {
        const res = await call(fill(path, b.id), {
          method,
          headers: {
            ...bearer(token),
            "Content-Type": "application/json",
            ...(path.endsWith("/live") ? { Upgrade: "websocket" } : {}),
          },
          body:
            method === "GET" || method === "HEAD" ? undefined : JSON.stringify({ name: "x", role: "admin" }),
        });
        expect(res.status, `${method} ${path}`).toBe(404);
        if (method !== "HEAD")
          expect(await res.json(), `${method} ${path}`).toEqual({
            error: "not_found",
            message: "no such fleet",
          });
      }
    }
    expect(await fleetState(b.id, b.viewer)).toEqual(before.state);
    expect(await d1Rows()).toEqual(before.d1);
  });

  it("answers 401 on every fleet route without credentials", async () => {
    const { b } = await seeded();
    for (const { method, path } of fleetRoutes()) {
      const res = await call(fill(path, b.id), { method, headers: { "Content-Type": "application/json" } });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  it("gives a fleet that does not exist the same 404 as a foreign fleet", async () => {
    const { a } = await seeded();
    const res = await call("/api/fleets/no-such-fleet/hosts", { headers: bearer(a.admin) });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "not_found", message: "no such fleet" });
  });

  it("cannot touch fleet B's host with fleet A's agent token, even naming B's host id", async () => {
    const { a, b, bHost } = await seeded();
    const before = await fleetState(b.id, b.viewer);
    const intruder = ingestClient(a.agent, bHost);
    expect(await codeOf(intruder.push({ samples: [sample(3), sample(4)] }))).toBe(
      9 /* failed_precondition */,
    );
    expect(await fleetState(b.id, b.viewer)).toEqual(before);
  });

  it("ignores internal routing headers a client sends", async () => {
    const { a, b, bHost } = await seeded();
    const before = await fleetState(b.id, b.viewer);
    const res = await call("/fleetwatch.v1.IngestService/Push", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Connect-Protocol-Version": "1",
        ...bearer(a.agent),
        "fleetwatch-host-id": bHost,
        [INTERNAL.fleet]: b.id,
        [INTERNAL.tokenId]: "tok_forged",
        [INTERNAL.role]: "admin",
      },
      body: JSON.stringify({ samples: [{ seq: "9", timeMs: String(Date.now()), uptimeS: 1 }] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("failed_precondition");
    expect(await fleetState(b.id, b.viewer)).toEqual(before);
  });

  it("keeps a host registered under the same machine id in each fleet apart", async () => {
    const a = await createFleet();
    const b = await createFleet();
    const machineId = crypto.randomUUID();
    const { hostInfo } = await import("../worker/fixtures");
    const ha = await registerHost(a.agent, hostInfo({ machineId }));
    const hb = await registerHost(b.agent, hostInfo({ machineId }));
    await ha.client.push({ samples: [sample(1, Date.now(), { cpu: { totalPct: 91, perCorePct: [] } })] });
    await hb.client.push({ samples: [sample(1, Date.now(), { cpu: { totalPct: 7, perCorePct: [] } })] });
    const sa = await fleetState(a.id, a.viewer);
    const sb = await fleetState(b.id, b.viewer);
    expect(sa.hosts.map((h) => h.metrics.cpu?.totalPct)).toEqual([91]);
    expect(sb.hosts.map((h) => h.metrics.cpu?.totalPct)).toEqual([7]);
  });
});
