import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ROOT, wranglerEnv } from "./wrangler.ts";

const WRANGLER_JS = fileURLToPath(new URL("../../node_modules/wrangler/bin/wrangler.js", import.meta.url));

/**
 * The wrangler to run: the repository's own, or the command named by
 * `FLEETWATCH_WRANGLER` (looked up on PATH; tests point it at a fake).
 */
export function wranglerCommand(): { cmd: string; prefix: string[] } {
  const override = process.env.FLEETWATCH_WRANGLER;
  return override ? { cmd: override, prefix: [] } : { cmd: process.execPath, prefix: [WRANGLER_JS] };
}

/** Result of one command. */
export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs wrangler to completion and captures its output (never throws on a non-zero exit). */
export function runWrangler(args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
  const { cmd, prefix } = wranglerCommand();
  const res = spawnSync(cmd, [...prefix, ...args], {
    cwd: ROOT,
    env: wranglerEnv(env),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) throw new Error(`cannot run ${cmd}: ${res.error.message}`);
  return { status: res.status ?? 1, stdout: res.stdout, stderr: res.stderr };
}

/** Runs a command with the terminal attached (the build shows its own progress). */
export function runInherit(cmd: string, args: string[]): number {
  const res = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", env: process.env });
  if (res.error) throw new Error(`cannot run ${cmd}: ${res.error.message}`);
  return res.status ?? 1;
}

/** Renders a command line for the step log and for dry runs. */
export function showCommand(cmd: string, args: string[]): string {
  return [cmd, ...args]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`))
    .join(" ");
}
