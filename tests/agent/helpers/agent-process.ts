import { type ChildProcess, execSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, "../../..");
/** The built agent: its bin, and the bundle the bin loads. */
export const AGENT_CLI = join(ROOT, "agent/dist/cli.js");
const AGENT_MAIN = join(ROOT, "agent/dist/main.js");

/**
 * Builds the agent if `agent/dist` is missing or incomplete (`npm test` builds
 * first; this covers running vitest alone). A lock directory keeps parallel
 * test files from building at once.
 */
export async function ensureBuilt(): Promise<void> {
  const built = () => existsSync(AGENT_CLI) && existsSync(AGENT_MAIN);
  if (built()) return;
  const lock = join(ROOT, "agent/.build-lock");
  try {
    mkdirSync(lock);
  } catch {
    while (!built()) await new Promise((r) => setTimeout(r, 200));
    return;
  }
  try {
    execSync("npm run build -w agent", { cwd: ROOT, stdio: "ignore" });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const created: string[] = [];
process.on("exit", () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory (for a spool), removed when the test process exits. */
export function tempDir(prefix = "fw-agent-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** A running agent process and everything it printed to stderr. */
export interface AgentProcess {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  /** Waits until stderr contains `text` (or matches), failing after `timeoutMs`. */
  waitFor: (text: string | RegExp, timeoutMs?: number) => Promise<void>;
}

/** Spawns the built agent with Node 22 (this test's own runtime) and the given args and environment. */
export function startAgent(args: string[], env: Record<string, string> = {}): AgentProcess {
  const child = spawn(process.execPath, [AGENT_CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  let out = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    err += d;
  });
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  const exited = new Promise<number | string>((res) =>
    child.on("exit", (code, signal) => res(code ?? signal ?? "unknown")),
  );
  const waitFor = async (text: string | RegExp, timeoutMs = 20_000) => {
    const until = Date.now() + timeoutMs;
    const has = () => (typeof text === "string" ? err.includes(text) : text.test(err));
    while (!has()) {
      if (Date.now() > until) throw new Error(`agent never printed ${text}; stderr:\n${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, stderr: () => err, stdout: () => out, exited, waitFor };
}

/** Polls `cond` every 100 ms until true, failing with `what` after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
