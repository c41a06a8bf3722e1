import { freemem, totalmem } from "node:os";
import { IS_LINUX, readText } from "./read";
import { si } from "./si";
import type { Collector, SamplePart } from "./types";

/** Parses /proc/meminfo into bytes per key (values there are in kB). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m) out.set(m[1] as string, Number(m[2]) * (line.endsWith("kB") ? 1024 : 1));
  }
  return out;
}

/** Memory and swap groups from parsed /proc/meminfo. */
export function memoryFromMeminfo(info: Map<string, number>): SamplePart {
  const total = info.get("MemTotal");
  if (!total) return {};
  const free = info.get("MemFree") ?? 0;
  const buffers = info.get("Buffers") ?? 0;
  const cached = info.get("Cached");
  // MemAvailable exists since Linux 3.14; older kernels get the classic estimate.
  const available = Math.min(total, info.get("MemAvailable") ?? free + buffers + (cached ?? 0));
  const part: SamplePart = {
    memory: {
      totalBytes: BigInt(total),
      usedBytes: BigInt(total - available),
      availableBytes: BigInt(available),
      // Same as free(1)'s "cache" column: page cache plus reclaimable slab.
      cachedBytes: cached === undefined ? undefined : BigInt(cached + (info.get("SReclaimable") ?? 0)),
    },
  };
  const swapTotal = info.get("SwapTotal");
  const swapFree = info.get("SwapFree");
  if (swapTotal !== undefined && swapFree !== undefined) {
    part.swap = { totalBytes: BigInt(swapTotal), usedBytes: BigInt(Math.max(0, swapTotal - swapFree)) };
  }
  return part;
}

async function otherMemory(): Promise<SamplePart> {
  try {
    const m = await (await si()).mem();
    const available = Math.min(m.total, m.available);
    return {
      memory: {
        totalBytes: BigInt(m.total),
        usedBytes: BigInt(m.total - available),
        availableBytes: BigInt(available),
        cachedBytes: m.buffcache > 0 ? BigInt(m.buffcache) : undefined,
      },
      swap: { totalBytes: BigInt(m.swaptotal), usedBytes: BigInt(Math.min(m.swaptotal, m.swapused)) },
    };
  } catch {
    const total = totalmem();
    const available = Math.min(total, freemem());
    return {
      memory: {
        totalBytes: BigInt(total),
        usedBytes: BigInt(total - available),
        availableBytes: BigInt(available),
      },
    };
  }
}

/** Memory total/used/available/cached and swap total/used. */
export function memoryCollector(): Collector {
  return async () => {
    if (!IS_LINUX) return otherMemory();
    const text = readText("/proc/meminfo");
    return text === undefined ? {} : memoryFromMeminfo(parseMeminfo(text));
  };
}
