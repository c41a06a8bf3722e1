import { uptime } from "node:os";
import { IS_LINUX, readText, round2 } from "./read";
import type { Collector } from "./types";

/** Seconds since boot. */
export function uptimeCollector(): Collector {
  return async () => {
    const text = IS_LINUX ? readText("/proc/uptime") : undefined;
    const v = text === undefined ? uptime() : Number(text.split(" ")[0]);
    return Number.isFinite(v) && v >= 0 ? { uptimeS: round2(v) } : {};
  };
}
