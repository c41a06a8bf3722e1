import type { Role } from "../db/schema";
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

/** Per-socket state, kept in the socket's attachment so it survives hibernation. */
export interface SocketAttachment {
  v: 1;
  tokenId: string;
  role: Role;
  connectedAt: number;
}

/** Parses a dashboard message; undefined when it is not one we accept. */
export function parseLiveRequest(message: string | ArrayBuffer): LiveRequest | undefined {
  if (typeof message !== "string" || message.length > 1024) return undefined;
  try {
    const v: unknown = JSON.parse(message);
    if (typeof v === "object" && v !== null && (v as { type?: unknown }).type === "resync")
      return { type: "resync" };
  } catch {
    return undefined;
  }
  return undefined;
}
