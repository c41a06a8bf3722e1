import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { afterEach, describe, expect, it, vi } from "vitest";
import { deliverDue } from "../../worker/src/alerts/deliver";
import { alertDeps } from "../../worker/src/alerts/deps";
import type { NotificationView } from "../../worker/src/alerts/views";
import { type Agg, encodeRollupRow, HOUR_MS, packPoints } from "../../worker/src/fleet/rollup";
import { ROW_SPAN_MS, readRollups } from "../../worker/src/fleet/rollup-store";
import { ShardViews } from "../../worker/src/fleet/shard-views";
import type { HostView, SeriesResult } from "../../worker/src/metrics/types";
import { api, createChannel, notificationRows, receiver } from "./alerts-helpers";
import { call, createFleet, hostInfo, registerHost, sample } from "./fixtures";

const stub = (fleet: string) => env.FLEET.get(env.FLEET.idFromName(fleet));
const cpu = (pct: number) => ({ cpu: { totalPct: pct, perCorePct: [] } });

/** Captures console.error lines (the reports of skipped rows). */
function errors() {
  const spy = vi.spyOn(console, "error").mockImplementation(() => {});
  return () => spy.mock.calls.map((c) => c.map(String).join(" "));
}

afterEach(() => {
  vi.restoreAllMocks();
});

async function hostsOf(fleet: { id: string; viewer: string }): Promise<HostView[]> {
  const res = await call(`/api/fleets/${fleet.id}/hosts`, {
    headers: { Authorization: `Bearer ${fleet.viewer}` },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { hosts: HostView[] }).hosts;
}

describe("a corrupt row in the fleet object's SQLite", () => {
  it("skips a host row that does not decode, logs its key, and loads the other hosts", async () => {
    const fleet = await createFleet();
    const a = await registerHost(fleet.agent, hostInfo({ hostname: "good-1" }));
    const b = await registerHost(fleet.agent, hostInfo({ hostname: "bad-1" }));
    const c = await registerHost(fleet.agent, hostInfo({ hostname: "good-2" }));
    for (const h of [a, b, c]) await h.client.push({ samples: [sample(1)] });

    await runInDurableObject(stub(fleet.id), (_obj, state) => {
      // Valid JSON, wrong shape: the old reader took it and crashed later on `info.intervalS`.
      state.storage.sql.exec("UPDATE hosts SET info = ? WHERE id = ?", '{"hostname": 42}', b.hostId);
    });
    const logged = errors();
    await evictDurableObject(stub(fleet.id));

    const hosts = await hostsOf(fleet);
    expect(hosts.map((h) => h.info.hostname).sort()).toEqual(["good-1", "good-2"]);
    expect(hosts.find((h) => h.id === a.hostId)?.metrics.cpu?.totalPct).toBe(12.5);
    expect(logged().join("\n")).toMatch(
      new RegExp(`hosts row ${b.hostId}: info: hostname: .*expected string`),
    );

    // The host comes back at its next Hello, and its row is rewritten.
    await registerHost(fleet.agent, hostInfo({ hostname: "bad-1" }));
    await evictDurableObject(stub(fleet.id));
    expect((await hostsOf(fleet)).map((h) => h.info.hostname).sort()).toEqual(["bad-1", "good-1", "good-2"]);
  });

  it("skips a host row whose metrics are not JSON", async () => {
    const fleet = await createFleet();
    const a = await registerHost(fleet.agent, hostInfo({ hostname: "good" }));
    const b = await registerHost(fleet.agent, hostInfo({ hostname: "bad" }));
    await runInDurableObject(stub(fleet.id), (_obj, state) => {
      state.storage.sql.exec("UPDATE hosts SET metrics = '{\"cpu\": {' WHERE id = ?", b.hostId);
    });
    const logged = errors();
    await evictDurableObject(stub(fleet.id));
    expect((await hostsOf(fleet)).map((h) => h.id)).toEqual([a.hostId]);
    expect(logged().join("\n")).toContain(`hosts row ${b.hostId}: metrics: not JSON`);
  });

  it("skips a forwarded shard view that does not decode and keeps the others", async () => {
    const good: HostView = {
      id: "h-good",
      info: {
        hostname: "good",
        machineId: "m",
        os: "Debian 12",
        kernel: "6.1",
        arch: "x64",
        cpuModel: "cpu",
        cores: 2,
        memoryBytes: 1024,
        agentVersion: "0.1.0",
        labels: { env: "prod" },
        intervalS: 5,
      },
      status: "online",
      lastSeen: Date.now(),
      lastSeq: 3,
      metrics: { cpu: { totalPct: 50, perCorePct: [40, 60] } },
    };
    const s = env.FLEET.get(env.FLEET.idFromName(`views-${crypto.randomUUID()}`));
    const logged = errors();
    const loaded = await runInDurableObject(s, (_obj, state) => {
      const sql = state.storage.sql;
      ShardViews.migrate(sql);
      sql.exec("DELETE FROM shard_views");
      sql.exec("INSERT INTO shard_views (id, view) VALUES (?, ?)", good.id, JSON.stringify(good));
      sql.exec("INSERT INTO shard_views (id, view) VALUES (?, ?)", "h-bad", '{"id":"h-bad","info":[]}');
      const views = new ShardViews(sql);
      views.load(Date.now());
      return views.all();
    });
    expect(loaded).toEqual([good]);
    expect(logged().join("\n")).toContain("shard_views row h-bad: view: info: ");
  });

  it("answers a raw history query past a corrupt segment with the other segments' points", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    const now = Date.now();
    // Each request's samples are written as one segment at its end.
    await client.push({ samples: [sample(1, now - 30_000, cpu(10))] });
    await client.push({ samples: [sample(2, now - 20_000, cpu(20))] });
    await runInDurableObject(stub(fleet.id), (_obj, state) => {
      const sql = state.storage.sql;
      const rows = sql.exec<{ id: number }>("SELECT id FROM raw_groups ORDER BY max_t").toArray();
      expect(rows).toHaveLength(2);
      sql.exec("UPDATE raw_groups SET dir = ? WHERE id = ?", `[["${hostId}",2,2,"soon",0,10]]`, rows[1]?.id);
    });
    const logged = errors();
    const res = await call(
      `/api/fleets/${fleet.id}/hosts/${hostId}/series?metric=cpu&from=${now - 60_000}&to=${now}&step=5`,
      { headers: { Authorization: `Bearer ${fleet.viewer}` } },
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as SeriesResult).points.map((p) => p.avg)).toEqual([10]);
    expect(logged().join("\n")).toMatch(
      /raw_groups row \(1, 0, max_t \d+, id \d+\): dir: 0\.3: expected a number; row skipped/,
    );
  });
});

