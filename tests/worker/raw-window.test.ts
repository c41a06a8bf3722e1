import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { decodeTable } from "../../worker/src/codec/columns";
import { GROUP_HOSTS, groupCount, groupOf } from "../../worker/src/fleet/host-groups";
import {
  type DirEntry,
  RAW_FLUSH_AGE_MS,
  RawWindow,
  SEGMENT_MAX_BYTES,
} from "../../worker/src/fleet/raw-window";
import { SEQ_COLUMN } from "../../worker/src/fleet/segment-codec";
import type { ValidSample } from "../../worker/src/fleet/validate-sample";
import type { Metrics } from "../../worker/src/metrics/types";

/** A deterministic pseudo-random whole number in [0, noise): no trend a delta coder could exploit. */
const jitter = (seq: number, i: number, noise: number) =>
  Math.floor(((Math.abs(Math.sin(seq * 12.9898 + i * 78.233)) * 43_758.5453) % 1) * noise);

/** A sample with `mounts` filesystems; `noise` makes used bytes vary as on a busy disk. */
function wide(seq: number, t: number, mounts: number, pct = 40, noise = 0): ValidSample {
  const metrics: Metrics = {
    cpu: { totalPct: pct, perCorePct: [pct, pct] },
    filesystems: Array.from({ length: mounts }, (_, i) => ({
      mount: `/srv/volume-${i}`,
      fsType: "ext4",
      device: `/dev/vd${i}`,
      sizeBytes: 1_000_000_000_000,
      usedBytes: 400_000_000_000 + i * 1_234_567 + (noise ? jitter(seq, i, noise) : 0),
    })),
  };
  return { seq, timeMs: t, metrics };
}

/** Runs `fn` against a fresh RawWindow (of a fleet of `hosts`) on a fresh fleet object's real SQLite storage. */
async function withWindow<T>(fn: (raw: RawWindow, sql: SqlStorage) => T, hosts = 1): Promise<T> {
  const stub = env.FLEET.get(env.FLEET.idFromName(`raw-${crypto.randomUUID()}`));
  return runInDurableObject(stub, (_obj, state) => {
    const sql = state.storage.sql;
    RawWindow.migrate(sql);
    return fn(new RawWindow(sql, { hostCount: () => hosts }), sql);
  });
}

/** Stored rows in time order, each with its hosts' parts: samples in each (decoded), bytes and seq range. */
function storedRows(sql: SqlStorage) {
  return sql
    .exec<{ groups: number; grp: number; dir: string; data: ArrayBuffer }>(
      "SELECT groups, grp, dir, data FROM raw_groups ORDER BY max_t, id",
    )
    .toArray()
    .map((r) => {
      let at = 0;
      const parts = (JSON.parse(r.dir) as DirEntry[]).map(([host, min_seq, max_seq, , , bytes]) => {
        const table = decodeTable(new Uint8Array(r.data, at, bytes));
        at += bytes;
        return { host, n: table.t.length, bytes, min_seq, max_seq };
      });
      return { groups: r.groups, grp: r.grp, bytes: r.data.byteLength, parts };
    });
}

/** Every stored part in row order. */
const segments = (sql: SqlStorage) => storedRows(sql).flatMap((r) => r.parts);

/** `count` host ids that fall in distinct groups of a fleet of `hosts`. */
function hostsInDistinctGroups(count: number, hosts: number): string[] {
  const groups = groupCount(hosts);
  const seen = new Map<number, string>();
  for (let i = 0; seen.size < count; i++) {
    const id = `host-${i}`;
    const g = groupOf(id, groups);
    if (!seen.has(g)) seen.set(g, id);
  }
  return [...seen.values()];
}

