// npm start: the whole product on this machine, no Cloudflare account needed.
// Local Worker + D1 + fleet DO + dashboard (wrangler dev), a local fleet, and
// an agent for this host streaming into it.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createFleetRow, createToken, fleetExists } from "./lib/fleets.ts";
import { startLocalCron } from "./lib/local-cron.ts";
import { applyMigrations, type D1Target, ROOT, spawnWrangler } from "./lib/wrangler.ts";

const PORT = Number(process.env.PORT ?? 8787);
const HOST = "127.0.0.1";
const HUB = `http://${HOST}:${PORT}`;
const FLEET = "local";
const STATE_DIR = join(ROOT, ".fleetwatch");
const TOKENS_FILE = join(STATE_DIR, "local-tokens.json");
const local: D1Target = { remote: false };

interface LocalTokens {
  agent: string;
  admin: string;
}

const children: ChildProcess[] = [];

function step(msg: string): void {
  console.log(`[fleetwatch] ${msg}`);
}

function stopAll(code: number): never {
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  process.exit(code);
}

async function localTokens(): Promise<LocalTokens> {
  if (existsSync(TOKENS_FILE) && fleetExists(local, FLEET)) {
    return JSON.parse(readFileSync(TOKENS_FILE, "utf8")) as LocalTokens;
  }
  if (!fleetExists(local, FLEET)) createFleetRow(local, FLEET, "Local fleet");
  const tokens: LocalTokens = {
    agent: (await createToken(local, FLEET, "agent", "local agent")).secret,
    admin: (await createToken(local, FLEET, "admin", "local dashboard")).secret,
  };
  mkdirSync(STATE_DIR, { recursive: true });
  // Local development secrets only; the directory is git-ignored.
  writeFileSync(TOKENS_FILE, JSON.stringify(tokens), { mode: 0o600 });
  return tokens;
}

async function waitForHealth(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${HUB}/health`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the local hub did not answer on ${HUB}/health within ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  step("building the dashboard and the agent");
  const build = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  if (build.status !== 0) throw new Error("build failed");

  step("applying D1 migrations to local state");
  applyMigrations(local);
  const tokens = await localTokens();

  step(`starting the hub (wrangler dev) on ${HUB}`);
  const dev = spawnWrangler(["dev", "--ip", HOST, "--port", String(PORT), "--persist-to", ".wrangler/state"]);
  children.push(dev);
  dev.stdout?.on("data", (d: Buffer) => process.stdout.write(`[hub] ${d}`));
  dev.stderr?.on("data", (d: Buffer) => process.stderr.write(`[hub] ${d}`));
  dev.on("exit", (code) => {
    step(`hub exited (${code})`);
    stopAll(code ?? 1);
  });
  await waitForHealth(60_000);
  // wrangler dev runs no cron: drive the minute cron (alert rules, deliveries, pruning) from here.
  startLocalCron(HUB);
  step("running the minute cron locally (alert rules and notifications), as Cloudflare does in production");

  step("starting an agent for this host");
  const agent = spawn(
    process.execPath,
    [
      join(ROOT, "agent/dist/cli.js"),
      "--hub",
      HUB,
      "--label",
      "env=local",
      "--spool-dir",
      join(STATE_DIR, "spool"),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, FLEETWATCH_TOKEN: tokens.agent },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  children.push(agent);

  console.log(`\n  Dashboard: ${HUB}/?token=${tokens.admin}\n  (Ctrl-C stops everything)\n`);
}

process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));
main().catch((e: unknown) => {
  console.error(`[fleetwatch] ${e instanceof Error ? e.message : String(e)}`);
  stopAll(1);
});
