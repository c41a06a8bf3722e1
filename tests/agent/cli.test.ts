import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_CLI, ensureBuilt, ROOT, tempDir } from "./helpers/agent-process";
import { FakeHub } from "./helpers/fake-hub";

const run = promisify(execFile);

/** Runs the built CLI to completion; never throws, returns code and output. */
async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [AGENT_CLI, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: tempDir(), ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let hub: FakeHub;
beforeAll(async () => {
  await ensureBuilt();
  hub = await new FakeHub().start();
});
afterAll(() => hub.stop());

describe("fleetwatch-agent CLI", () => {
  it("prints one full sample as JSON with --once --json, without hub or token", async () => {
    const r = await cli(["--once", "--json"]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.cpu.totalPct).toBeGreaterThanOrEqual(0);
    expect(Number(s.memory.totalBytes)).toBeGreaterThan(0);
    expect(s.filesystems.some((f: { mount: string }) => f.mount === "/")).toBe(true);
    expect(s.processes.topMemory.length).toBeGreaterThan(0);
  });

  it("exits 2 with one line naming the fix when the interval is out of range", async () => {
    const r = await cli(["--interval", "0"], { FLEETWATCH_HUB: hub.url, FLEETWATCH_TOKEN: "t" });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/interval .* 1 to 300 .*--interval/);
  });

  it("exits 2 telling the user to set FLEETWATCH_TOKEN when the token is missing", async () => {
    const r = await cli([], { FLEETWATCH_HUB: hub.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing agent token: .*FLEETWATCH_TOKEN/);
  });

  it("prints a systemd unit with install-service --dry-run and keeps the token out of it", async () => {
    const r = await cli(["install-service", "--dry-run", "--label", "env=prod"], {
      FLEETWATCH_HUB: "https://hub.example.com",
      FLEETWATCH_TOKEN: "secret-token",
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[Service]");
    expect(r.stdout).toMatch(/^ExecStart=\S*node\S* \S*cli\.js --http2/m);
    expect(r.stdout).toContain('Environment="FLEETWATCH_HUB=https://hub.example.com"');
    expect(r.stdout).toContain('Environment="FLEETWATCH_LABELS=env=prod"');
    expect(r.stdout).toContain("EnvironmentFile=/etc/fleetwatch-agent/agent.env");
    expect(r.stdout).not.toContain("secret-token");
  });

  it("doctor reports the hub and host id when everything works", async () => {
    const r = await cli(["doctor"], { FLEETWATCH_HUB: hub.url, FLEETWATCH_TOKEN: hub.token });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/hello\s+ok in \d+ ms: host id h-/);
    expect(r.stdout).toMatch(/result\s+all good/);
  });

  it("doctor exits 1 telling the user to check FLEETWATCH_TOKEN when the hub rejects it", async () => {
    const r = await cli(["doctor"], { FLEETWATCH_HUB: hub.url, FLEETWATCH_TOKEN: "wrong" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rejected the token .*check FLEETWATCH_TOKEN/);
  });

  it("doctor exits 1 naming FLEETWATCH_HUB when nothing listens there", async () => {
    const r = await cli(["doctor"], { FLEETWATCH_HUB: "http://127.0.0.1:9", FLEETWATCH_TOKEN: "t" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach the hub .*FLEETWATCH_HUB/);
  });

  it("prints help and version", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--spool-max-mb");
    const version = await cli(["--version"]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
