import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { GROUP_HOSTS, groupCount } from "../../worker/src/fleet/host-groups";
import { HostTable } from "../../worker/src/fleet/host-table";
import { RawWindow } from "../../worker/src/fleet/raw-window";
import { HOUR_MS } from "../../worker/src/fleet/rollup";
import { RollupStore } from "../../worker/src/fleet/rollup-store";
import { newUsage } from "../../worker/src/fleet/usage";
import type { HostInfoView } from "../../worker/src/metrics/types";

const info = (hostname: string): HostInfoView => ({
  hostname,
  machineId: `m-${hostname}`,
  os: "linux",
  kernel: "6.1",
  arch: "x64",
  cpuModel: "test",
  cores: 2,
  memoryBytes: 8e9,
  agentVersion: "test",
  intervalS: 5,
  labels: {},
});

/** Runs `fn` on a fresh fleet object's real SQLite storage, tables created. */
async function withSql<T>(fn: (sql: SqlStorage) => T): Promise<T> {
  const stub = env.FLEET.get(env.FLEET.idFromName(`rows-${crypto.randomUUID()}`));
  return runInDurableObject(stub, (_obj, state) => {
    const sql = state.storage.sql;
    for (const migrate of [HostTable.migrate, RawWindow.migrate, RollupStore.migrate]) migrate(sql);
    return fn(sql);
  });
}

const count = (sql: SqlStorage, table: string) =>
  sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;

describe("live state in shared rows", () => {
  it("writes the state of a fleet as one row per group and reads every host back", async () => {
    await withSql((sql) => {
      const fleet = 5 * GROUP_HOSTS;
      const now = Date.now();
      const hosts = new HostTable(sql);
      const ids = Array.from({ length: fleet }, (_, i) => `h${i}`);
      for (const id of ids) hosts.upsertInfo(id, info(id), now);
      ids.forEach((id, i) => {
        hosts.applySample(id, 100 + i, now, { cpu: { totalPct: i, perCorePct: [] } }, now);
      });

      expect(hosts.flush()).toBe(groupCount(fleet));
      expect(count(sql, "host_state")).toBe(groupCount(fleet));
      expect(hosts.flush()).toBe(0);

      const again = new HostTable(sql);
      again.load(now);
      expect(again.size).toBe(fleet);
      ids.forEach((id, i) => {
        expect(again.get(id)?.metrics.cpu?.totalPct).toBe(i);
        expect(again.get(id)?.lastSeq).toBe(100 + i);
        expect(again.get(id)?.status).toBe("online");
      });
    });
  });

  it("rewrites every group when the fleet outgrows its group count, leaving no stale rows", async () => {
    await withSql((sql) => {
      const now = Date.now();
      const hosts = new HostTable(sql);
      hosts.upsertInfo("h0", info("h0"), now);
      hosts.applySample("h0", 1, now, { cpu: { totalPct: 1, perCorePct: [] } }, now);
      hosts.flush();
      expect(sql.exec("SELECT groups FROM host_state").toArray()).toEqual([{ groups: 1 }]);
      const grown = 3 * GROUP_HOSTS;
      for (let i = 1; i < grown; i++) hosts.upsertInfo(`h${i}`, info(`h${i}`), now);
      hosts.applySample("h0", 2, now, { cpu: { totalPct: 2, perCorePct: [] } }, now);
      hosts.flush("h0");
      const counts = sql.exec<{ groups: number }>("SELECT DISTINCT groups FROM host_state").toArray();
      expect(counts).toEqual([{ groups: groupCount(grown) }]);
      const again = new HostTable(sql);
      again.load(now);
      expect(again.get("h0")?.metrics.cpu?.totalPct).toBe(2);
    });
  });

  it("reads hosts rows an earlier version wrote with their state, and prefers a newer state row", async () => {
    await withSql((sql) => {
      const now = Date.now();
      const insert = (id: string, cpu: number, lastSeen: number) =>
        sql.exec(
          "INSERT INTO hosts (id, info, metrics, last_seen, state_time, last_seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
          id,
          JSON.stringify(info(id)),
          JSON.stringify({ cpu: { totalPct: cpu, perCorePct: [] } }),
          lastSeen,
          lastSeen,
          7,
          now - HOUR_MS,
        );
      insert("old", 11, now - 1000);
      insert("both", 22, now - 60_000);
      sql.exec(
        "INSERT INTO host_state (groups, grp, data) VALUES (1, 0, ?)",
        JSON.stringify({ both: [now - 1000, now - 1000, 9, { cpu: { totalPct: 33, perCorePct: [] } }] }),
      );
      const hosts = new HostTable(sql);
      hosts.load(now);
      expect(hosts.get("old")?.metrics.cpu?.totalPct).toBe(11);
      expect(hosts.get("both")?.metrics.cpu?.totalPct).toBe(33);
      expect(hosts.get("both")?.lastSeq).toBe(9);
    });
  });

  it("removing a host takes it out of its group's state row", async () => {
    await withSql((sql) => {
      const now = Date.now();
      const hosts = new HostTable(sql);
      for (const id of ["a", "b"]) {
        hosts.upsertInfo(id, info(id), now);
        hosts.applySample(id, 1, now, { cpu: { totalPct: 5, perCorePct: [] } }, now);
      }
      hosts.flush();
      hosts.delete("a");
      const [row] = sql.exec<{ data: string }>("SELECT data FROM host_state").toArray();
      expect(Object.keys(JSON.parse(row?.data ?? "{}"))).toEqual(["b"]);
    });
  });
});

