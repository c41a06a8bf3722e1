import { loadavg } from "node:os";
import { IS_LINUX, readText } from "./read";
import type { Collector } from "./types";

/** Parses the first three fields of /proc/loadavg. */
export function parseLoadavg(text: string): [number, number, number] | undefined {
  const [a, b, c] = text.trim().split(/\s+/).map(Number);
  if (a === undefined || b === undefined || c === undefined) return undefined;
  if (![a, b, c].every((v) => Number.isFinite(v) && v >= 0)) return undefined;
  return [a, b, c];
}

/** Load average over 1, 5 and 15 minutes (absent on Windows, which has none). */
export function loadCollector(): Collector {
  return async () => {
    if (process.platform === "win32") return {};
    const text = IS_LINUX ? readText("/proc/loadavg") : undefined;
    const v = text === undefined ? loadavg() : parseLoadavg(text);
    if (!v) return {};
    const [load1, load5, load15] = v;
    return { load: { load1, load5, load15 } };
  };
}
