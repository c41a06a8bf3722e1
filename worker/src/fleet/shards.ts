/** Most ingest shards one fleet may be spread over. */
export const MAX_SHARDS = 64;

let warned = false;

/**
 * How many ingest shards each fleet uses, from the `FLEET_SHARDS` variable:
 * 1 (the default) keeps every host in the fleet's own Durable Object. A value
 * outside 1..64 counts as 1 and is reported once per isolate.
 */
export function shardCount(env: { FLEET_SHARDS?: string }): number {
  const raw = env.FLEET_SHARDS ?? "1";
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (Number.isInteger(n) && n >= 1 && n <= MAX_SHARDS) return n;
  if (!warned) {
    warned = true;
    console.error(
      `FLEET_SHARDS=${JSON.stringify(raw)} is not a whole number from 1 to ${MAX_SHARDS}; using 1`,
    );
  }
  return 1;
}

/** 32-bit FNV-1a of a string's UTF-16 code units: stable across isolates and releases. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The shard (0..n-1) that owns a host. */
export function shardOf(hostId: string, n: number): number {
  return n <= 1 ? 0 : fnv1a(hostId) % n;
}

/** The Durable Object name of shard `k` of a fleet (the coordinator is named by the fleet id alone). */
export function shardName(fleetId: string, k: number): string {
  return `${fleetId}#shard-${k}`;
}

/** The shard count the Worker put in a forwarded request (INTERNAL.shards); 1 when absent. */
export function shardsFromHeader(value: string | null): number {
  const n = Number(value ?? "1");
  return Number.isInteger(n) && n >= 1 && n <= MAX_SHARDS ? n : 1;
}
