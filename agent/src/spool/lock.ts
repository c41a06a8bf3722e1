import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const LOCK_FILE = "agent.pid";

/** Thrown when another live agent owns the spool directory. */
export class SpoolLockedError extends Error {}

/**
 * Claims `dir` for this process with a pid file. A lock left by a process
 * that no longer exists (kill -9, power loss) is taken over: two agents
 * appending to one spool would interleave seqs and corrupt it.
 */
export function acquireLock(dir: string): void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const pid = Number.parseInt(readFileSync(path, "utf8"), 10);
    if (pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new SpoolLockedError(
        `another fleetwatch-agent (pid ${pid}) uses the spool ${dir}: stop it or pass a different --spool-dir`,
      );
    }
    rmSync(path, { force: true });
  }
  throw new SpoolLockedError(`could not lock the spool ${dir}: remove ${path} if no agent is running`);
}

/** Removes the pid file if this process owns it. */
export function releaseLock(dir: string): void {
  const path = join(dir, LOCK_FILE);
  try {
    if (Number.parseInt(readFileSync(path, "utf8"), 10) === process.pid) rmSync(path, { force: true });
  } catch {
    // Already gone: nothing to release.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
