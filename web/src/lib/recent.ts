import { signal } from "@preact/signals";
import type { SERIES } from "../../../worker/src/metrics/catalog";
import { summaryOf } from "../../../worker/src/metrics/summary";
import type { HostView } from "../../../worker/src/metrics/types";

/** The live figures the host page draws as sparklines: catalog series -> label. */
export const TRENDS = {
  cpu: "CPU",
  mem: "Memory",
  load1: "Load 1m",
  "net.rx": "Net in",
  "net.tx": "Net out",
  "disk.read": "Disk read",
  "disk.write": "Disk write",
} as const satisfies Partial<Record<keyof typeof SERIES, string>>;

export type TrendKey = keyof typeof TRENDS;

const KEYS = Object.keys(TRENDS) as TrendKey[];

function figures(h: HostView): Record<TrendKey, number | undefined> {
  const s = summaryOf(h);
  return {
    cpu: s.cpu,
    mem: s.mem,
    load1: s.load1,
    "net.rx": s.rxBytesPerS,
    "net.tx": s.txBytesPerS,
    "disk.read": h.metrics.diskIo?.readBytesPerS,
    "disk.write": h.metrics.diskIo?.writeBytesPerS,
  };
}

/** One host's recent samples, as columns: sample times (Unix ms) and a value column per trend. */
export interface RecentSeries {
  t: number[];
  values: Record<TrendKey, (number | undefined)[]>;
}

function emptySeries(): RecentSeries {
  const values = Object.fromEntries(KEYS.map((k) => [k, []]));
  return { t: [], values: values as unknown as RecentSeries["values"] };
}

/** Points of a series as the hub's history routes give them (only `t` and `avg` are read). */
type HistoryPoints = Readonly<Record<string, readonly { t: number; avg: number }[]>>;

/**
 * The last few minutes of subscribed hosts' live figures: seeded from the
 * hub's raw window when the host page opens (`seed`), then one point per new
 * sample from the live feed (a repeated state adds nothing). Held in memory
 * only; the history charts cover everything older.
 */
export class RecentValues {
  /** Bumped with every change, for views to re-render on (the series themselves are mutated in place). */
  readonly changes = signal(0);
  readonly #hosts = new Map<string, RecentSeries>();
  /** Per seeded host: a live sample before this time is the newest seeded one again, and replaces it. */
  readonly #sameSampleBefore = new Map<string, number>();

  constructor(
    /** Points older than this before a host's newest are dropped. */
    readonly windowMs = 5 * 60_000,
    /** And at most this many points per host. */
    readonly maxPoints = 300,
  ) {}

  /**
   * Puts a host's recent history (series key -> points, bucketed at
   * `stepMs`) in front of the live points already held. Buckets start at or
   * before their sample and live points carry the time the hub received it:
   * a bucket within `stepMs` of the first live point holds that same sample,
   * which the live point already shows.
   */
  seed(id: string, history: HistoryPoints, stepMs: number): void {
    const r = this.#hosts.get(id) ?? emptySeries();
    this.#hosts.set(id, r);
    const firstLive = r.t[0];
    const times = new Set<number>();
    for (const k of KEYS) for (const p of history[k] ?? []) times.add(p.t);
    const older = [...times]
      .filter((t) => firstLive === undefined || t <= firstLive - stepMs)
      .sort((a, b) => a - b);
    if (older.length === 0) return;
    const at = new Map(older.map((t, i) => [t, i]));
    for (const k of KEYS) {
      const col: (number | undefined)[] = new Array(older.length).fill(undefined);
      for (const p of history[k] ?? []) {
        const i = at.get(p.t);
        if (i !== undefined) col[i] = p.avg;
      }
      r.values[k].unshift(...col);
    }
    r.t.unshift(...older);
    if (firstLive === undefined) this.#sameSampleBefore.set(id, (older[older.length - 1] ?? 0) + stepMs);
    this.#trim(r, r.t[r.t.length - 1] ?? 0);
    this.changes.value++;
  }

  /** Adds a host's state if it carries a sample newer than the last one kept. */
  record(h: HostView): void {
    if (!(h.lastSeen > 0)) return;
    let r = this.#hosts.get(h.id);
    if (!r) {
      r = emptySeries();
      this.#hosts.set(h.id, r);
    }
    const last = r.t[r.t.length - 1];
    if (last !== undefined && h.lastSeen <= last) return;
    const same = this.#sameSampleBefore.get(h.id);
    this.#sameSampleBefore.delete(h.id);
    if (same !== undefined && h.lastSeen < same) {
      r.t.pop();
      for (const k of KEYS) r.values[k].pop();
    }
    r.t.push(h.lastSeen);
    const f = figures(h);
    for (const k of KEYS) r.values[k].push(f[k]);
    this.#trim(r, h.lastSeen);
    this.changes.value++;
  }

  /** Drops points older than the window before `newest`, and beyond `maxPoints`. */
  #trim(r: RecentSeries, newest: number): void {
    let drop = Math.max(0, r.t.length - this.maxPoints);
    while (drop < r.t.length && (r.t[drop] ?? 0) < newest - this.windowMs) drop++;
    if (drop > 0) {
      r.t.splice(0, drop);
      for (const k of KEYS) r.values[k].splice(0, drop);
    }
  }

  /** A host's recent samples (empty when none were seen). */
  of(id: string): RecentSeries {
    return this.#hosts.get(id) ?? emptySeries();
  }

  forget(id: string): void {
    this.#hosts.delete(id);
    this.#sameSampleBefore.delete(id);
  }

  clear(): void {
    this.#hosts.clear();
    this.#sameSampleBefore.clear();
  }
}
