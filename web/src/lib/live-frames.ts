import type { HostView, LiveFrame } from "../../../worker/src/metrics/types";

/**
 * Pure parts of the live store: parsing frames and coalescing them between
 * animation frames. Kept apart from the socket and signals so they can be
 * unit-tested without a DOM.
 */

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Cheap shape check: enough that rendering cannot throw on a malformed host. */
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

/** Parses a frame the hub sent; undefined for anything that is not a known, well-formed frame. */
export function parseFrame(text: string): LiveFrame | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(v) || typeof v.serverTime !== "number") return undefined;
  switch (v.type) {
    case "snapshot":
    case "hosts":
      return Array.isArray(v.hosts) && v.hosts.every(isHostView) ? (v as LiveFrame) : undefined;
    case "removed":
      return Array.isArray(v.hostIds) && v.hostIds.every((id) => typeof id === "string")
        ? (v as LiveFrame)
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
  snapshot: HostView[] | undefined;
  upserts: Map<string, HostView>;
  removals: Set<string>;
  serverTime: number | undefined;
}

export function emptyChanges(): PendingChanges {
  return { snapshot: undefined, upserts: new Map(), removals: new Set(), serverTime: undefined };
}

/** Folds one frame into the pending changes (mutates `p`). */
export function coalesce(p: PendingChanges, frame: LiveFrame): void {
  p.serverTime = frame.serverTime;
  switch (frame.type) {
    case "snapshot":
      p.snapshot = frame.hosts;
      p.upserts.clear();
      p.removals.clear();
      break;
    case "hosts":
      for (const h of frame.hosts) {
        p.removals.delete(h.id);
        p.upserts.set(h.id, h);
      }
      break;
    case "removed":
      for (const id of frame.hostIds) {
        p.upserts.delete(id);
        p.removals.add(id);
      }
      break;
  }
}

export function hasChanges(p: PendingChanges): boolean {
  return p.snapshot !== undefined || p.upserts.size > 0 || p.removals.size > 0;
}
