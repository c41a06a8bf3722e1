import { fnv1a } from "../fleet/shards";

/**
 * Which D1 database holds a fleet's (or a host's) rollups: pure choices,
 * made once and then recorded in the primary database (`history.ts`), so
 * adding a database never moves history that is already written.
 *
 * A D1 database is capped at 10 GB, about 470 hosts' rollups at default
 * retention (docs/BENCHMARKS.md, storage density), so history spreads over
 * the primary `DB` and extra databases bound as `HISTORY_1`, `HISTORY_2`, …
 */

/** The primary database's binding: fleets, tokens, alerts and the placement record live there. */
export const PRIMARY_DB = "DB";

/** Bindings of the extra history databases. */
const HISTORY_BINDING = /^HISTORY_[1-9][0-9]{0,3}$/;

/**
 * A fleet's hosts are placed in the fleet's database until this many of
 * them are placed; later hosts are placed one by one, so a very large fleet
 * spreads over every open database instead of filling one (100 hosts are
 * about a fifth of a database at default retention).
 */
export const HOSTS_WITH_FLEET = 100;

/** Whether a binding name is one history may live in: `DB` or `HISTORY_<n>`. */
export function isHistoryBinding(name: string): boolean {
  return name === PRIMARY_DB || HISTORY_BINDING.test(name);
}

/** The history databases among binding names: `DB` first, then `HISTORY_<n>` by n. */
export function historyBindings(names: Iterable<string>): string[] {
  const n = (name: string) => (name === PRIMARY_DB ? 0 : Number(name.slice("HISTORY_".length)));
  return [...new Set(names)].filter(isHistoryBinding).sort((a, b) => n(a) - n(b));
}

/**
 * The databases new fleets and hosts may be placed in. `setting` is the
 * `HISTORY_OPEN` variable: a comma- or space-separated list of bindings;
 * empty means every `HISTORY_<n>`, or `DB` when there is none (the primary
 * then stops taking new history once a history database exists, so it
 * keeps room for what only it holds). Throws when the list names a binding
 * that is not a bound history database, or names none: a placement must
 * never be guessed.
 */
export function openDatabases(bound: readonly string[], setting: string | undefined): string[] {
  const listed = [...new Set((setting ?? "").split(/[\s,]+/).filter((s) => s !== ""))];
  if (listed.length === 0) {
    const extra = bound.filter((b) => b !== PRIMARY_DB);
    return extra.length > 0 ? extra : [PRIMARY_DB];
  }
  for (const name of listed) {
    if (!bound.includes(name)) {
      throw new Error(
        `HISTORY_OPEN names ${name}, which is not a bound history database (bound: ${bound.join(", ")})`,
      );
    }
  }
  return listed;
}

/** murmur3's 32-bit finaliser: FNV-1a alone leaves keys that differ in their last characters close. */
function mix(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * The database a key hashes to among `candidates`: rendezvous hashing (the
 * candidate with the highest hash of key and name). It does not depend on
 * the order of the list, and adding a database only ever changes a key's
 * choice to the new database.
 */
export function pickDatabase(key: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestScore = -1;
  for (const name of candidates) {
    const score = mix(fnv1a(`${name}\u0000${key}`));
    if (score > bestScore || (score === bestScore && best !== undefined && name < best)) {
      best = name;
      bestScore = score;
    }
  }
  if (best === undefined) throw new Error("no database is open to new history");
  return best;
}

/** Where a fleet's history goes: where it was recorded, else where its id hashes among `open`. */
export function placeFleet(fleetId: string, recorded: string | undefined, open: readonly string[]): string {
  return recorded ?? pickDatabase(fleetId, open);
}

/** What placing one host depends on. */
export interface HostPlacement {
  fleetId: string;
  hostId: string;
  /** The host's recorded database, if it has one: it always wins. */
  recorded: string | undefined;
  /** The fleet's database (see `placeFleet`). */
  fleetDatabase: string;
  /** Hosts of the fleet placed so far. */
  hostsPlaced: number;
  open: readonly string[];
}

/**
 * Where a host's history goes: where it was recorded; else with its fleet
 * while the fleet has fewer than `HOSTS_WITH_FLEET` hosts placed and its
 * database is still open; else where the host hashes among `open`.
 */
export function placeHost(p: HostPlacement): string {
  if (p.recorded !== undefined) return p.recorded;
  if (p.hostsPlaced < HOSTS_WITH_FLEET && p.open.includes(p.fleetDatabase)) return p.fleetDatabase;
  return pickDatabase(`${p.fleetId}/${p.hostId}`, p.open);
}
