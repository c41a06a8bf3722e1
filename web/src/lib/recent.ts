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

/**
 * The last few minutes of every host's live figures, as they arrive on the
 * live feed (one point per new sample; a repeated state adds nothing). Held
 * in memory only, so the host page's sparklines start from what this tab
 * has seen; the history charts cover everything older.
 */
export class RecentValues {
  readonly #hosts = new Map<string, RecentSeries>();

  constructor(
    /** Points older than this before a host's newest are dropped. */
    readonly windowMs = 10 * 60_000,
    /** And at most this many points per host. */
    readonly maxPoints = 300,
  ) {}

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
    r.t.push(h.lastSeen);
    const f = figures(h);
    for (const k of KEYS) r.values[k].push(f[k]);
    let drop = Math.max(0, r.t.length - this.maxPoints);
    while (drop < r.t.length && (r.t[drop] ?? 0) < h.lastSeen - this.windowMs) drop++;
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
  }

  clear(): void {
    this.#hosts.clear();
  }
}
