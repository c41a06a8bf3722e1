import type { HostSummary, LiveHost } from "../../../worker/src/metrics/summary";
import { type Level, levelOf, type Thresholds, worstLevel } from "./thresholds";

/** What a host's badge says: its status when not online, else its worst utilisation level. */
export type Health = "healthy" | "warning" | "critical" | "stale" | "offline";

/** Order used when sorting by status and listing counts: the most urgent first. */
export const HEALTH_ORDER: readonly Health[] = ["critical", "warning", "stale", "offline", "healthy"];

export type { HostSummary } from "../../../worker/src/metrics/summary";

/** Worst of cpu, memory and disk against the thresholds. */
export function utilisationLevel(s: HostSummary, t: Thresholds): Level {
  return worstLevel(worstLevel(levelOf(s.cpu, t.cpu), levelOf(s.mem, t.mem)), levelOf(s.disk, t.disk));
}

/**
 * A stale or offline host shows that status whatever its last values were:
 * old numbers must not look like a live warning or a live all-clear.
 */
export function hostHealth(host: Pick<LiveHost, "status" | "summary">, t: Thresholds): Health {
  if (host.status !== "online") return host.status === "stale" ? "stale" : "offline";
  const level = utilisationLevel(host.summary, t);
  return level === "ok" ? "healthy" : level;
}
