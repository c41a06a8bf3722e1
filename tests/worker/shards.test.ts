import { createExecutionContext, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import type { HostInfo } from "@fleetwatch/proto/host_pb";
import { IngestService } from "@fleetwatch/proto/ingest_pb";
import { describe, expect, it } from "vitest";
import { alertDeps } from "../../worker/src/alerts/deps";
import { runAlerts } from "../../worker/src/alerts/engine";
import { shardOf } from "../../worker/src/fleet/shards";
import { fleetStub, shardStub } from "../../worker/src/fleet/stub";
import worker from "../../worker/src/index";
import type { LiveEntry, SummaryChange } from "../../worker/src/metrics/summary";
import type { HostView, LiveFrame, SeriesExport, SeriesResult } from "../../worker/src/metrics/types";
import { alertRows, createRule, receiver, withoutBuiltins } from "./alerts-helpers";
import { BASE, call, createFleet, hostInfo, openLive, sample, streamBody } from "./fixtures";

const SHARDS = 4;
/** The Worker's bindings with the fleet spread over SHARDS ingest shards. */
const sharded = { ...env, FLEET_SHARDS: String(SHARDS) } as Env;

/** Calls the Worker as a client would, with the sharded configuration. */
function callSharded(path: string, init?: RequestInit): Promise<Response> {
  return Promise.resolve(
    worker.fetch(new Request(`${BASE}${path}`, init), sharded, createExecutionContext()),
  );
}

/** A Connect client over the sharded Worker (see `ingestClient` in fixtures). */
function shardedClient(token: string, hostId?: string) {
  const transport = createConnectTransport({
    baseUrl: BASE,
    fetch: (input, init) => {
      const { redirect: _r, mode: _m, credentials: _c, ...rest } = (init ?? {}) as Record<string, unknown>;
      return callSharded(new URL(String(input)).pathname, rest as RequestInit);
    },
    interceptors: [
      (next) => (req) => {
        req.header.set("Authorization", `Bearer ${token}`);
        if (hostId) req.header.set("fleetwatch-host-id", hostId);
        return next(req);
      },
    ],
  });
  return createClient(IngestService, transport);
}

async function register(agentToken: string, info: HostInfo) {
  const { hostId } = await shardedClient(agentToken).hello(info);
  return {
    hostId,
    hostname: info.hostname,
    shard: shardOf(hostId, SHARDS),
    client: shardedClient(agentToken, hostId),
  };
}

/** Registers hosts with fixed machine ids until two of them live on different shards. */
async function twoShards(agentToken: string, init: Parameters<typeof hostInfo>[0] = {}) {
  const hosts: Awaited<ReturnType<typeof register>>[] = [];
  for (let i = 0; i < 16; i++) {
    const h = await register(
      agentToken,
      hostInfo({ hostname: `node-${i}`, machineId: `machine-${i}`, ...init }),
    );
    hosts.push(h);
    const other = hosts.find((x) => x.shard !== h.shard);
    if (other) return [other, h] as const;
  }
  throw new Error("16 hosts all hashed to one shard");
}

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

async function listHosts(fleet: { id: string; viewer: string }): Promise<HostView[]> {
  const res = await call(`/api/fleets/${fleet.id}/hosts`, bearer(fleet.viewer));
  expect(res.status).toBe(200);
  return ((await res.json()) as { hosts: HostView[] }).hosts;
}

/** Polls until `ok` holds (forwarded views arrive within about a second). */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("a fleet spread over ingest shards", () => {
  it("ingests each host on its shard, yet lists every host from the fleet's object", async () => {
    const fleet = await createFleet();
    const hosts = [];
    for (let i = 0; i < 8; i++) {
      const h = await register(fleet.agent, hostInfo({ hostname: `web-${i}`, machineId: `m-${i}` }));
      await h.client.push({ samples: [sample(1)] });
      hosts.push(h);
    }
    const used = new Set(hosts.map((h) => h.shard));
    expect(used.size).toBeGreaterThan(1);
    for (let k = 0; k < SHARDS; k++) {
      const own = (await shardStub(env, fleet.id, k).listHosts()).map((h) => [h.id, h.lastSeq]);
      const expected = hosts.filter((h) => h.shard === k).map((h) => [h.hostId, 1]);
      expect(own.sort()).toEqual(expected.sort());
    }
    // The fleet's object ingests none of them itself...
    expect((await fleetStub(env, fleet.id).evaluationInputs([])).hosts).toEqual([]);
    // ...but lists all of them, with the state their shards forwarded.
    const listed = await eventually(
      () => listHosts(fleet),
      (l) => l.length === 8 && l.every((h) => h.lastSeq === 1),
    );
    expect(listed.map((h) => [h.id, h.lastSeq, h.status]).sort()).toEqual(
      hosts.map((h) => [h.hostId, 1, "online"]).sort(),
    );
  });

  it("sends a viewer the changes of hosts on different shards", async () => {
    const fleet = await createFleet();
    const [a, b] = await twoShards(fleet.agent);
    const live = await openLive(fleet.id, fleet.viewer);
    const snap = await live.next<LiveFrame>((f) => f.type === "snapshot");
    expect(snap.type === "snapshot" && snap.hosts.map((h) => h.id)).toEqual(
      expect.arrayContaining([a.hostId, b.hostId]),
    );
    await a.client.push({ samples: [sample(1, Date.now(), { cpu: { totalPct: 61, perCorePct: [] } })] });
    await b.client.push({ samples: [sample(1, Date.now(), { cpu: { totalPct: 62, perCorePct: [] } })] });
    const sampled = (id: string) => (f: LiveFrame) =>
      f.type === "hosts" && f.hosts.some((h) => h.id === id && h.lastSeq === 1);
    const fa = await live.next<LiveFrame>(sampled(a.hostId));
    const fb = await live.next<LiveFrame>(sampled(b.hostId));
    const pick = (f: LiveFrame, id: string) =>
      f.type === "hosts" ? f.hosts.find((h) => h.id === id)?.metrics.cpu?.totalPct : undefined;
    expect([pick(fa, a.hostId), pick(fb, b.hostId)]).toEqual([61, 62]);
    live.ws.close();
  });

  it("gives an overview-protocol viewer the summaries of hosts on different shards", async () => {
    const fleet = await createFleet();
    const [a, b] = await twoShards(fleet.agent);
    const live = await openLive(fleet.id, fleet.viewer, { frames: 2 });
    type Any = { type: string; hosts?: LiveEntry[]; changes?: SummaryChange[] };
    const first = await live.next<Any>((f) => f.type === "overview");
    const indexOf = (id: string) => first.hosts?.find((h) => h.id === id)?.i;
    await a.client.push({ samples: [sample(1, Date.now(), { cpu: { totalPct: 61, perCorePct: [] } })] });
    await b.client.push({ samples: [sample(1, Date.now(), { cpu: { totalPct: 62, perCorePct: [] } })] });
    // Each host's cpu arrives as an entry (first announcement) or a change by its index.
    const cpuOf = (id: string) => (f: Any) =>
      (f.hosts ?? []).some((h) => h.id === id && h.c.cpu === (id === a.hostId ? 611 : 621)) ||
      (f.changes ?? []).some((c) => c.index === indexOf(id) && c.codes.cpu === (id === a.hostId ? 611 : 621));
    await live.next<Any>(cpuOf(a.hostId));
    await live.next<Any>(cpuOf(b.hostId));
    live.ws.close();
  });

  it("serves series and export from the host's shard, and deletes it everywhere", async () => {
    const fleet = await createFleet();
    const { hostId, shard, client } = await register(fleet.agent, hostInfo({ hostname: "db-1" }));
    const now = Date.now();
    const cpu = (pct: number) => ({ cpu: { totalPct: pct, perCorePct: [] } });
    await client.push({ samples: [sample(1, now - 20_000, cpu(10)), sample(2, now - 10_000, cpu(30))] });
    const range = `from=${now - 60_000}&to=${now}&step=5`;

    const series = await callSharded(
      `/api/fleets/${fleet.id}/hosts/${hostId}/series?metric=cpu&${range}`,
      bearer(fleet.viewer),
    );
    expect(series.status, await series.clone().text()).toBe(200);
    const r = (await series.json()) as SeriesResult;
    expect([r.tier, r.points.map((p) => p.avg)]).toEqual(["raw", [10, 30]]);

    const exp = await callSharded(
      `/api/fleets/${fleet.id}/hosts/${hostId}/export?format=json&metric=cpu&${range}`,
      bearer(fleet.viewer),
    );
    expect(exp.status, await exp.clone().text()).toBe(200);
    const e = (await exp.json()) as SeriesExport & { host: { hostname: string } };
    expect([e.host.hostname, e.series.cpu?.map((p) => p.avg)]).toEqual(["db-1", [10, 30]]);

    const del = await callSharded(`/api/fleets/${fleet.id}/hosts/${hostId}`, {
      method: "DELETE",
      ...bearer(fleet.admin),
    });
    expect(del.status).toBe(204);
    expect(await shardStub(env, fleet.id, shard).listHosts()).toEqual([]);
    expect(await listHosts(fleet)).toEqual([]);
    const again = await callSharded(`/api/fleets/${fleet.id}/hosts/${hostId}`, {
      method: "DELETE",
      ...bearer(fleet.admin),
    });
    expect(again.status).toBe(404);
  });

  it("fires host down from the shard's own alarm and shows the host stale", async () => {
    const fleet = await createFleet();
    const { shard, client, hostId } = await register(
      fleet.agent,
      hostInfo({ hostname: "edge-7", intervalS: 1 }),
    );
    await client.push({ samples: [sample(1)] });
    const stub = shardStub(env, fleet.id, shard);
    await runDurableObjectAlarm(stub);
    expect(await alertRows(fleet.id)).toEqual([]);
    // Three missed 1 s intervals: the shard turns the host stale and opens the alert.
    await new Promise((r) => setTimeout(r, 3_200));
    await runDurableObjectAlarm(stub);
    expect((await alertRows(fleet.id)).map((a) => [a.rule_name, a.hostname, a.state])).toEqual([
      ["Host down", "edge-7", "firing"],
    ]);
    const listed = await eventually(
      () => listHosts(fleet),
      (l) => l[0]?.status === "stale",
    );
    expect(listed.map((h) => [h.id, h.status])).toEqual([[hostId, "stale"]]);
  });

  it("evaluates a cron rule over the hosts of every shard", async () => {
    const fleet = await createFleet();
    await withoutBuiltins(fleet);
    await createRule(fleet, {
      name: "cpu high",
      metric: "cpu",
      aggregation: "last",
      windowS: 60,
      comparator: ">",
      threshold: 90,
      forS: 0,
    });
    const [a, b] = await twoShards(fleet.agent);
    await a.client.push({ samples: [sample(1, Date.now(), { cpu: { totalPct: 95, perCorePct: [] } })] });
    await b.client.push({ samples: [sample(1, Date.now(), { cpu: { totalPct: 97, perCorePct: [] } })] });
    const rx = receiver();
    await runAlerts(
      sharded,
      Date.now(),
      alertDeps(sharded, { fetch: rx.fetch, random: () => 0.5 }),
      fleet.id,
    );
    const rows = await alertRows(fleet.id);
    expect(rows.map((r) => [r.hostname, r.state, r.value]).sort()).toEqual(
      [
        [a.hostname, "firing", 95],
        [b.hostname, "firing", 97],
      ].sort(),
    );
  });

  it("ends a revoked agent token's open stream on its shard", async () => {
    const fleet = await createFleet();
    const { hostId, shard } = await register(fleet.agent, hostInfo({ hostname: "app-3" }));
    const agentTokenId = (
      await env.DB.prepare("SELECT id FROM tokens WHERE fleet_id = ? AND role = 'agent'")
        .bind(fleet.id)
        .first<{ id: string }>()
    )?.id;
    const body = new TransformStream<Uint8Array, Uint8Array>();
    const writer = body.writable.getWriter();
    const response = callSharded("/fleetwatch.v1.IngestService/Stream", {
      method: "POST",
      headers: {
        "Content-Type": "application/connect+proto",
        "Connect-Protocol-Version": "1",
        Authorization: `Bearer ${fleet.agent}`,
        "fleetwatch-host-id": hostId,
      },
      body: body.readable,
    });
    await writer.write(streamBody([sample(1)]));
    const shardHost = () => shardStub(env, fleet.id, shard).getHost(hostId);
    expect((await eventually(shardHost, (h) => h?.lastSeq === 1))?.lastSeq).toBe(1);

    const revoked = await callSharded(`/api/fleets/${fleet.id}/tokens/${agentTokenId}`, {
      method: "DELETE",
      ...bearer(fleet.admin),
    });
    expect(revoked.status).toBe(204);
    await writer.write(streamBody([sample(2)]));
    await writer.close();
    const res = await response;
    const text = new TextDecoder().decode(await res.arrayBuffer());
    expect(text).toContain("unauthenticated");
    expect(text).toContain("token revoked");
    expect((await shardHost())?.lastSeq).toBe(1);
  });
});
