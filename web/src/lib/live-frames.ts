import type { AlertsFrame, LiveAlert } from "../../../worker/src/alerts/live-board";
import {
  decodeSummaries,
  type LiveEntry,
  type LiveHost,
  liveHostOf,
  type OverviewFrame,
  type SummariesFrame,
  type SummaryCodes,
} from "../../../worker/src/metrics/summary";
import type { HostView } from "../../../worker/src/metrics/types";

/**
 * Pure parts of the live store: parsing frames of the overview protocol,
 * holding the hosts' codes by index, and coalescing changes between
 * animation frames. Kept apart from the socket and signals so they can be
 * unit-tested without a DOM.
 */

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Cheap shape check: enough that rendering cannot throw on a malformed host. */
function isEntry(v: unknown): v is LiveEntry {
  return (
    isRecord(v) &&
    typeof v.i === "number" &&
    typeof v.id === "string" &&
    isRecord(v.info) &&
    typeof v.info.hostname === "string" &&
    isRecord(v.info.labels) &&
    isRecord(v.c) &&
    Object.values(v.c).every((c) => typeof c === "number")
  );
}

function isHostView(v: unknown): v is HostView {
  return (
    isRecord(v) &&
    typeof v.id === "string" &&
    isRecord(v.info) &&
    typeof v.info.hostname === "string" &&
    isRecord(v.metrics) &&
    typeof v.status === "string" &&
    typeof v.lastSeen === "number"
  );
}

function isLiveAlert(v: unknown): v is LiveAlert {
  return (
    isRecord(v) &&
    typeof v.id === "string" &&
    typeof v.hostId === "string" &&
    typeof v.host === "string" &&
    typeof v.rule === "string" &&
    (v.state === "firing" || v.state === "pending") &&
    (v.severity === "warning" || v.severity === "critical") &&
    typeof v.value === "number"
  );
}

/** A frame of the overview protocol: text frames parsed, binary summaries decoded. */
export type Frame = OverviewFrame | AlertsFrame | (SummariesFrame & { type: "summaries" });

/** Parses a frame the hub sent; undefined for anything that is not a known, well-formed frame. */
export function parseFrame(data: string | ArrayBuffer): Frame | undefined {
  if (typeof data !== "string") {
    try {
      return { type: "summaries", ...decodeSummaries(new Uint8Array(data)) };
    } catch {
      return undefined;
    }
  }
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isRecord(v) || typeof v.serverTime !== "number") return undefined;
  switch (v.type) {
    case "overview":
    case "entries":
      return typeof v.gen === "number" && Array.isArray(v.hosts) && v.hosts.every(isEntry)
        ? (v as Frame)
        : undefined;
    case "host":
      return typeof v.hostId === "string" && (v.host === null || isHostView(v.host))
        ? (v as Frame)
        : undefined;
    case "alerts":
      return (v.evaluatedAt === null || typeof v.evaluatedAt === "number") &&
        Array.isArray(v.alerts) &&
        v.alerts.every(isLiveAlert)
        ? (v as Frame)
        : undefined;
    case "removed":
      return Array.isArray(v.hostIds) && v.hostIds.every((id) => typeof id === "string")
        ? (v as Frame)
        : undefined;
    default:
      return undefined;
  }
}

/**
 * Frames received since the last paint, folded into their net effect: a
 * snapshot discards everything before it, and an id is either upserted or
 * removed, never both. Bounded by the number of hosts however long the tab
 * stays hidden (animation frames pause in background tabs).
 */
export interface PendingChanges {
  snapshot: LiveHost[] | undefined;
  upserts: Map<string, LiveHost>;
  removals: Set<string>;
  serverTime: number | undefined;
}

export function emptyChanges(): PendingChanges {
  return { snapshot: undefined, upserts: new Map(), removals: new Set(), serverTime: undefined };
}

export function hasChanges(p: PendingChanges): boolean {
  return p.snapshot !== undefined || p.upserts.size > 0 || p.removals.size > 0;
}

interface Held {
  id: string;
  info: LiveEntry["info"];
  codes: SummaryCodes;
}

/**
 * The overview as the hub last sent it: each host's codes by index, in the
 * generation of the last snapshot. Summaries frames name hosts by index and
 * carry only changed codes, so they apply here first; a frame of another
 * generation, or naming an index this side never heard of, means the two
 * sides disagree and only a snapshot can fix it.
 */
export class OverviewModel {
  gen: number | undefined;
  readonly #byIndex = new Map<number, Held>();
  readonly #indexOf = new Map<string, number>();

  /** Folds a frame (not `host`) into `p`. False when the store must ask for a snapshot. */
  apply(frame: Exclude<Frame, { type: "host" | "alerts" }>, p: PendingChanges): boolean {
    p.serverTime = frame.serverTime;
    switch (frame.type) {
      case "overview":
        this.gen = frame.gen;
        this.#byIndex.clear();
        this.#indexOf.clear();
        p.snapshot = frame.hosts.map((e) => this.#hold(e));
        p.upserts.clear();
        p.removals.clear();
        return true;
      case "entries":
        if (frame.gen !== this.gen) return false;
        for (const e of frame.hosts) {
          p.removals.delete(e.id);
          p.upserts.set(e.id, this.#hold(e));
        }
        return true;
      case "summaries":
        if (frame.gen !== this.gen) return false;
        for (const { index, codes } of frame.changes) {
          const h = this.#byIndex.get(index);
          if (!h) return false;
          Object.assign(h.codes, codes);
          p.upserts.set(h.id, liveHostOf(h.id, h.info, h.codes));
        }
        return true;
      case "removed":
        for (const id of frame.hostIds) {
          const i = this.#indexOf.get(id);
          if (i !== undefined) this.#byIndex.delete(i);
          this.#indexOf.delete(id);
          p.upserts.delete(id);
          p.removals.add(id);
        }
        return true;
    }
  }

  /** Forgets a host this dashboard deleted, before the hub's `removed` frame. */
  forget(id: string): void {
    const i = this.#indexOf.get(id);
    if (i !== undefined) this.#byIndex.delete(i);
    this.#indexOf.delete(id);
  }

  clear(): void {
    this.gen = undefined;
    this.#byIndex.clear();
    this.#indexOf.clear();
  }

  #hold(e: LiveEntry): LiveHost {
    const prev = this.#indexOf.get(e.id);
    if (prev !== undefined && prev !== e.i) this.#byIndex.delete(prev);
    this.#byIndex.set(e.i, { id: e.id, info: e.info, codes: { ...e.c } });
    this.#indexOf.set(e.id, e.i);
    return liveHostOf(e.id, e.info, e.c);
  }
}
