import { describe, expect, it } from "vitest";
import { hostIdFor } from "../../worker/src/fleet/host-id";
import { fnv1a, MAX_SHARDS, shardCount, shardName, shardOf } from "../../worker/src/fleet/shards";

/** Host ids as the hub derives them, for 10,000 machines. */
async function hostIds(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(
      await hostIdFor({ machineId: `machine-${i}`, hostname: `host-${i}` } as Parameters<
        typeof hostIdFor
      >[0]),
    );
  }
  return ids;
}

describe("host sharding", () => {
  it("hashes with 32-bit FNV-1a (published test vectors)", () => {
    expect([fnv1a(""), fnv1a("a"), fnv1a("foobar")]).toEqual([0x811c9dc5, 0xe40c292c, 0xbf9cf968]);
  });

  it("spreads 10,000 hosts within 10 % of even over up to 16 shards and 25 % over 64", async () => {
    const ids = await hostIds(10_000);
    for (const [n, tolerance] of [
      [2, 0.1],
      [4, 0.1],
      [16, 0.1],
      [64, 0.25],
    ] as const) {
      const counts = new Array<number>(n).fill(0);
      for (const id of ids) counts[shardOf(id, n)] = (counts[shardOf(id, n)] ?? 0) + 1;
      const mean = ids.length / n;
      expect(Math.min(...counts), `min of ${n}`).toBeGreaterThanOrEqual(mean * (1 - tolerance));
      expect(Math.max(...counts), `max of ${n}`).toBeLessThanOrEqual(mean * (1 + tolerance));
    }
  });

  it("puts every host on shard 0 of an unsharded fleet", async () => {
    expect(new Set((await hostIds(100)).map((id) => shardOf(id, 1)))).toEqual(new Set([0]));
  });

  it("reads FLEET_SHARDS as a whole number from 1 to 64, else 1", () => {
    expect(["1", "4", "64", " 8 "].map((v) => shardCount({ FLEET_SHARDS: v }))).toEqual([
      1,
      4,
      MAX_SHARDS,
      8,
    ]);
    expect(["0", "65", "2.5", "four", "", "-3"].map((v) => shardCount({ FLEET_SHARDS: v }))).toEqual([
      1, 1, 1, 1, 1, 1,
    ]);
    expect(shardCount({})).toBe(1);
  });

  it("names shard k of a fleet apart from the fleet's own object", () => {
    expect(shardName("acme", 3)).toBe("acme#shard-3");
  });
});
