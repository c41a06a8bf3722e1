import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { LiveEntry, OverviewFrame, SummariesFrame } from "../../worker/src/metrics/summary";
import type { HostView } from "../../worker/src/metrics/types";
import { call, createFleet, hostInfo, openLive, registerHost, sample } from "./fixtures";

/** Every frame of the overview protocol, binary summaries decoded. */
type Frame = OverviewFrame | (SummariesFrame & { type: "summaries" });
type Of<T extends Frame["type"]> = Extract<Frame, { type: T }>;

const is =
  <T extends Frame["type"]>(type: T, pred: (f: Of<T>) => boolean = () => true) =>
  (f: Frame): boolean =>
    f.type === type && pred(f as Of<T>);

const cpu = (pct: number) => ({ cpu: { totalPct: pct, perCorePct: [] } });

async function overviewOf(fleet: { id: string; viewer: string }) {
  const live = await openLive(fleet.id, fleet.viewer, { frames: 2 });
  const first = (await live.next<Frame>(is("overview"))) as Of<"overview">;
  const frames = () => live.frames as Frame[];
  return { ...live, first, frames, next: (p: (f: Frame) => boolean, ms?: number) => live.next<Frame>(p, ms) };
}

function entryOf(f: { hosts: LiveEntry[] }, id: string): LiveEntry | undefined {
  return f.hosts.find((h) => h.id === id);
}

