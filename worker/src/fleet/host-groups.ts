/**
 * Hosts of a fleet share DO SQLite rows in groups, so rows written scale
 * with the fleet's size over GROUP_HOSTS, not with its hosts: a raw segment
 * row holds the samples of every host of its group, a state row their live
 * state. Billing counts rows written, and at 5 s a row per host every few
 * minutes was most of a large fleet's bill.
 */

/** Hosts per group the fleet aims for: groups hold up to this many, about half of it after growth. */
export const GROUP_HOSTS = 16;

/**
 * Group count for a fleet of `hosts`: the smallest power of two that keeps
 * groups at GROUP_HOSTS or under. A power of two, so a fleet that grows
 * past one splits each group in two, and rows written under the old count
 * are still found (each row records the count it was written with).
 */
export function groupCount(hosts: number): number {
  let g = 1;
  while (g * GROUP_HOSTS < hosts) g *= 2;
  return g;
}

/** The group of a host among `groups`: FNV-1a of its id, stable across versions and restarts. */
export function groupOf(hostId: string, groups: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < hostId.length; i++) {
    h ^= hostId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % groups;
}
