import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContainerMetrics, HostView } from "../../worker/src/metrics/types";
import { type AgentProcess, ensureBuilt, startAgent, tempDir } from "../agent/helpers/agent-process";
import { launchBrowser, openPage } from "../e2e/browser";
import { type Hub, startHub } from "../e2e/hub";
import { alertingFleet } from "../e2e/hub-alerts";

/**
 * Containers end to end against a real dockerd (`.ci/with-dockerd` starts one
 * on its own socket and imports a busybox image): the real agent process reads
 * it through the Engine API, a real hub stores and alerts, Chromium shows it.
 */
const SOCKET = process.env.FLEETWATCH_DOCKER_SOCKET ?? "";
const IMAGE = process.env.FLEETWATCH_DOCKER_IMAGE ?? "fw-busybox";
const run = promisify(execFile);
/** The test's containers, under a prefix of their own. */
const P = `fwt${Date.now().toString(36)}`;
/** Containers are a slow group (every 30 s): allow two periods and then some. */
const SLOW = { timeout: 90_000, interval: 1000 };

/** The `docker` CLI against the test's daemon (the test drives containers; the agent never spawns docker). */
async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run("docker", args, { env: { ...process.env, DOCKER_HOST: `unix://${SOCKET}` } });
  return stdout.trim();
}

