import { closeSync, openSync, readdirSync, readSync } from "node:fs";

/** True where the /proc and /sys readers apply; elsewhere collectors use systeminformation. */
export const IS_LINUX = process.platform === "linux";

/** One buffer for every kernel file read: the agent reads dozens per tick. */
const READ_BUFFER = Buffer.allocUnsafeSlow(16 * 1024);

/**
 * Reads a small kernel file, or `undefined` if it does not exist or cannot be
 * read (a missing metric is absent, not an error). Synchronous on purpose:
 * /proc and /sys reads never touch a disk, and skipping the thread pool hop
 * keeps the agent's CPU cost down. Reads through one reused buffer, where
 * `readFileSync` would allocate 64 KiB for every file whose size the kernel
 * reports as 0 (all of /proc).
 */
export function readText(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    let text = "";
    for (;;) {
      const n = readSync(fd, READ_BUFFER, 0, READ_BUFFER.length, null);
      if (n === 0) return text;
      text += READ_BUFFER.toString("latin1", 0, n);
    }
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Directory entries, or an empty list if the directory cannot be read. */
export function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** Rounds to 2 decimals: sub-0.01 precision is noise and bloats JSON views. */
export function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Clamps a percentage computed from counters into 0..100 (jiffy rounding can overshoot). */
export function pct(v: number): number {
  return round2(Math.min(100, Math.max(0, v)));
}

/** The characters the hub refuses in names (worker/src/http/text.ts CONTROL_CHARS): controls, zero-width, bidi. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * Makes a kernel-provided name safe for the wire: the hub rejects a whole
 * sample over one control character (a process may name itself "a\nb"), and
 * over names longer than its limit.
 */
export function cleanName(s: string, max = 256): string {
  return s.replace(CONTROL, "?").slice(0, max);
}
