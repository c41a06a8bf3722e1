import { RateTracker } from "./rate";
import { IS_LINUX, listDir, readText, round2 } from "./read";
import { si } from "./si";
import type { Collector } from "./types";

/** Cumulative bytes read and written. */
export interface DiskTotals {
  readBytes: number;
  writeBytes: number;
}

// Virtual block devices sit on top of real disks (dm, md) or hold no data
// worth counting (loop, ram, zram); counting them would double the I/O.
const VIRTUAL_DEVICE = /^(loop|ram|zram|dm-|md|nbd|sr|fd)/;
// Partitions repeat their disk's I/O; used only when /sys/block is unreadable.
const PARTITION = /^(sd[a-z]+\d+|vd[a-z]+\d+|xvd[a-z]+\d+|hd[a-z]+\d+|nvme\d+n\d+p\d+|mmcblk\d+p\d+)$/;

/**
 * Sums sectors read/written (always 512-byte units in /proc/diskstats) over
 * whole physical disks. `disks` is the content of /sys/block when readable.
 */
export function parseDiskstats(text: string, disks: ReadonlySet<string> | undefined): DiskTotals | undefined {
  let readBytes = 0;
  let writeBytes = 0;
  let seen = false;
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    const name = f[2];
    if (!name || f.length < 10 || VIRTUAL_DEVICE.test(name)) continue;
    if (disks ? !disks.has(name) : PARTITION.test(name)) continue;
    readBytes += Number(f[5]) * 512;
    writeBytes += Number(f[9]) * 512;
    seen = true;
  }
  return seen ? { readBytes, writeBytes } : undefined;
}

async function readTotals(): Promise<DiskTotals | undefined> {
  if (IS_LINUX) {
    const text = readText("/proc/diskstats");
    if (text === undefined) return undefined;
    const block = listDir("/sys/block");
    return parseDiskstats(text, block.length > 0 ? new Set(block) : undefined);
  }
  try {
    const s = await (await si()).fsStats();
    return s && s.rx != null && s.wx != null ? { readBytes: s.rx, writeBytes: s.wx } : undefined;
  } catch {
    return undefined;
  }
}

/** Disk read/write bytes per second across physical disks. */
export function diskCollector(): Collector {
  const rates = new RateTracker();
  return async (atMs) => {
    const t = await readTotals();
    if (!t) return {};
    const read = rates.rate("read", t.readBytes, atMs);
    const write = rates.rate("write", t.writeBytes, atMs);
    if (read === undefined || write === undefined) return {};
    return { diskIo: { readBytesPerS: round2(read), writeBytesPerS: round2(write) } };
  };
}
