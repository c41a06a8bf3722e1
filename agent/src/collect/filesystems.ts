import { type StatsFs, statfs } from "node:fs";
import { cleanName, IS_LINUX, readText } from "./read";
import { si } from "./si";
import type { Collector, SamplePart } from "./types";

/** One line of /proc/mounts. */
export interface Mount {
  device: string;
  mount: string;
  fsType: string;
}

// Kernel and virtual filesystems: no disk behind them, or a view of one
// counted elsewhere. Matched on the type column of /proc/mounts.
const PSEUDO_FS = new Set([
  "autofs",
  "binfmt_misc",
  "bpf",
  "cgroup",
  "cgroup2",
  "configfs",
  "debugfs",
  "devfs",
  "devpts",
  "devtmpfs",
  "efivarfs",
  "fusectl",
  "fuse.gvfsd-fuse",
  "fuse.lxcfs",
  "fuse.portal",
  "hugetlbfs",
  "mqueue",
  "nfsd",
  "nsfs",
  "overlay",
  "proc",
  "pstore",
  "ramfs",
  "rpc_pipefs",
  "securityfs",
  "selinuxfs",
  "squashfs",
  "sysfs",
  "tmpfs",
  "tracefs",
]);

const MAX_FILESYSTEMS = 256;
/** A statfs slower than this (hung NFS) is skipped, and that mount left alone for a while. */
const STATFS_TIMEOUT_MS = 2_000;
const HUNG_RETRY_MS = 10 * 60_000;

/** Decodes the octal escapes /proc/mounts uses for space, tab, newline and backslash. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/**
 * Real filesystems from /proc/mounts: pseudo types are skipped, except an
 * overlay root (the root filesystem of a container is what its user watches),
 * and a device mounted twice (bind mounts) is listed once, at its first mount.
 */
export function parseMounts(text: string): Mount[] {
  const out: Mount[] = [];
  const devices = new Set<string>();
  const mounts = new Set<string>();
  for (const line of text.split("\n")) {
    const [dev, mnt, type] = line.split(" ");
    if (!dev || !mnt || !type) continue;
    const mount = unescapeMount(mnt);
    const fsType = type;
    if (PSEUDO_FS.has(fsType) && !(fsType === "overlay" && mount === "/")) continue;
    if (fsType.startsWith("cgroup")) continue;
    const device = unescapeMount(dev);
    const realDevice = device.startsWith("/") || device.includes(":");
    if ((realDevice && devices.has(device)) || mounts.has(mount)) continue;
    if (realDevice) devices.add(device);
    mounts.add(mount);
    out.push({ device, mount, fsType });
  }
  return out.slice(0, MAX_FILESYSTEMS);
}

// The callback form: node:fs/promises would load a dozen more modules for this one call.
function statfsAsync(path: string): Promise<StatsFs> {
  return new Promise((resolve, reject) => statfs(path, (err, s) => (err ? reject(err) : resolve(s))));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

async function linuxFilesystems(hung: Map<string, number>): Promise<SamplePart["filesystems"]> {
  const text = readText("/proc/mounts");
  if (text === undefined) return [];
  const now = Date.now();
  const rows = await Promise.all(
    parseMounts(text).map(async (m) => {
      const until = hung.get(m.mount);
      if (until !== undefined && until > now) return undefined;
      try {
        const s = await withTimeout(statfsAsync(m.mount), STATFS_TIMEOUT_MS);
        if (s === "timeout") {
          hung.set(m.mount, now + HUNG_RETRY_MS);
          return undefined;
        }
        hung.delete(m.mount);
        const size = s.blocks * s.bsize;
        if (size <= 0) return undefined;
        // "Used" as df(1) shows it: blocks not free, including root-reserved ones.
        const used = Math.min(size, (s.blocks - s.bfree) * s.bsize);
        return {
          mount: cleanName(m.mount, 1024),
          device: cleanName(m.device, 1024),
          fsType: cleanName(m.fsType),
          sizeBytes: BigInt(size),
          usedBytes: BigInt(used),
        };
      } catch {
        return undefined;
      }
    }),
  );
  return rows.filter((r) => r !== undefined);
}

async function otherFilesystems(): Promise<SamplePart["filesystems"]> {
  try {
    const list = await (await si()).fsSize();
    return list
      .filter((f) => f.size > 0 && !PSEUDO_FS.has(f.type.toLowerCase()))
      .slice(0, MAX_FILESYSTEMS)
      .map((f) => ({
        mount: f.mount,
        fsType: f.type,
        device: f.fs,
        sizeBytes: BigInt(Math.round(f.size)),
        usedBytes: BigInt(Math.round(Math.min(f.size, f.used))),
      }));
  } catch {
    return [];
  }
}

/** Size and usage of every real mounted filesystem. */
export function filesystemsCollector(): Collector {
  const hung = new Map<string, number>();
  return async () => {
    const filesystems = IS_LINUX ? await linuxFilesystems(hung) : await otherFilesystems();
    return filesystems && filesystems.length > 0 ? { filesystems } : {};
  };
}