describe("dashboard live socket, overview protocol", () => {
  it("starts from every host's summary and then sends only the figures that changed", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    await client.push({ samples: [sample(1, Date.now() - 1000)] });
    const live = await overviewOf(fleet);
    const entry = entryOf(live.first, hostId);
    // 12.5 % cpu in tenths; 1,000 B/s as mantissa 100, exponent 1; 120 processes; 0 is "absent", so codes are + 1.
    expect([entry?.info.hostname, entry?.c.cpu, entry?.c.rx, entry?.c.procs]).toEqual([
      "web-1",
      126,
      1101,
      121,
    ]);
    // Name and labels only: the host page has the rest.
    expect(Object.keys(entry?.info ?? {}).sort()).toEqual(["hostname", "labels"]);
    // The first overview socket's hosts are then announced to every overview socket.
    await live.next(is("entries", (e) => entryOf(e, hostId) !== undefined));

    // Only cpu moves: the frame names the host by index and carries cpu and the sample time, nothing else.
    await client.push({ samples: [sample(2, Date.now(), cpu(40))] });
    const f = (await live.next(
      is("summaries", (s) => s.changes.some((c) => c.codes.cpu === 401)),
    )) as Of<"summaries">;
    expect(f.gen).toBe(live.first.gen);
    const change = f.changes.find((c) => c.index === entry?.i);
    expect(Object.keys(change?.codes ?? {}).sort()).toEqual(["cpu", "seen"]);
    expect(Math.abs((change?.codes.seen ?? 0) - Date.now())).toBeLessThan(60_000);

    // A sample whose shown figures equal the last ones sends the sample time alone.
    await client.push({ samples: [sample(3, Date.now(), cpu(40.04))] });
    const g = (await live.next(is("summaries", (s) => s !== f))) as Of<"summaries">;
    expect(g.changes.map((c) => Object.keys(c.codes))).toEqual([["seen"]]);
    live.ws.close();
  });

  it("announces a new host as an entry, then as changes by its index", { timeout: 15_000 }, async () => {
    const fleet = await createFleet();
    const live = await overviewOf(fleet);
    expect(live.first.hosts).toEqual([]);
    const { client, hostId } = await registerHost(
      fleet.agent,
      hostInfo({ hostname: "db-9", machineId: "m-db-9" }),
    );
    await client.push({ samples: [sample(1)] });
    const added = (await live.next(
      is("entries", (e) => entryOf(e, hostId)?.c.procs === 121),
    )) as Of<"entries">;
    const e = entryOf(added, hostId);
    expect(e?.info.hostname).toBe("db-9");
    // The overview carries the name and labels, not the rest of the host's facts.
    expect(Object.keys(e?.info ?? {}).sort()).toEqual(["hostname", "labels"]);
    await client.push({ samples: [sample(2, Date.now(), cpu(55))] });
    const f = (await live.next(is("summaries"))) as Of<"summaries">;
    expect(f.changes.map((c) => [c.index, c.codes.cpu])).toEqual([[e?.i, 551]]);

    // New labels (the agent said Hello again) come as an entry under the same index.
    const again = await registerHost(
      fleet.agent,
      hostInfo({ hostname: "db-9", machineId: "m-db-9", labels: { env: "prod" } }),
    );
    expect(again.hostId).toBe(hostId);
    await client.push({ samples: [sample(3)] });
    const relabelled = (await live.next(
      is("entries", (x) => entryOf(x, hostId)?.info.labels.env === "prod"),
    )) as Of<"entries">;
    expect(entryOf(relabelled, hostId)?.i).toBe(e?.i);
    live.ws.close();
  });

  it("sends a subscribed host's full state at once and with each change, until unsubscribed", async () => {
    const fleet = await createFleet();
    const a = await registerHost(fleet.agent, hostInfo({ hostname: "a", machineId: "m-a" }));
    const b = await registerHost(fleet.agent, hostInfo({ hostname: "b", machineId: "m-b" }));
    await a.client.push({ samples: [sample(1)] });
    await b.client.push({ samples: [sample(1)] });
    const live = await overviewOf(fleet);
    live.ws.send(JSON.stringify({ type: "subscribe", hostIds: [a.hostId, "no-such-host"] }));
    const first = (await live.next(is("host", (h) => h.hostId === a.hostId))) as Of<"host">;
    expect([first.host?.lastSeq, first.host?.metrics.filesystems?.[0]?.mount]).toEqual([1, "/"]);
    const missing = (await live.next(is("host", (h) => h.hostId === "no-such-host"))) as Of<"host">;
    expect(missing.host).toBeNull();

    await a.client.push({ samples: [sample(2, Date.now(), cpu(71))] });
    const full = (await live.next(is("host", (h) => h.host?.lastSeq === 2))) as Of<"host">;
    expect(full.host?.metrics.cpu?.totalPct).toBe(71);
    // Another host's change reaches the overview, not as a full state.
    await b.client.push({ samples: [sample(2, Date.now(), cpu(72))] });
    await live.next(is("summaries", (s) => s.changes.some((c) => c.codes.cpu === 721)));
    expect(live.frames().filter(is("host", (h) => h.hostId === b.hostId))).toEqual([]);

    live.ws.send(JSON.stringify({ type: "unsubscribe", hostIds: [a.hostId] }));
    // Ordered on the socket: once the resync answer arrives, the unsubscribe was applied.
    live.ws.send(JSON.stringify({ type: "resync" }));
    await live.next(() => live.frames().filter(is("overview")).length === 2);
    const before = live.frames().filter(is("host")).length;
    await a.client.push({ samples: [sample(3, Date.now(), cpu(73))] });
    await live.next(is("summaries", (s) => s.changes.some((c) => c.codes.cpu === 731)));
    expect(live.frames().filter(is("host")).length).toBe(before);
    live.ws.close();
  });

  it("keeps subscriptions across eviction; a new generation of indexes makes the dashboard resync", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    await client.push({ samples: [sample(1)] });
    const live = await overviewOf(fleet);
    live.ws.send(JSON.stringify({ type: "subscribe", hostIds: [hostId] }));
    await live.next(is("host", (h) => h.host?.lastSeq === 1));

    await evictDurableObject(env.FLEET.get(env.FLEET.idFromName(fleet.id)));

    await client.push({ samples: [sample(2, Date.now(), cpu(33))] });
    // The subscription was in the socket's attachment: the full state still comes.
    const full = (await live.next(is("host", (h) => h.host?.lastSeq === 2))) as Of<"host">;
    expect(full.host?.metrics.cpu?.totalPct).toBe(33);
    // The new instance numbers hosts afresh, under another generation...
    const changed = (await live.next(
      (f) => (f.type === "entries" || f.type === "summaries") && f.gen !== live.first.gen,
    )) as Of<"entries">;
    // ...so a dashboard asks for a snapshot in that generation and has the host with its newest figures.
    live.ws.send(JSON.stringify({ type: "resync" }));
    const again = (await live.next(is("overview", (o) => o.gen === changed.gen))) as Of<"overview">;
    expect(entryOf(again, hostId)?.c.cpu).toBe(331);
    live.ws.close();
  });

  it("tells every dashboard when a host is removed", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    await client.push({ samples: [sample(1)] });
    const live = await overviewOf(fleet);
    const res = await call(`/api/fleets/${fleet.id}/hosts/${hostId}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${fleet.admin}` },
    });
    expect(res.status).toBe(204);
    await live.next(is("removed", (r) => r.hostIds.includes(hostId)));
    live.ws.close();
  });

  it("closes a socket that subscribes to too many hosts or sends what it may not", async () => {
    const fleet = await createFleet();
    const live = await overviewOf(fleet);
    const closed = new Promise<number>((r) => live.ws.addEventListener("close", (e) => r(e.code)));
    const ids = Array.from({ length: 17 }, (_, i) => `h${i}`);
    live.ws.send(JSON.stringify({ type: "subscribe", hostIds: ids }));
    expect(await closed).toBe(1003);

    // The older protocol has no subscriptions.
    const older = await openLive(fleet.id, fleet.viewer);
    await older.next<{ type: string }>((f) => f.type === "snapshot");
    const closedOlder = new Promise<number>((r) => older.ws.addEventListener("close", (e) => r(e.code)));
    older.ws.send(JSON.stringify({ type: "subscribe", hostIds: ["x"] }));
    expect(await closedOlder).toBe(1003);
  });
});

