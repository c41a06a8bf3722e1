import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LAST_USED_RESOLUTION_MS } from "../../worker/src/auth/tokens";
import type { TokenView } from "../../worker/src/routes/tokens";
import { call, createFleet, registerHost } from "../worker/fixtures";
import { bearer, eventually, signIn } from "./helpers";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function listTokens(fleet: string, admin: string): Promise<TokenView[]> {
  const res = await call(`/api/fleets/${fleet}/tokens`, { headers: bearer(admin) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { tokens: TokenView[] }).tokens;
}

async function idOf(fleet: string, admin: string, role: string): Promise<string> {
  const t = (await listTokens(fleet, admin)).find((x) => x.role === role);
  if (!t) throw new Error(`no ${role} token`);
  return t.id;
}

async function storedLastUsed(id: string): Promise<number | null> {
  const row = await env.DB.prepare("SELECT last_used_at FROM tokens WHERE id = ?")
    .bind(id)
    .first<{ last_used_at: number | null }>();
  return row?.last_used_at ?? null;
}

function setLastUsed(id: string, at: number | null) {
  return env.DB.prepare("UPDATE tokens SET last_used_at = ? WHERE id = ?").bind(at, id).run();
}

/**
 * Waits until the deferred writes of earlier requests have landed: an admin
 * request made now queues its own write after theirs, so once that one is
 * stored, any earlier one would be too.
 */
async function settled(fleet: { id: string; admin: string }): Promise<void> {
  const adminId = await idOf(fleet.id, fleet.admin, "admin");
  await setLastUsed(adminId, null);
  await listTokens(fleet.id, fleet.admin);
  await eventually(async () => (await storedLastUsed(adminId)) !== null);
}

/** Reads the hosts with a bearer token or a session cookie. */
async function useApi(fleet: string, auth: Record<string, string>): Promise<void> {
  const res = await call(`/api/fleets/${fleet}/hosts`, { headers: auth });
  expect(res.status).toBe(200);
}

describe("token last use", () => {
  it("records when a token authenticates, and the token list shows it", async () => {
    const fleet = await createFleet();
    const viewerId = await idOf(fleet.id, fleet.admin, "viewer");
    expect((await listTokens(fleet.id, fleet.admin)).find((t) => t.id === viewerId)?.lastUsedAt).toBeNull();

    const before = Date.now();
    await useApi(fleet.id, bearer(fleet.viewer));
    // The write runs after the response (waitUntil).
    await eventually(async () => (await storedLastUsed(viewerId)) !== null);
    const first = await storedLastUsed(viewerId);
    expect(first).toBeGreaterThanOrEqual(before);
    const listed = (await listTokens(fleet.id, fleet.admin)).find((t) => t.id === viewerId);
    expect(listed?.lastUsedAt).toBe(first);
  });

  it("does not write again within a minute of the last write", async () => {
    const fleet = await createFleet();
    const viewerId = await idOf(fleet.id, fleet.admin, "viewer");
    await useApi(fleet.id, bearer(fleet.viewer));
    await eventually(async () => (await storedLastUsed(viewerId)) !== null);
    const first = await storedLastUsed(viewerId);

    // Later uses within the minute (the clock has moved on) leave it as it is.
    await sleep(20);
    await useApi(fleet.id, bearer(fleet.viewer));
    await useApi(fleet.id, bearer(fleet.viewer));
    await settled(fleet);
    expect(await storedLastUsed(viewerId)).toBe(first);
  });

  it("writes again once the stored use is a minute old", async () => {
    const fleet = await createFleet();
    const viewerId = await idOf(fleet.id, fleet.admin, "viewer");
    const old = Date.now() - LAST_USED_RESOLUTION_MS - 1000;
    await setLastUsed(viewerId, old);
    const before = Date.now();
    await useApi(fleet.id, bearer(fleet.viewer));
    await eventually(async () => ((await storedLastUsed(viewerId)) ?? 0) >= before);

    const recent = Date.now() - 30_000;
    await setLastUsed(viewerId, recent);
    await useApi(fleet.id, bearer(fleet.viewer));
    await settled(fleet);
    expect(await storedLastUsed(viewerId)).toBe(recent);
  });

  it("records an agent token's use at ingest", async () => {
    const fleet = await createFleet();
    const agentId = await idOf(fleet.id, fleet.admin, "agent");
    const before = Date.now();
    await registerHost(fleet.agent);
    await eventually(async () => ((await storedLastUsed(agentId)) ?? 0) >= before);
  });

  it("records a token's use through its dashboard session", async () => {
    const fleet = await createFleet();
    const viewerId = await idOf(fleet.id, fleet.admin, "viewer");
    const cookie = await signIn(fleet.viewer);
    await eventually(async () => (await storedLastUsed(viewerId)) !== null);

    await setLastUsed(viewerId, Date.now() - LAST_USED_RESOLUTION_MS - 1000);
    const before = Date.now();
    await useApi(fleet.id, { Cookie: cookie });
    await eventually(async () => ((await storedLastUsed(viewerId)) ?? 0) >= before);
  });
});