describe("raw window packing", () => {
  it("writes a group's samples as one row once its oldest has waited the flush age", async () => {
    await withWindow((raw, sql) => {
      const t0 = 1_700_000_000_000;
      for (let i = 1; i <= 60; i++) raw.add("h1", wide(i, t0 + i * 5000, 2), t0);
      raw.add("h2", wide(1, t0, 2), t0 + 200_000);

      expect(raw.flushDue(t0 + RAW_FLUSH_AGE_MS - 1)).toBe(0);
      expect(segments(sql)).toEqual([]);
      expect(raw.nextFlushAt()).toBe(t0 + RAW_FLUSH_AGE_MS);

      // A small fleet is one group: h2 is younger but shares h1's row.
      expect(raw.flushDue(t0 + RAW_FLUSH_AGE_MS)).toBe(1);
      expect(segments(sql).map((s) => [s.host, s.n])).toEqual([
        ["h1", 60],
        ["h2", 1],
      ]);
      expect(raw.pendingCount).toBe(0);
      expect(raw.nextFlushAt()).toBeUndefined();
      expect(raw.range("h2", t0, t0).map((p) => p.v.cpu)).toEqual([40]);
      expect(raw.range("h1", t0, t0 + 60 * 5000)).toHaveLength(60);
    });
  });

  it("writes one row per group, not per host, and keeps groups apart", async () => {
    const fleet = 4 * GROUP_HOSTS;
    const [a, b] = hostsInDistinctGroups(2, fleet) as [string, string];
    await withWindow((raw, sql) => {
      const t0 = 1_700_000_000_000;
      // Every host of the fleet sends 60 samples; a's and b's groups are due first.
      const ids = Array.from({ length: fleet }, (_, i) => `host-${i}`);
      for (const id of ids) for (let i = 1; i <= 60; i++) raw.add(id, wide(i, t0 + i * 5000, 1, i), t0);
      const rows = raw.flush();
      expect(rows).toBe(groupCount(fleet));
      expect(storedRows(sql)).toHaveLength(groupCount(fleet));
      for (const r of storedRows(sql)) {
        expect(r.groups).toBe(groupCount(fleet));
        for (const p of r.parts) expect(groupOf(p.host, r.groups)).toBe(r.grp);
      }
      expect(segments(sql)).toHaveLength(fleet);
      // Each host reads back its own samples only.
      for (const id of [a, b]) {
        const back = raw.range(id, t0, t0 + 61 * 5000);
        expect(back.map((p) => p.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
        expect(back.map((p) => p.v.cpu)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      }
      // A commit writes the committing host's group, with whatever its neighbours hold.
      raw.add(a, wide(61, t0 + 61 * 5000, 1), t0);
      raw.add(b, wide(61, t0 + 61 * 5000, 1), t0);
      expect(raw.flush(a)).toBe(1);
      expect(raw.pendingCount).toBe(1);
      expect(raw.range(b, t0 + 61 * 5000, t0 + 61 * 5000)).toHaveLength(1);
    }, fleet);
  });

  it("still finds rows written under a smaller group count after the fleet grows", async () => {
    let hosts = 1;
    const stub = env.FLEET.get(env.FLEET.idFromName(`raw-${crypto.randomUUID()}`));
    await runInDurableObject(stub, (_obj, state) => {
      const sql = state.storage.sql;
      RawWindow.migrate(sql);
      const raw = new RawWindow(sql, { hostCount: () => hosts });
      const t0 = 1_700_000_000_000;
      raw.add("h1", wide(1, t0, 1, 10), t0);
      raw.flush();
      hosts = 10 * GROUP_HOSTS;
      raw.add("h1", wide(2, t0 + 5000, 1, 20), t0);
      raw.flush();
      expect(storedRows(sql).map((r) => r.groups)).toEqual([1, groupCount(hosts)]);
      // A restarted object reads both, and still refuses a replay of either.
      const again = new RawWindow(sql, { hostCount: () => hosts });
      expect(again.range("h1", t0, t0 + 5000).map((p) => p.v.cpu)).toEqual([10, 20]);
      expect(again.add("h1", wide(1, t0, 1, 10), t0)).toBe(false);
      expect(again.add("h1", wide(2, t0 + 5000, 1, 20), t0)).toBe(false);
      expect(again.add("h1", wide(3, t0 + 10_000, 1, 30), t0)).toBe(true);
    });
  });

  it("forgets a host: its parts leave shared rows, its neighbours' stay", async () => {
    await withWindow((raw, sql) => {
      const t0 = 1_700_000_000_000;
      raw.add("h1", wide(1, t0, 1, 10), t0);
      raw.add("h2", wide(1, t0, 1, 20), t0);
      raw.flush();
      raw.add("h1", wide(2, t0 + 5000, 1, 11), t0);
      raw.flush();
      raw.forget("h1");
      expect(segments(sql).map((p) => p.host)).toEqual(["h2"]);
      expect(raw.range("h1", t0, t0 + 5000)).toEqual([]);
      expect(raw.range("h2", t0, t0 + 5000).map((p) => p.v.cpu)).toEqual([20]);
    });
  });

  it("splits a replayed burst into rows under the size cap and reads every point back", async () => {
    await withWindow((raw, sql) => {
      const t0 = 1_700_000_000_000;
      const n = 3000;
      for (let i = 1; i <= n; i++) raw.add("h1", wide(i, t0 + i * 5000, 40, i % 100, 1e12), t0);
      raw.flush();

      const segs = segments(sql);
      expect(segs.length).toBeGreaterThan(1);
      for (const r of storedRows(sql)) expect(r.bytes).toBeLessThanOrEqual(SEGMENT_MAX_BYTES);
      expect(segs.reduce((a, s) => a + s.n, 0)).toBe(n);
      // Segments do not overlap in seq, so each seq is stored exactly once.
      for (let i = 1; i < segs.length; i++) {
        expect(segs[i]?.min_seq).toBeGreaterThan(segs[i - 1]?.max_seq ?? 0);
      }

      const back = raw.range("h1", t0, t0 + (n + 1) * 5000);
      expect(back.map((p) => p.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(back[41]?.v.cpu).toBe(42);
      expect(back[0]?.v["disk.used:/srv/volume-39"]).toBe(
        400_000_000_000 + 39 * 1_234_567 + jitter(1, 39, 1e12),
      );
    });
  });

  it("refuses a seq it already holds, pending or stored", async () => {
    await withWindow((raw, sql) => {
      const t0 = 1_700_000_000_000;
      expect(raw.add("h1", wide(7, t0, 1), t0)).toBe(true);
      expect(raw.add("h1", wide(7, t0, 1, 99), t0)).toBe(false);
      raw.flush();
      expect(raw.add("h1", wide(7, t0, 1, 99), t0)).toBe(false);
      expect(raw.add("h1", wide(3, t0 - 20_000, 1), t0)).toBe(true);
      raw.flush();
      expect(segments(sql).reduce((a, s) => a + s.n, 0)).toBe(2);
      expect(raw.range("h1", 0, t0).map((p) => p.v.cpu)).toEqual([40, 40]);
    });
  });

  it("reads one series alone, skipping samples without it", async () => {
    await withWindow((raw) => {
      const t0 = 1_700_000_000_000;
      raw.add("h1", { seq: 1, timeMs: t0, metrics: { load: { load1: 1, load5: 2, load15: 3 } } }, t0);
      raw.add("h1", wide(2, t0 + 5000, 1), t0);
      raw.flush();
      raw.add(
        "h1",
        { seq: 3, timeMs: t0 + 10_000, metrics: { load: { load1: 4, load5: 5, load15: 6 } } },
        t0,
      );
      expect(raw.range("h1", t0, t0 + 10_000, "load1")).toEqual([
        { seq: 1, t: t0, v: { load1: 1 } },
        { seq: 3, t: t0 + 10_000, v: { load1: 4 } },
      ]);
      expect(raw.range("h1", t0, t0 + 10_000, "cpu")).toEqual([{ seq: 2, t: t0 + 5000, v: { cpu: 40 } }]);
      expect(raw.range("h1", t0, t0 + 10_000, "nothing")).toEqual([]);
    });
  });

  it("keeps absent series absent rather than zero", async () => {
    await withWindow((raw) => {
      const t0 = 1_700_000_000_000;
      raw.add("h1", { seq: 1, timeMs: t0, metrics: { load: { load1: 1, load5: 2, load15: 3 } } }, t0);
      raw.add("h1", wide(2, t0 + 5000, 1), t0);
      raw.flush();
      const [a, b] = raw.range("h1", t0, t0 + 5000);
      expect(a?.v).toEqual({ load1: 1, load5: 2, load15: 3 });
      expect(b?.v.load1).toBeUndefined();
      expect(b?.v.cpu).toBe(40);
    });
  });

  it("stores segments as binary tables, every value and absence exact", async () => {
    await withWindow((raw, sql) => {
      const t0 = 1_700_000_000_000;
      raw.add("h1", { seq: 1, timeMs: t0, metrics: { load: { load1: 1.25, load5: 2, load15: 3 } } }, t0);
      raw.add("h1", wide(2, t0 + 5000, 1, 37.42), t0);
      raw.flush();
      const [row] = sql.exec<{ data: ArrayBuffer }>("SELECT data FROM raw_groups").toArray();
      const table = decodeTable(new Uint8Array(row?.data ?? new ArrayBuffer(0)));
      expect(table.t).toEqual([t0, t0 + 5000]);
      expect(table.cols.get(SEQ_COLUMN)).toEqual([1, 2]);
      expect(table.cols.get("load1")).toEqual([1.25, null]);
      expect(table.cols.get("cpu")).toEqual([null, 37.42]);
    });
  });

  it("reads segments written as JSON text before the binary format, and dedupes against them", async () => {
    await withWindow((raw, sql) => {
      const t0 = 1_700_000_000_000;
      // A row exactly as the JSON writer stored it: keys once, then [seq, t, ...values].
      sql.exec(
        "INSERT INTO raw_segments (host_id, min_t, max_t, min_seq, max_seq, points) VALUES (?, ?, ?, ?, ?, ?)",
        "h1",
        t0,
        t0 + 5000,
        1,
        2,
        JSON.stringify({
          k: ["cpu", "load1"],
          p: [
            [1, t0, 12.5, 0.75],
            [2, t0 + 5000, null, 1.5],
          ],
        }),
      );
      expect(raw.add("h1", wide(2, t0 + 5000, 1), t0)).toBe(false);
      expect(raw.add("h1", wide(3, t0 + 10_000, 1, 40), t0)).toBe(true);
      raw.flush();
      expect(raw.range("h1", t0, t0 + 10_000).map((p) => [p.seq, p.v.cpu, p.v.load1])).toEqual([
        [1, 12.5, 0.75],
        [2, undefined, 1.5],
        [3, 40, undefined],
      ]);
      expect(raw.range("h1", t0, t0 + 10_000, "load1").map((p) => p.v.load1)).toEqual([0.75, 1.5]);
    });
  });
});