describe("a corrupt row in D1", () => {
  it("reads one series from its family's block alone, and rows of one table as older versions wrote", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    const hour = Math.floor((Date.now() - 3 * HOUR_MS) / HOUR_MS) * HOUR_MS;
    const metrics = (c: number) => ({ ...cpu(c), load: { load1: c / 10, load5: 1, load15: 1 } });
    await client.push({
      samples: [sample(1, hour + 60_000, metrics(10)), sample(2, hour + 120_000, metrics(30))],
    });
    await runDurableObjectAlarm(stub(fleet.id));
    const start = Math.floor(hour / ROW_SPAN_MS["1m"]) * ROW_SPAN_MS["1m"];
    const row = await env.DB.prepare("SELECT data, idx FROM rollups_1m WHERE host_id = ? AND start = ?")
      .bind(hostId, start)
      .first<{ data: ArrayBuffer; idx: string }>();
    const index = JSON.parse(row?.idx ?? "{}") as Record<string, [number, number]>;
    expect(Object.keys(index)).toEqual(expect.arrayContaining(["cpu", "load1", "load5", "load15"]));
    const query = async (metric: string) => {
      const res = await call(
        `/api/fleets/${fleet.id}/hosts/${hostId}/series?metric=${metric}&from=${hour - 9 * HOUR_MS}&to=${hour + HOUR_MS}&step=60`,
        { headers: { Authorization: `Bearer ${fleet.viewer}` } },
      );
      return ((await res.json()) as SeriesResult).points.map((p) => p.avg);
    };
    // Garbage over the load1 block: a cpu query never reads it.
    const bytes = new Uint8Array(row?.data ?? new ArrayBuffer(0));
    const [at, length] = index.load1 as [number, number];
    bytes.fill(0xff, at, at + length);
    await env.DB.prepare("UPDATE rollups_1m SET data = ? WHERE host_id = ? AND start = ?")
      .bind(bytes, hostId, start)
      .run();
    const logged = errors();
    expect(await query("cpu")).toEqual([10, 30]);
    expect(logged()).toEqual([]);
    expect(await query("load1")).toEqual([]);
    expect(logged().join("\n")).toContain(`rollups_1m (${fleet.id}, ${hostId}, ${start})`);

    // The form before blocks: one table, no index.
    const points = [
      { t: hour + 60_000, n: 1, v: { cpu: [10, 10, 10, 10] as Agg, load1: [1, 1, 1, 1] as Agg } },
      { t: hour + 120_000, n: 1, v: { cpu: [30, 30, 30, 30] as Agg, load1: [3, 3, 3, 3] as Agg } },
    ];
    await env.DB.prepare("UPDATE rollups_1m SET data = ?, idx = NULL WHERE host_id = ? AND start = ?")
      .bind(encodeRollupRow(points), hostId, start)
      .run();
    expect(await query("cpu")).toEqual([10, 30]);
    expect(await query("load1")).toEqual([1, 3]);
  });

  it("reads the rollups of a host past a row that does not decode", async () => {
    const db = drizzle(env.DB);
    const fleetId = `fleet-${crypto.randomUUID().slice(0, 8)}`;
    const h0 = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 5 * HOUR_MS;
    const good = packPoints([{ t: h0, n: 12, v: { cpu: [1, 2, 3, 4] } }]);
    const insert = env.DB.prepare(
      "INSERT INTO rollups_1m (fleet_id, host_id, start, points) VALUES (?, 'h', ?, ?)",
    );
    await env.DB.batch([
      insert.bind(fleetId, h0, good),
      insert.bind(fleetId, h0 + HOUR_MS, '{"t":[1],"n":[1,2],"s":{}}'),
      // The older point-per-object form still reads.
      insert.bind(
        fleetId,
        h0 + 2 * HOUR_MS,
        JSON.stringify([{ t: h0 + 2 * HOUR_MS, n: 6, v: { cpu: [5, 6, 7, 8] } }]),
      ),
    ]);
    const logged = errors();
    for (const metric of [undefined, "cpu"]) {
      const points = await readRollups(db, "1m", fleetId, "h", h0, h0 + 3 * HOUR_MS, metric);
      expect(points.map((p) => p.v.cpu)).toEqual([
        [1, 2, 3, 4],
        [5, 6, 7, 8],
      ]);
    }
    expect(logged().join("\n")).toContain("n: expected an array of 1 numbers");
  });

  it("marks a notification whose stored payload does not decode as failed, and delivers the others", async () => {
    const fleet = await createFleet();
    const channel = await createChannel(fleet);
    const now = Date.now();
    const payload = {
      version: 1,
      fleet: fleet.id,
      status: "firing",
      alerts: [
        {
          fingerprint: "f",
          rule: "cpu high",
          severity: "warning",
          host: "web-1",
          hostId: "h1",
          series: "cpu",
          labels: {},
          value: 99,
          threshold: 90,
          startsAt: new Date(now).toISOString(),
          endsAt: null,
          url: "http://fleetwatch.test/hosts/h1",
        },
      ],
    };
    const insert = env.DB.prepare(
      `INSERT INTO notifications (id, fleet_id, channel_id, alert_id, event, payload, status, attempts, next_attempt_at, created_at)
       VALUES (?, ?, ?, NULL, 'firing', ?, 'pending', 0, ?, ?)`,
    );
    await env.DB.batch([
      insert.bind("n-good", fleet.id, channel.id, JSON.stringify(payload), now, now),
      // JSON, but not a payload: rendering it threw and lost the whole run's outcomes.
      insert.bind(
        "n-shape",
        fleet.id,
        channel.id,
        JSON.stringify({ ...payload, alerts: [{ host: 7 }] }),
        now,
        now + 1,
      ),
      insert.bind("n-text", fleet.id, channel.id, "{not json", now, now + 2),
    ]);
    const rx = receiver();
    const logged = errors();
    expect(
      await deliverDue(env.DB, now, alertDeps(env, { fetch: rx.fetch, random: () => 0.5 }), fleet.id),
    ).toBe(3);

    expect(rx.calls).toHaveLength(1);
    const rows = Object.fromEntries((await notificationRows(fleet.id)).map((r) => [r.id, r]));
    expect(rows["n-good"]).toMatchObject({ status: "delivered", attempts: 1 });
    expect(rows["n-shape"]).toMatchObject({ status: "failed", attempts: 1 });
    expect(rows["n-shape"]?.last_error).toMatch(/^stored payload: alerts\.0\.\w+: /);
    expect(rows["n-text"]).toMatchObject({ status: "failed", attempts: 1 });
    expect(rows["n-text"]?.last_error).toMatch(/^stored payload: not JSON/);
    expect(logged().join("\n")).toContain("notifications n-shape: stored payload: alerts.0.");

    // The history still lists them, without a summary for the bad ones.
    const list = await api<{ notifications: NotificationView[] }>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/notifications?status=all`,
    );
    expect(list.status).toBe(200);
    const summaries = Object.fromEntries(list.json.notifications.map((n) => [n.id, n.summary]));
    expect(summaries).toEqual({
      "n-good": { status: "firing", rule: "cpu high", host: "web-1", alerts: 1 },
      "n-shape": null,
      "n-text": null,
    });
  });
});
