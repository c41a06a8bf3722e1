import { computed, type Signal, signal } from "@preact/signals";
import type { LiveHost } from "../../../worker/src/metrics/summary";
import { HEALTH_ORDER, type Health, hostHealth } from "./host-summary";
import { live } from "./live";
import { type Thresholds, thresholds } from "./thresholds";

/** How the fleet page lists hosts. Kept in signals so it survives a visit to a host page. */
export type ViewMode = "grid" | "table";
export type SortKey = "name" | "status" | "cpu" | "mem" | "disk";
export type SortDir = "asc" | "desc";
export type StatusFilter = Health | "all";

const VIEW_KEY = "fleetwatch.view";

function storedView(): ViewMode {
  try {
    return localStorage.getItem(VIEW_KEY) === "table" ? "table" : "grid";
  } catch {
    return "grid";
  }
}

export const viewMode = signal<ViewMode>(storedView());
export const sortKey = signal<SortKey>("status");
export const sortDir = signal<SortDir>("asc");
export const textFilter = signal("");
export const statusFilter = signal<StatusFilter>("all");

/** Switches the view and remembers it in this browser. */
export function setViewMode(mode: ViewMode): void {
  viewMode.value = mode;
  try {
    localStorage.setItem(VIEW_KEY, mode);
  } catch {
    // Storage disabled: the choice lasts for this page only.
  }
}

/** Sorts by a key; choosing the current key again flips the direction. Numbers start high. */
export function sortBy(key: SortKey): void {
  if (sortKey.peek() === key) {
    sortDir.value = sortDir.peek() === "asc" ? "desc" : "asc";
  } else {
    sortKey.value = key;
    sortDir.value = key === "name" || key === "status" ? "asc" : "desc";
  }
}

/** Whether a host matches the free-text filter: hostname, id or any label key/value (`env=prod`). */
export function matchesText(host: LiveHost, text: string): boolean {
  const q = text.trim().toLowerCase();
  if (!q) return true;
  if (host.info.hostname.toLowerCase().includes(q) || host.id.toLowerCase().includes(q)) return true;
  for (const [k, v] of Object.entries(host.info.labels ?? {})) {
    if (`${k}=${v}`.toLowerCase().includes(q)) return true;
  }
  return false;
}

// One collator for every comparison: `localeCompare` with options builds one per call, which
// made sorting 10,000 hosts take hundreds of milliseconds.
const collator = new Intl.Collator(undefined, { numeric: true });
const byName = (a: LiveHost, b: LiveHost) =>
  collator.compare(a.info.hostname, b.info.hostname) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Comparator for a sort key and direction. Hosts missing the value go last
 * in both directions; ties fall back to the name so the order is stable.
 */
export function compareHosts(
  key: SortKey,
  dir: SortDir,
  t: Thresholds,
): (a: LiveHost, b: LiveHost) => number {
  const sign = dir === "asc" ? 1 : -1;
  if (key === "name") return (a, b) => sign * byName(a, b);
  if (key === "status") {
    return (a, b) =>
      sign * (HEALTH_ORDER.indexOf(hostHealth(a, t)) - HEALTH_ORDER.indexOf(hostHealth(b, t))) ||
      byName(a, b);
  }
  return (a, b) => {
    const va = a.summary[key];
    const vb = b.summary[key];
    if (va === undefined || vb === undefined) {
      return (va === undefined ? 1 : 0) - (vb === undefined ? 1 : 0) || byName(a, b);
    }
    return sign * (va - vb) || byName(a, b);
  };
}

function sameOrder<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

let lastVisible: Signal<LiveHost>[] = [];

/**
 * The hosts to list, filtered and sorted. Returns the previous array when
 * the order did not change, so the list does not re-render for value-only
 * updates (each card re-renders itself from its own signal).
 */
export const visibleHosts = computed(() => {
  const t = thresholds.value;
  const text = textFilter.value;
  const status = statusFilter.value;
  const cmp = compareHosts(sortKey.value, sortDir.value, t);
  const rows: Signal<LiveHost>[] = [];
  for (const s of live.hosts.value.values()) {
    const h = s.value;
    if (status !== "all" && hostHealth(h, t) !== status) continue;
    if (!matchesText(h, text)) continue;
    rows.push(s);
  }
  rows.sort((a, b) => cmp(a.value, b.value));
  if (sameOrder(rows, lastVisible)) return lastVisible;
  lastVisible = rows;
  return rows;
});

/** Number of hosts in each health state, for the header. */
export const healthCounts = computed(() => {
  const t = thresholds.value;
  const counts: Record<Health, number> = { critical: 0, warning: 0, stale: 0, offline: 0, healthy: 0 };
  for (const s of live.hosts.value.values()) counts[hostHealth(s.value, t)]++;
  return counts;
});
