import { diskPct, memoryPct } from "../../../worker/src/metrics/catalog";
import type { HostView } from "../../../worker/src/metrics/types";
import { type Level, levelOf, type Thresholds, worstLevel } from "./thresholds";

/** What a host's badge says: its status when not online, else its worst utilisation level. */
export type Health = "healthy" | "warning" | "critical" | "stale" | "offline";

/** Order used when sorting by status and listing counts: the most urgent first. */
export const HEALTH_ORDER: readonly Health[] = ["critical", "warning", "stale", "offline", "healthy"];

/** The scalar values the fleet views show for a host; absent when the host never reported them. */
export interface HostSummary {
  cpu: number | undefined;
  mem: number | undefined;
  disk: number | undefined;
  load1: number | undefined;
  rxBytesPerS: number | undefined;
  txBytesPerS: number | undefined;
  procs: number | undefined;
  uptimeS: number | undefined;
}

// Frames replace HostView objects wholesale, so an object's summary never changes.
const cache = new WeakMap<HostView, HostSummary>();

/** Summary of a host, computed once per received state. */
export function summarize(host: HostView): HostSummary {
  let s = cache.get(host);
  if (s) return s;
  const m = host.metrics;
  let rx: number | undefined;
  let tx: number | undefined;
  for (const n of m.net ?? []) {
    rx = (rx ?? 0) + n.rxBytesPerS;
    tx = (tx ?? 0) + n.txBytesPerS;
  }
  s = {
    cpu: m.cpu?.totalPct,
    mem: memoryPct(m),
    disk: diskPct(m),
    load1: m.load?.load1,
    rxBytesPerS: rx,
    txBytesPerS: tx,
    procs: m.processes?.total,
    uptimeS: m.uptimeS,
  };
  cache.set(host, s);
  return s;
}

/** Worst of cpu, memory and disk against the thresholds. */
export function utilisationLevel(s: HostSummary, t: Thresholds): Level {
  return worstLevel(worstLevel(levelOf(s.cpu, t.cpu), levelOf(s.mem, t.mem)), levelOf(s.disk, t.disk));
}

/**
 * A stale or offline host shows that status whatever its last values were:
 * old numbers must not look like a live warning or a live all-clear.
 */
export function hostHealth(host: HostView, t: Thresholds): Health {
  if (host.status !== "online") return host.status === "stale" ? "stale" : "offline";
  const level = utilisationLevel(summarize(host), t);
  return level === "ok" ? "healthy" : level;
}
