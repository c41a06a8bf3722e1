import type { Role } from "../db/schema";
import { MAX_SUBSCRIBED } from "../metrics/summary";
import type { HostView, LiveRequest } from "../metrics/types";

/**
 * Headers and paths between the Worker and the fleet DO. The Worker strips
 * any incoming copies of these headers before it sets them, so only an
 * authenticated request can carry them.
 */
export const INTERNAL = {
  fleet: "x-fleetwatch-fleet",
  tokenId: "x-fleetwatch-token-id",
  role: "x-fleetwatch-role",
  /** Set when the fleet is sharded: how many ingest shards it has. */
  shards: "x-fleetwatch-shards",
  livePath: "/__live",
} as const;

/** What an ingest shard tells the fleet's DO: hosts that changed (whole views) and hosts it forgot. */
export interface ShardUpdate {
  views: HostView[];
  removed: string[];
}

/** Which frames a dashboard socket gets: 1 = whole host states (older dashboards), 2 = the overview protocol. */
export type FrameProtocol = 1 | 2;

/** Per-socket state, kept in the socket's attachment so it survives hibernation and eviction. */
export interface SocketAttachment {
  v: 1;
  tokenId: string;
  role: Role;
  connectedAt: number;
  /** Absent on sockets accepted before the overview protocol: 1. */
  frames?: FrameProtocol;
  /** Hosts whose full state this socket subscribed to (overview protocol). */
  subscribed?: string[];
  /** The dashboard reads `alerts` frames (`/live?frames=2&alerts=1`); older ones would resync on them. */
  alerts?: boolean;
}

/** Host ids as a dashboard may send them: a short list of short strings. */
function hostIdList(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_SUBSCRIBED) return undefined;
  return v.every((id) => typeof id === "string" && id.length > 0 && id.length <= 128) ? v : undefined;
}

/** Parses a dashboard message; undefined when it is not one we accept. */
export function parseLiveRequest(message: string | ArrayBuffer): LiveRequest | undefined {
  if (typeof message !== "string" || message.length > 4096) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const { type, hostIds } = v as { type?: unknown; hostIds?: unknown };
  if (type === "resync") return { type };
  if (type === "subscribe" || type === "unsubscribe") {
    const ids = hostIdList(hostIds);
    return ids ? { type, hostIds: ids } : undefined;
  }
  return undefined;
}