describe("containers from a real dockerd through the agent, the hub, alerts and the dashboard", () => {
  let hub: Hub;
  let fleet: Awaited<ReturnType<typeof alertingFleet>>;
  let agent: AgentProcess;
  let browser: Browser;
  let hostId = "";

  async function host(): Promise<HostView | undefined> {
    const list = await fleet.api<{ hosts: HostView[] }>("GET", "/hosts");
    return list.json.hosts.find((h) => h.info.labels.role === "docker");
  }

  async function containers(): Promise<Map<string, ContainerMetrics>> {
    const h = await host();
    return new Map((h?.metrics.containers ?? []).filter((c) => c.name.startsWith(P)).map((c) => [c.name, c]));
  }

  async function openAlerts(): Promise<{ rule: string; series: string }[]> {
    const res = await fleet.api<{ alerts: { rule: string; series: string; state: string }[] }>(
      "GET",
      "/alerts",
    );
    return res.json.alerts.filter((a) => a.state === "firing" && a.series.includes(P));
  }

  beforeAll(async () => {
    if (!SOCKET) {
      throw new Error(
        "FLEETWATCH_DOCKER_SOCKET is not set: run the peers through .ci/with-dockerd (see .ci/run)",
      );
    }
    await ensureBuilt();
    // Before the agent starts: the healthcheck has failed by its first reading.
    await docker("run", "-d", "--name", `${P}-up`, "--network", "none", IMAGE, "sleep", "100000");
    await docker(
      "run",
      ...["-d", "--name", `${P}-sick`, "--network", "none"],
      ...["--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1"],
      ...[IMAGE, "sleep", "100000"],
    );
    await docker(
      "run",
      "-d",
      "--name",
      `${P}-flap`,
      "--network",
      "none",
      "--restart",
      "always",
      IMAGE,
      "sh",
      "-c",
      "sleep 1; exit 1",
    );
    await docker("run", "-d", "--name", `${P}-gone`, "--network", "none", IMAGE, "sleep", "100000");
    await docker("stop", "-t", "0", `${P}-gone`);

    hub = await startHub();
    fleet = await alertingFleet(hub, "containers");
    // The first cron run creates the built-in rules: keep only the container ones, turned on.
    await fleet.cron();
    const rules = await fleet.api<{ rules: { id: string; builtin: string | null }[] }>("GET", "/rules");
    for (const r of rules.json.rules) {
      const on = r.builtin === "container-stopped" || r.builtin === "container-unhealthy";
      expect((await fleet.api("PATCH", `/rules/${r.id}`, { enabled: on })).status).toBe(200);
    }
    // Restarts by their increase in the window, on an instance glob.
    const restarts = await fleet.api("POST", "/rules", {
      name: "Flapping",
      metric: `container.restarts:${P}-fl*`,
      aggregation: "max",
      windowS: 600,
      comparator: ">=",
      threshold: 1,
      clearThreshold: 1,
      forS: 0,
      severity: "critical",
    });
    expect(restarts.status, JSON.stringify(restarts.json)).toBe(201);

    agent = startAgent(["--container-socket", SOCKET, "--http1"], {
      FLEETWATCH_HUB: hub.url,
      FLEETWATCH_TOKEN: fleet.tokens.agent,
      FLEETWATCH_INTERVAL: "1",
      FLEETWATCH_SPOOL_DIR: tempDir(),
      FLEETWATCH_LABELS: "role=docker",
    });
    browser = await launchBrowser();
    // A hub, a browser and four containers on a shared two-core machine.
  }, 300_000);

  afterAll(async () => {
    agent?.child.kill("SIGTERM");
    await agent?.exited;
    await browser?.close();
    await hub?.dispose();
    if (SOCKET) {
      const ids = await docker("ps", "-aq", "--filter", `name=${P}`).catch(() => "");
      if (ids) await docker("rm", "-f", ...ids.split("\n")).catch(() => "");
    }
  });

  it("shows every container with its state, health and restarts in the host's live state", async () => {
    await expect
      .poll(async () => [...(await containers()).keys()].sort(), SLOW)
      .toEqual([`${P}-flap`, `${P}-gone`, `${P}-sick`, `${P}-up`]);
    const h = await host();
    hostId = h?.id ?? "";
    const c = await containers();
    expect(c.get(`${P}-up`)).toMatchObject({ image: IMAGE, state: "running", health: "none", restarts: 0 });
    expect(c.get(`${P}-sick`)).toMatchObject({ state: "running", health: "unhealthy" });
    expect(c.get(`${P}-gone`)).toMatchObject({ state: "exited" });
    expect(c.get(`${P}-flap`)?.restarts).toBeGreaterThan(0);
    expect(c.get(`${P}-up`)?.memLimitBytes).toBeGreaterThan(0);
  });

  it("gives running containers CPU and memory from the second reading on, as series", async () => {
    await expect.poll(async () => (await containers()).get(`${P}-up`)?.cpuPct, SLOW).toBeTypeOf("number");
    const c = (await containers()).get(`${P}-up`);
    expect(c?.memUsedBytes).toBeGreaterThan(0);
    // The stopped container has no stats.
    expect((await containers()).get(`${P}-gone`)?.cpuPct).toBeUndefined();
    const series = await fleet.api<{ points: unknown[] }>(
      "GET",
      `/hosts/${hostId}/series?metric=${encodeURIComponent(`container.mem:${P}-up`)}&from=${Date.now() - 600_000}`,
    );
    expect(series.status, JSON.stringify(series.json)).toBe(200);
    expect(series.json.points.length).toBeGreaterThan(0);
    const prom = await fetch(`${hub.url}/api/fleets/containers/metrics`, {
      headers: { Authorization: `Bearer ${fleet.tokens.viewer}` },
    }).then((r) => r.text());
    expect(prom).toContain(`host_id="${hostId}",label_role="docker",container="${P}-up"} 1`);
    expect(prom).toMatch(/^fleetwatch_container_running\{[^}]*container="[^"]+-up"\} 1$/m);
  });

  it("fires stopped, unhealthy and restarted alerts", async () => {
    await fleet.cronUntil(
      async () => {
        const series = (await openAlerts()).map((a) => a.series);
        return (
          series.includes(`container.running:${P}-gone`) &&
          series.includes(`container.unhealthy:${P}-sick`) &&
          series.includes(`container.restarts:${P}-flap`)
        );
      },
      () => "the container alerts never all fired",
      90_000,
    );
    const open = await openAlerts();
    expect(open.find((a) => a.series === `container.running:${P}-gone`)?.rule).toBe("Container stopped");
    expect(open.find((a) => a.series === `container.unhealthy:${P}-sick`)?.rule).toBe("Container unhealthy");
    expect(open.some((a) => a.series === `container.running:${P}-up`)).toBe(false);
  });

  it("shows the containers on the host page and the count on the overview card", async () => {
    const { page, problems, context } = await openPage(browser, hub.url);
    await page.goto(`/?token=${fleet.tokens.viewer}`);
    const card = page.locator(`[data-testid="host-card"][data-host-id="${hostId}"]`);
    await expect
      .poll(() => card.locator('[data-metric="containers"]').textContent(), SLOW)
      .toMatch(/^\d+ \/ \d+ running$/);
    await page.goto(`/hosts/${hostId}`);
    const table = page.getByTestId("containers-table");
    await table.waitFor();
    const row = (name: string) => table.locator(`[data-testid="container-row"][data-name="${name}"]`);
    await expect
      .poll(() => row(`${P}-sick`).getByTestId("container-health").textContent(), SLOW)
      .toBe("unhealthy");
    expect(await row(`${P}-gone`).getByTestId("container-state").textContent()).toBe("exited");
    expect(await row(`${P}-up`).locator("th").textContent()).toBe(`${P}-up`);
    // Sorted by restarts, biggest first: the flapping one leads.
    await page.getByTestId("container-sort-restarts").click();
    const names = await table.locator('[data-testid="container-row"] th').allTextContents();
    expect(names.filter((n) => n.startsWith(P))[0]).toBe(`${P}-flap`);
    expect(problems.errors).toEqual([]);
    await context.close();
  });

  it("resolves the alerts of a container that disappears", async () => {
    await docker("rm", "-f", `${P}-gone`);
    await expect.poll(async () => (await containers()).has(`${P}-gone`), SLOW).toBe(false);
    await fleet.cronUntil(
      async () => !(await openAlerts()).some((a) => a.series === `container.running:${P}-gone`),
      () => "the stopped alert of the removed container is still firing",
      90_000,
    );
    const resolved = await fleet.api<{ alerts: { series: string; endsAt: number | null }[] }>(
      "GET",
      "/alerts?state=resolved",
    );
    expect(resolved.json.alerts.find((a) => a.series === `container.running:${P}-gone`)?.endsAt).toEqual(
      expect.any(Number),
    );
  });
});
