import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BROADCAST_INTERVAL_MS } from "../../worker/src/fleet/broadcaster";
import type { HostView, LiveFrame } from "../../worker/src/metrics/types";
import { call, createFleet, openLive, registerHost, sample } from "./fixtures";

type Frame = LiveFrame;

describe("dashboard live socket", () => {
  it("sends a snapshot, then the merged state of hosts that changed", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    await client.push({ samples: [sample(1)] });
    const live = await openLive(fleet.id, fleet.viewer);
    const snap = await live.next<Frame>((f) => f.type === "snapshot");
    expect(snap.type === "snapshot" && snap.hosts.map((h) => h.id)).toEqual([hostId]);

    // A partial sample (no filesystems) merges into the state: disk stays.
    await client.push({
      samples: [sample(2, Date.now(), { filesystems: [], cpu: { totalPct: 77, perCorePct: [] } })],
    });
    const upd = await live.next<Frame>(
      (f) => f.type === "hosts" && f.hosts.some((h) => h.metrics.cpu?.totalPct === 77),
    );
    const host = (upd as { hosts: HostView[] }).hosts[0];
    expect(host?.metrics.filesystems?.[0]?.mount).toBe("/");
    expect(host?.status).toBe("online");
    live.ws.close();
  });

  it("coalesces a burst into frames a second apart, newest state last", { timeout: 30_000 }, async () => {
    const fleet = await createFleet();
    const { client } = await registerHost(fleet.agent);
    const live = await openLive(fleet.id, fleet.viewer);
    await live.next<Frame>((f) => f.type === "snapshot");
    for (let i = 1; i <= 20; i++) await client.push({ samples: [sample(i)] });
    await live.next<Frame>((f) => f.type === "hosts" && f.hosts[0]?.lastSeq === 20);
    // Judged by the frames' own server times, not by how many came: a slow
    // machine spreads the burst over more seconds (so more frames) and still
    // passes; a frame per sample fails whenever samples come faster than 1/s.
    const hostFrames = live.frames.filter(
      (f): f is Extract<Frame, { type: "hosts" }> => (f as Frame).type === "hosts",
    );
    const gaps = hostFrames.slice(1).map((f, i) => f.serverTime - (hostFrames[i]?.serverTime ?? 0));
    expect(gaps.filter((g) => g < BROADCAST_INTERVAL_MS)).toEqual([]);
    // Each frame holds the host's merged state once, newer than the frame before.
    const seqs = hostFrames.map((f) => f.hosts.map((h) => h.lastSeq));
    for (const s of seqs) expect(s).toHaveLength(1);
    // Strictly increasing: sorted, no repeats.
    expect(seqs.flat()).toEqual([...new Set(seqs.flat())].sort((a, b) => a - b));
    expect(seqs.at(-1)).toEqual([20]);
    live.ws.close();
  });

  it("answers resync with a fresh snapshot", async () => {
    const fleet = await createFleet();
    const live = await openLive(fleet.id, fleet.viewer);
    await live.next<Frame>((f) => f.type === "snapshot");
    live.ws.send(JSON.stringify({ type: "resync" }));
    await live.next<Frame[]>(() => live.frames.filter((f) => (f as Frame).type === "snapshot").length === 2);
    live.ws.close();
  });

  it("refuses agent tokens and other fleets", async () => {
    const a = await createFleet();
    const b = await createFleet();
    const asAgent = await call(`/api/fleets/${a.id}/live`, {
      headers: { Upgrade: "websocket", Authorization: `Bearer ${a.agent}` },
    });
    expect(asAgent.status).toBe(403);
    const otherFleet = await call(`/api/fleets/${a.id}/live`, {
      headers: { Upgrade: "websocket", Authorization: `Bearer ${b.viewer}` },
    });
    expect(otherFleet.status).toBe(404);
    expect(await otherFleet.json()).toEqual({ error: "not_found", message: "no such fleet" });
  });

  it("keeps host state and viewer sockets across eviction", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    await client.push({ samples: [sample(1), sample(2)] });
    const live = await openLive(fleet.id, fleet.viewer);
    await live.next<Frame>((f) => f.type === "snapshot");

    const stub = env.FLEET.get(env.FLEET.idFromName(fleet.id));
    await evictDurableObject(stub);

    const res = await call(`/api/fleets/${fleet.id}/hosts`, {
      headers: { Authorization: `Bearer ${fleet.viewer}` },
    });
    const { hosts } = (await res.json()) as { hosts: HostView[] };
    expect(hosts.map((h) => [h.id, h.lastSeq, h.metrics.cpu?.totalPct])).toEqual([[hostId, 2, 12.5]]);

    // The socket survived: the next change still reaches it.
    await client.push({ samples: [sample(3)] });
    await live.next<Frame>((f) => f.type === "hosts" && f.hosts[0]?.lastSeq === 3);
    live.ws.close();
  });
});