describe("raw rows and state rows written together", () => {
  it("a restarted window dedupes by the durable last seq, reading nothing for a new one", async () => {
    await withSql((sql) => {
      const now = Date.now();
      const hosts = new HostTable(sql);
      const opts = (h: HostTable) => ({
        hostCount: () => h.size,
        seqBound: (id: string) => h.get(id)?.lastSeq ?? 0,
        onWrite: (groups: number, grp: number) => h.flushGroup(groups, grp),
      });
      const raw = new RawWindow(sql, opts(hosts));
      hosts.upsertInfo("h1", info("h1"), now);
      for (let seq = 1; seq <= 3; seq++) {
        const s = { seq, timeMs: now + seq * 5000, metrics: { cpu: { totalPct: seq, perCorePct: [] } } };
        expect(raw.add("h1", s, now)).toBe(true);
        hosts.applySample("h1", s.seq, s.timeMs, s.metrics, now);
      }
      // Written by the raw flush alone: the state row comes with it.
      raw.flush();
      expect(count(sql, "host_state")).toBe(1);

      const restarted = new HostTable(sql);
      restarted.load(now);
      expect(restarted.get("h1")?.lastSeq).toBe(3);
      const again = new RawWindow(sql, opts(restarted));
      const resent = { seq: 2, timeMs: now + 99_000, metrics: { cpu: { totalPct: 99, perCorePct: [] } } };
      expect(again.add("h1", resent, now)).toBe(false);
      expect(again.add("h1", { ...resent, seq: 4 }, now)).toBe(true);
    });
  });
});

describe("pending rollup hours", () => {
  it("keeps one row per hour for any number of hosts, and reads pairs an earlier version wrote", async () => {
    await withSql((sql) => {
      const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 3 * HOUR_MS;
      sql.exec("INSERT INTO rollup_pending (host_id, hour) VALUES (?, ?)", "legacy", hour - HOUR_MS);
      const raw = new RawWindow(sql);
      const store = new RollupStore(sql, raw, newUsage(Date.now()));
      store.load();
      for (let i = 0; i < 50; i++) store.mark(`h${i}`, hour + i * 1000);
      store.mark("h0", hour + HOUR_MS);
      store.persist();
      expect(count(sql, "rollup_hours")).toBe(2);

      const again = new RollupStore(sql, raw, newUsage(Date.now()));
      again.load();
      expect(again.pendingCount()).toBe(52);
      expect(again.pendingHours("legacy")).toEqual([hour - HOUR_MS]);
      expect(again.oldestPending()).toBe(hour - HOUR_MS);
      again.forget("h0");
      const third = new RollupStore(sql, raw, newUsage(Date.now()));
      third.load();
      expect(third.pendingCount()).toBe(50);
      expect(count(sql, "rollup_hours")).toBe(1);
    });
  });
});