describe("container counts on the overview", () => {
  it("sends them to dashboards that read them, and leaves them out for the first overview dashboards", async () => {
    const fleet = await createFleet();
    const { client } = await registerHost(fleet.agent);
    await client.push({ samples: [sample(1, Date.now() - 2000)] });
    const current = await openLive(fleet.id, fleet.viewer, { frames: 2, alerts: true });
    const first = await openLive(fleet.id, fleet.viewer, { frames: 2 });
    await current.next<Frame>(is("overview"));
    await first.next<Frame>(is("overview"));
    const ctr = (name: string, state: number) => ({
      name,
      image: "busybox",
      state,
      health: 0,
      restartCount: 0,
    });
    // A slow sample (it carries processes) with two containers, one running; then the other starts too.
    await client.push({
      samples: [sample(2, Date.now(), { ...cpu(55), containers: [ctr("web", 2), ctr("old", 6)] })],
    });
    await current.next<Frame>(is("entries", (f) => f.hosts.some((h) => h.c.ctrAll === 3)));
    await client.push({
      samples: [sample(3, Date.now(), { ...cpu(60), containers: [ctr("web", 2), ctr("old", 2)] })],
    });
    const now = (await current.next<Frame>(
      is("summaries", (f) => f.changes.some((c) => c.codes.ctrRun !== undefined)),
    )) as Of<"summaries">;
    expect(now.changes[0]?.codes).toMatchObject({ cpu: 601, ctrRun: 3 });
    const old = (await first.next<Frame>(
      is("summaries", (f) => f.changes.some((c) => c.codes.cpu === 601)),
    )) as Of<"summaries">;
    // What the first dashboards decode: no container fields (an unknown mask bit made them resync).
    expect(old.changes[0]?.codes.ctrRun).toBeUndefined();
    expect(old.changes[0]?.codes.ctrAll).toBeUndefined();
  });
});

describe("full host states for older dashboards", () => {
  it("still sends whole states to a socket that did not ask for the overview protocol", async () => {
    const fleet = await createFleet();
    const { client } = await registerHost(fleet.agent);
    const older = await openLive(fleet.id, fleet.viewer);
    const overview = await overviewOf(fleet);
    await older.next<{ type: string }>((f) => f.type === "snapshot");
    await client.push({ samples: [sample(1, Date.now(), cpu(64))] });
    await older.next<{ type: string; hosts?: HostView[] }>(
      (f) => f.type === "hosts" && f.hosts?.[0]?.metrics.cpu?.totalPct === 64,
    );
    await overview.next(
      (f) =>
        (f.type === "entries" && f.hosts[0]?.c.cpu === 641) ||
        (f.type === "summaries" && f.changes[0]?.codes.cpu === 641),
    );
    older.ws.close();
    overview.ws.close();
  });
});
