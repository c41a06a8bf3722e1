import { existsSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { hostname, totalmem } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, ensureBuilt, startAgent, tempDir, until } from "./helpers/agent-process";
import { type ExpositionFamily, parseExposition } from "./helpers/exposition";
import { FakeHub } from "./helpers/fake-hub";

/** Listens on a kernel-chosen loopback port; the caller closes it (or closes it to free the port). */
function listenAnywhere(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => resolve(s));
  });
}

async function freePort(): Promise<number> {
  const s = await listenAnywhere();
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/** A label value that needs every escape of the exposition format. */
const NOTE = 'say "hi" \\ bye';

let hub: FakeHub;
beforeAll(async () => {
  await ensureBuilt();
  hub = await new FakeHub().start();
});
afterAll(() => hub.stop());

function agentEnv(spool = tempDir()): Record<string, string> {
  return {
    FLEETWATCH_HUB: hub.url,
    FLEETWATCH_TOKEN: hub.token,
    FLEETWATCH_INTERVAL: "1",
    FLEETWATCH_SPOOL_DIR: spool,
  };
}

describe("the agent's Prometheus endpoint", () => {
  let agent: AgentProcess;
  let port: number;
  let families: Map<string, ExpositionFamily>;
  let raw: Response;

  beforeAll(async () => {
    port = await freePort();
    agent = startAgent(["--prometheus-port", String(port), "--label", `note=${NOTE}`], agentEnv());
    await agent.waitFor(`serving Prometheus metrics at http://127.0.0.1:${port}/metrics`);
    await agent.waitFor("connected to");
    // Two ticks past the first, so every group (filesystems included) has been sampled.
    const first = hub.samples.size;
    await until(() => hub.samples.size >= first + 2, "two samples");
    raw = await fetch(`http://127.0.0.1:${port}/metrics`);
    families = parseExposition(await raw.text());
  });
  afterAll(() => agent?.child.kill("SIGKILL"));

  const samples = (name: string) => families.get(name)?.samples ?? [];

  it("answers with the text exposition format 0.0.4", () => {
    expect(raw.status).toBe(200);
    expect(raw.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  it("declares every family as a gauge with help text", () => {
    expect(families.size).toBeGreaterThan(10);
    for (const [name, fam] of families) {
      expect(name).toMatch(/^fleetwatch_/);
      expect(fam.type).toBe("gauge");
      expect(fam.help.length).toBeGreaterThan(3);
    }
  });

  it("reports total CPU between 0 and 100 and one series per core", () => {
    const [cpu] = samples("fleetwatch_cpu_percent");
    expect(cpu?.value).toBeGreaterThanOrEqual(0);
    expect(cpu?.value).toBeLessThanOrEqual(100);
    const cores = samples("fleetwatch_cpu_core_percent").map((s) => s.labels.core);
    expect(cores.length).toBeGreaterThan(0);
    expect(cores).toEqual(cores.map((_, i) => String(i)));
  });

  it("reports the root filesystem under a mount label", () => {
    const root = samples("fleetwatch_disk_used_bytes").find((s) => s.labels.mount === "/");
    expect(root?.value).toBeGreaterThan(0);
    const pct = samples("fleetwatch_disk_percent").find((s) => s.labels.mount === "/");
    expect(pct?.value).toBeGreaterThan(0);
    expect(pct?.value).toBeLessThanOrEqual(100);
  });

  it("reports available memory no larger than the machine's", () => {
    const [available] = samples("fleetwatch_mem_available_bytes");
    expect(available?.value).toBeGreaterThan(0);
    expect(available?.value).toBeLessThanOrEqual(totalmem());
  });

  it("labels every series with the host, the id the hub gave it and the host labels", () => {
    const [up] = samples("fleetwatch_host_up");
    expect(up).toEqual({
      labels: { host: hostname(), host_id: `h-${hostname()}`, label_note: NOTE, status: "online" },
      value: 1,
    });
  });

  it("escapes quotes and backslashes in label values", async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toContain('label_note="say \\"hi\\" \\\\ bye"');
  });

  it("answers 404 outside /metrics", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(res.status).toBe(404);
  });
});

describe("--prometheus-port and --prometheus-host", () => {
  it("exits 2 with one line naming the valid range when the port is out of range", async () => {
    const a = startAgent(["--prometheus-port", "70000"], agentEnv());
    expect(await a.exited).toBe(2);
    expect(a.stderr().trim().split("\n")).toHaveLength(1);
    expect(a.stderr()).toMatch(/bad Prometheus port "70000": .*1 to 65535 .*--prometheus-port/);
  });

  it("exits 2 when FLEETWATCH_PROMETHEUS_PORT is not a number", async () => {
    const a = startAgent([], { ...agentEnv(), FLEETWATCH_PROMETHEUS_PORT: "metrics" });
    expect(await a.exited).toBe(2);
    expect(a.stderr()).toMatch(/bad Prometheus port "metrics".*FLEETWATCH_PROMETHEUS_PORT/);
  });

  it("exits 2 before touching the spool when the port is taken", async () => {
    const taken = await listenAnywhere();
    const { port } = taken.address() as { port: number };
    const spool = tempDir();
    try {
      const a = startAgent(["--prometheus-port", String(port)], agentEnv(spool));
      expect(await a.exited).toBe(2);
      expect(a.stderr().trim()).toBe(
        `fleetwatch-agent: cannot serve Prometheus metrics on 127.0.0.1:${port} (the port is in use): choose another --prometheus-port or --prometheus-host`,
      );
      expect(existsSync(join(spool, "agent.pid"))).toBe(false);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  it("listens on the address given by --prometheus-host only", async () => {
    const port = await freePort();
    const a = startAgent(["--prometheus-port", String(port), "--prometheus-host", "127.0.0.2"], agentEnv());
    try {
      await a.waitFor("connected to");
      const res = await fetch(`http://127.0.0.2:${port}/metrics`);
      expect(res.status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
    } finally {
      a.child.kill("SIGKILL");
    }
  });
});
