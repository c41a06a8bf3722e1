import type { HostStatus } from "../metrics/types";

/** Heartbeat deadline: a host is stale after this many missed intervals. */
export const STALE_AFTER_INTERVALS = 3;
/** A host silent for longer than the raw window is shown offline. */
export const OFFLINE_AFTER_MS = 24 * 3600_000;

/** Computes a host's status from its last sample and interval. */
export function hostStatus(lastSeen: number, intervalS: number, now: number): HostStatus {
  if (lastSeen === 0 || now - lastSeen > OFFLINE_AFTER_MS) return "offline";
  return now - lastSeen > STALE_AFTER_INTERVALS * Math.max(1, intervalS) * 1000 ? "stale" : "online";
}
