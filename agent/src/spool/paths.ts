import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Default spool directory when neither `--spool-dir` nor
 * `FLEETWATCH_SPOOL_DIR` is set: `/var/lib/fleetwatch-agent` for root, else
 * `$XDG_STATE_HOME/fleetwatch-agent`, else `~/.local/state/fleetwatch-agent`.
 */
export function defaultSpoolDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.getuid?.() === 0) return "/var/lib/fleetwatch-agent";
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, "fleetwatch-agent");
  return join(homedir(), ".local", "state", "fleetwatch-agent");
}
