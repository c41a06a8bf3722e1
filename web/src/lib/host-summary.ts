import type { LiveHost } from "../../../worker/src/metrics/summary";

/** What a host's badge says: its status when not online, else its worst firing alert. */
export type Health = "healthy" | "warning" | "critical" | "stale" | "offline";

/** Order used when sorting by status and listing counts: the most urgent first. */
export const HEALTH_ORDER: readonly Health[] = ["critical", "warning", "stale", "offline", "healthy"];

export type { HostSummary } from "../../../worker/src/metrics/summary";

/** Severity of a host's worst firing alert. */
export type AlertLevel = "warning" | "critical";
/** Host id -> its worst firing alert's severity (hosts with none are absent). */
export type AlertLevels = ReadonlyMap<string, AlertLevel>;

/** Each host's worst firing alert, from the fleet's open alerts (pending ones do not count). */
export function alertLevelsOf(
  alerts: readonly { hostId: string; state: string; severity: AlertLevel }[] | undefined,
): AlertLevels {
  const out = new Map<string, AlertLevel>();
  for (const a of alerts ?? []) {
    if (a.state !== "firing" || out.get(a.hostId) === "critical") continue;
    out.set(a.hostId, a.severity);
  }
  return out;
}

/**
 * A host's badge. A stale or offline host shows that status whatever its
 * last values were; an online one shows its worst firing alert, the same
 * alerts the alerts page lists (the hub evaluates them), else healthy. The
 * bars beside it are coloured by the rules' thresholds, which is not an alert.
 */
export function hostHealth(host: Pick<LiveHost, "id" | "status">, levels: AlertLevels): Health {
  if (host.status !== "online") return host.status === "stale" ? "stale" : "offline";
  return levels.get(host.id) ?? "healthy";
}
