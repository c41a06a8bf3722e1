import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findD1Blocks, sharedDatabaseIds } from "./deploy-toml.ts";

/** Repository root. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Local state (D1, DO storage) shared by migrations, `wrangler dev` and the fleet CLI. */
export const PERSIST_DIR = ".wrangler/state";
/**
 * The D1 binding from wrangler.toml. D1 commands name the binding, not the
 * database, so `--env staging` resolves to that environment's database.
 */
export const DB_BINDING = "DB";

const WRANGLER = fileURLToPath(new URL("../../node_modules/wrangler/bin/wrangler.js", import.meta.url));

/** Environment that keeps wrangler offline and quiet. */
export function wranglerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_HIDE_BANNER: "true",
    ...extra,
  };
}

/** Runs wrangler to completion; throws with its output on failure. */
export function wrangler(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  const res = spawnSync(process.execPath, [WRANGLER, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: wranglerEnv(opts.env),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.status !== 0) {
    throw new Error(`wrangler ${args.join(" ")} failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
  }
  return res.stdout;
}

/** Starts a long-running wrangler (e.g. `dev`). */
export function spawnWrangler(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ChildProcess {
  return spawn(process.execPath, [WRANGLER, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: wranglerEnv(opts.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Where a D1 command runs: local state, or the deployed database. */
export interface D1Target {
  remote: boolean;
  env?: string;
  persistTo?: string;
  cwd?: string;
}

function targetArgs(t: D1Target): string[] {
  const args = t.remote ? ["--remote"] : ["--local", "--persist-to", t.persistTo ?? PERSIST_DIR];
  if (t.env) args.push("--env", t.env);
  return args;
}

/**
 * The D1 bindings of the wrangler.toml in `cwd` (the environment's when
 * given): `DB` and every history database.
 */
export function d1Bindings(t: Pick<D1Target, "cwd" | "env">): string[] {
  const toml = readFileSync(join(t.cwd ?? ROOT, "wrangler.toml"), "utf8");
  const blocks = findD1Blocks(toml, t.env);
  const shared = sharedDatabaseIds(blocks);
  if (shared) {
    console.warn(
      `wrangler.toml: ${shared}: locally they are one database; give each a placeholder of its own`,
    );
  }
  return blocks.length > 0 ? blocks.map((b) => b.binding) : [DB_BINDING];
}

/** Applies D1 migrations to every database of the config, as `npm run deploy` does remotely. */
export function applyMigrations(t: D1Target): void {
  for (const binding of d1Bindings(t)) {
    wrangler(["d1", "migrations", "apply", binding, ...targetArgs(t)], { cwd: t.cwd, env: { CI: "true" } });
  }
}

/** Runs SQL against D1 and returns the result rows of the last statement. */
export function d1(t: D1Target, sql: string): Record<string, unknown>[] {
  const out = wrangler(["d1", "execute", DB_BINDING, ...targetArgs(t), "--json", "--command", sql], {
    cwd: t.cwd,
  });
  const parsed: unknown = JSON.parse(out.slice(out.indexOf("[")));
  if (!Array.isArray(parsed)) throw new Error(`unexpected wrangler output: ${out.slice(0, 200)}`);
  const last = parsed[parsed.length - 1] as { results?: Record<string, unknown>[] } | undefined;
  return last?.results ?? [];
}

/** Quotes a value for SQL text (the values here are generated or validated, never raw input). */
export function sqlString(v: string): string {
  return `'${v.replaceAll("'", "''")}'`;
}
