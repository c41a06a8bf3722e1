import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFleetRow, createToken, type Role } from "../../scripts/lib/fleets.ts";
import { type LocalCron, startLocalCron } from "../../scripts/lib/local-cron.ts";
import { applyMigrations, type D1Target, spawnWrangler } from "../../scripts/lib/wrangler.ts";

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** A real `wrangler dev` hub on a random loopback port with its own state directory. */
export interface Hub {
  url: string;
  port: number;
  /** The inspector port of the Worker's isolate (V8 CPU profiles: bench/lib/profile.ts). */
  inspectorPort: number;
  state: string;
  d1: D1Target;
  log: () => string;
  /** Creates a fleet with one token per role. */
  fleet(id: string): Promise<Record<Role, string>>;
  /** Stops the hub; `keepState` lets a restart find the same data. */
  stop(): Promise<void>;
  /** Starts the hub again on the same port and state. */
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

async function waitHealthy(
  url: string,
  child: ChildProcess,
  out: () => string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${out()}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`hub not healthy after ${timeoutMs} ms:\n${out()}`);
}

/** Options of `startHub`. */
export interface HubOptions {
  /** Extra Worker variables, passed as `wrangler dev --var KEY:VALUE`. */
  vars?: Record<string, string>;
  /** Drive the minute cron as `npm start` does (off: a test triggers it when it wants). */
  cron?: boolean;
  /** Extra `wrangler dev` arguments, e.g. `--config` of a variant of wrangler.toml. */
  args?: string[];
}

/** Starts a hub; migrations are applied to its fresh state first. */
export async function startHub(opts: HubOptions = {}): Promise<Hub> {
  const state = mkdtempSync(join(tmpdir(), "fleetwatch-e2e-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const d1: D1Target = { remote: false, persistTo: state };
  applyMigrations(d1);
  let output = "";
  let child: ChildProcess | undefined;
  const inspectorPort = await freePort();

  const launch = async () => {
    const c = spawnWrangler([
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      state,
      "--inspector-port",
      String(inspectorPort),
      "--show-interactive-dev-session=false",
      ...Object.entries(opts.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
      ...(opts.args ?? []),
    ]);
    c.stdout?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    c.stderr?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child = c;
    await waitHealthy(url, c, () => output);
    if (opts.cron)
      cron = startLocalCron(url, (m) => {
        output += `${m}\n`;
      });
  };

  let cron: LocalCron | undefined;
  const stop = async () => {
    cron?.stop();
    cron = undefined;
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGTERM");
      setTimeout(() => c.kill("SIGKILL"), 5000).unref();
    });
  };

  await launch();
  return {
    url,
    port,
    inspectorPort,
    state,
    d1,
    log: () => output,
    async fleet(id) {
      createFleetRow(d1, id, id);
      const out = {} as Record<Role, string>;
      for (const role of ["agent", "viewer", "admin"] as const) {
        out[role] = (await createToken(d1, id, role, `${role} token`)).secret;
      }
      return out;
    },
    stop,
    restart: launch,
    async dispose() {
      await stop();
      rmSync(state, { recursive: true, force: true });
    },
  };
}
