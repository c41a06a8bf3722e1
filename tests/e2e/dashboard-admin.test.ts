import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openPage, type PageProblems } from "./browser";
import { SyntheticHost } from "./dashboard-fixtures";
import { type Hub, startHub } from "./hub";

/**
 * Fleet administration in Chromium against wrangler dev: Add host with a
 * real agent started from the dialog's own command, access tokens, history
 * export and removing a host; a viewer sees none of the controls that change
 * anything; the dialog on a phone, in the dark theme.
 */

const FLEET = "admin-ui";
const AGENT_LABEL = "role=add-host-e2e";
const AGENT = new URL("../../agent/dist/cli.js", import.meta.url).pathname;
/** Live frames are coalesced to one a second: allow several. */
const POLL = { timeout: 10_000 };

function expectClean(p: PageProblems): void {
  expect(p.errors).toEqual([]);
  expect(p.console.filter((m) => /Content Security Policy/i.test(m))).toEqual([]);
  expect(p.dialogs).toEqual([]);
}

/** Content wider than the viewport, in CSS px (0 when nothing scrolls sideways). */
const overflowX = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** The `data-testid` of the focused element, and whether it is inside the open dialog. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return {
      testId: el?.getAttribute("data-testid") ?? el?.localName ?? null,
      inDialog: Boolean(el?.closest("dialog[open]")),
    };
  });

/** Whether focus is on something of the page behind an open dialog (not the dialog, not the browser's own UI). */
const focusBehind = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return el !== null && el !== document.body && !el.closest("dialog[open]");
  });

/**
 * Runs a command copied from the dialog through `sh`, as a person pasting it
 * would, with `fleetwatch-agent` on the PATH being this checkout's agent.
 * Its own process group, so stopping it stops the agent too.
 */
function runCopied(
  command: string,
  extraArgs: string,
): { proc: ChildProcess; output: () => string; stop: () => void } {
  const bin = mkdtempSync(join(tmpdir(), "fleetwatch-bin-"));
  const shim = join(bin, "fleetwatch-agent");
  writeFileSync(shim, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(AGENT)} "$@"\n`);
  chmodSync(shim, 0o755);
  const proc = spawn("sh", ["-c", `${command} ${extraArgs}`], {
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      FLEETWATCH_SPOOL_DIR: mkdtempSync(join(tmpdir(), "fleetwatch-spool-")),
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return {
    proc,
    output: () => out,
    stop: () => {
      if (proc.pid !== undefined && proc.exitCode === null) {
        try {
          process.kill(-proc.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      rmSync(bin, { recursive: true, force: true });
    },
  };
}

describe("fleet administration in the dashboard, against wrangler dev and a real agent", () => {
  let hub: Hub;
  let browser: Browser;
  let tokens: Awaited<ReturnType<Hub["fleet"]>>;
  let probe: SyntheticHost;
  let agent: ReturnType<typeof runCopied> | undefined;
  /** The real agent's host, once it has joined. */
  let agentHostId = "";

  beforeAll(async () => {
    hub = await startHub();
    tokens = await hub.fleet(FLEET);
    probe = await new SyntheticHost(hub.url, tokens.agent, "viewer-probe").hello();
    await probe.push([{ cpu: 20, mem: 30, disk: 40 }]);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    agent?.stop();
    await browser?.close();
    await hub?.dispose();
  });

  async function signedIn(token: string, options: Parameters<typeof openPage>[2] = {}) {
    const opened = await openPage(browser, hub.url, options);
    await opened.page.goto(`/?token=${token}`);
    await opened.page.getByTestId("session-fleet").waitFor();
    return opened;
  }

  const api = (path: string, token: string) =>
    fetch(`${hub.url}/api/fleets/${FLEET}/${path}`, { headers: { authorization: `Bearer ${token}` } });

  it("shows a viewer no control that changes the fleet (export stays: it only reads)", async () => {
    const { context, page, problems } = await signedIn(tokens.viewer);
    try {
      const card = page.locator(`[data-testid="host-card"][data-host-id="${probe.id}"]`);
      await card.waitFor(POLL);
      expect(await page.getByTestId("add-host").count()).toBe(0);
      expect(await page.getByTestId("nav-settings").count()).toBe(0);
      await card.getByTestId("host-link").click();
      await page.getByTestId("host-page").waitFor();
      await page.getByTestId("export-csv").waitFor();
      expect(await page.getByTestId("remove-host").count()).toBe(0);
      await page.goto("/settings");
      await page.getByTestId("settings-admin-only").waitFor(POLL);
      expect(await page.getByTestId("tokens-table").count()).toBe(0);
      expect(await page.getByTestId("token-new").count()).toBe(0);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("adds a host: the dialog issues a token, and the agent run with its command appears live in it", async () => {
    const { context, page, problems } = await signedIn(tokens.admin, {
      permissions: ["clipboard-read", "clipboard-write"],
    });
    try {
      const open = page.getByTestId("add-host");
      await open.click();
      const dialog = page.getByRole("dialog", { name: "Add a host" });
      await dialog.waitFor();
      expect(await dialog.getAttribute("aria-modal")).toBe("true");
      await expect.poll(() => focused(page), POLL).toEqual({ testId: "add-host-name", inDialog: true });
      // The page behind is inert: Tab goes round the dialog (and the browser's own UI), never behind it.
      const stops = new Set<string | null>();
      for (let i = 0; i < 8; i++) {
        await page.keyboard.press("Tab");
        expect(await focusBehind(page), `Tab ${i + 1}`).toBe(false);
        stops.add((await focused(page)).testId);
      }
      expect(stops).toContain("add-host-create");
      await expect
        .poll(async () => {
          await page.keyboard.press("Tab");
          return (await focused(page)).testId;
        }, POLL)
        .toBe("add-host-name");

      await dialog.getByTestId("add-host-name").fill("e2e rack 7");
      await dialog.getByTestId("add-host-create").click();
      const run = dialog.getByTestId("command-run");
      await run.waitFor(POLL);
      expect(await dialog.getByTestId("add-host-token").textContent()).toContain("only this once");
      const command = (await run.getByTestId("copy-text").textContent()) ?? "";
      const match = /^FLEETWATCH_HUB=(\S+) FLEETWATCH_TOKEN=(fw_\S+) fleetwatch-agent$/.exec(command);
      expect(match?.[1], command).toBe(hub.url);
      const secret = match?.[2] ?? "";
      expect(await dialog.getByTestId("command-service").getByTestId("copy-text").textContent()).toBe(
        `sudo fleetwatch-agent install-service --hub ${hub.url} --token ${secret}`,
      );
      expect(await dialog.getByTestId("command-install").getByTestId("copy-text").textContent()).toBe(
        "npm i -g fleetwatch-agent",
      );

      // Copy puts the exact command on the clipboard.
      await run.getByTestId("copy-button").click();
      await expect
        .poll(() => run.getByTestId("copy-button").getAttribute("data-outcome"), POLL)
        .toBe("copied");
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(command);

      const status = dialog.getByTestId("add-host-status");
      expect(await status.textContent()).toContain("Waiting for the agent…");
      agent = runCopied(command, `--interval 1 --label ${AGENT_LABEL}`);
      await expect
        .poll(() => status.getAttribute("data-state"), { timeout: 45_000 })
        .toBe("connected")
        .catch((e: unknown) => {
          throw new Error(`${String(e)}\nagent output:\n${agent?.output()}`);
        });
      expect(await dialog.getByTestId("add-host-connected").textContent()).toBe(`${hostname()} connected`);
      agentHostId = (await dialog.getByTestId("add-host-arrival").getAttribute("data-host-id")) ?? "";
      expect(agentHostId).not.toBe("");

      // Escape closes the dialog, focus goes back to Add host, and the host is in the fleet.
      await page.keyboard.press("Escape");
      await expect.poll(() => dialog.count(), POLL).toBe(0);
      await expect.poll(async () => (await focused(page)).testId, POLL).toBe("add-host");
      await page.locator(`[data-testid="host-card"][data-host-id="${agentHostId}"]`).waitFor(POLL);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("exports the host's history of the shown range as CSV and JSON", async () => {
    expect(agentHostId, "the Add host test ran first").not.toBe("");
    const { context, page, problems } = await signedIn(tokens.admin);
    try {
      await page.goto(`/hosts/${encodeURIComponent(agentHostId)}`);
      await page.getByTestId("host-page").waitFor();
      // A few samples at 1 s, then the 1 h range again so its end is now.
      await page.waitForTimeout(3000);
      await page.getByTestId("range-1h").click();
      const csvLink = page.getByTestId("export-csv");
      const href = new URL((await csvLink.getAttribute("href")) ?? "", hub.url);
      expect(Number(href.searchParams.get("to")) - Number(href.searchParams.get("from"))).toBe(3_600_000);

      const [download] = await Promise.all([page.waitForEvent("download"), csvLink.click()]);
      expect(download.suggestedFilename()).toMatch(/-history\.csv$/);
      const path = await download.path();
      const lines = readFileSync(path, "utf8").trim().split("\n");
      expect(lines[0]).toBe("time,time_ms,metric,min,avg,max,last");
      const cpuRows = lines.filter((l) => l.split(",")[2] === "cpu");
      expect(cpuRows.length).toBeGreaterThan(0);
      expect(cpuRows[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z,\d+,cpu,[\d.]+,[\d.]+,[\d.]+,[\d.]+$/);

      // JSON: the same route with the session cookie (the page's own request context).
      const jsonHref = (await page.getByTestId("export-json").getAttribute("href")) ?? "";
      const res = await page.request.get(jsonHref);
      expect(res.status()).toBe(200);
      const body = (await res.json()) as {
        host: { id: string; hostname: string };
        series: Record<string, unknown[]>;
      };
      expect(body.host).toEqual({ id: agentHostId, hostname: hostname() });
      expect(body.series.cpu?.length).toBeGreaterThan(0);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("lists tokens with their last use, issues one with its secret shown once, and revokes it", async () => {
    const { context, page, problems } = await signedIn(tokens.admin);
    try {
      await page.getByTestId("nav-settings").click();
      const table = page.getByTestId("tokens-table");
      await table.waitFor(POLL);
      const row = (name: string) => table.locator('[data-testid="token-row"]', { hasText: name });
      // The Add host token, used by the agent since.
      await expect.poll(() => row("e2e rack 7").locator("td").nth(0).textContent(), POLL).toBe("agent");
      expect(await row("e2e rack 7").locator("td").nth(2).textContent()).toMatch(/ago$/);
      expect(await row("admin token").textContent()).toContain("(this session)");

      await page.getByTestId("token-new").click();
      await page.getByTestId("token-name").fill("e2e grafana");
      await page.getByTestId("token-role").selectOption("viewer");
      await page.getByTestId("token-submit").click();
      const issued = page.getByTestId("token-issued");
      await issued.waitFor(POLL);
      expect(await issued.textContent()).toContain("only this once");
      const secret = (await issued.getByTestId("copy-text").textContent()) ?? "";
      expect(secret).toMatch(/^fw_/);
      expect((await api("hosts", secret)).status).toBe(200);
      await row("e2e grafana").waitFor(POLL);

      await row("e2e grafana").getByTestId("token-revoke").click();
      const dialog = page.getByRole("dialog", { name: "Revoke the token “e2e grafana”?" });
      await dialog.waitFor();
      await expect.poll(() => focused(page), POLL).toEqual({ testId: "confirm-cancel", inDialog: true });
      await dialog.getByTestId("confirm-ok").click();
      await expect.poll(() => dialog.count(), POLL).toBe(0);
      await expect.poll(() => row("e2e grafana").count(), POLL).toBe(0);
      await page.locator("summary", { hasText: "Revoked tokens" }).click();
      await page.locator('[data-testid="revoked-token-row"]', { hasText: "e2e grafana" }).waitFor();
      expect((await api("hosts", secret)).status).toBe(401);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("stops the agent when its token is revoked: the host turns stale and the agent says why", async () => {
    expect(agentHostId, "the Add host test ran first").not.toBe("");
    const { context, page, problems } = await signedIn(tokens.admin);
    try {
      const card = page.locator(`[data-testid="host-card"][data-host-id="${agentHostId}"]`);
      await expect.poll(() => card.getAttribute("data-status"), POLL).toBe("online");
      await page.getByTestId("nav-settings").click();
      const row = page.locator('[data-testid="token-row"]', { hasText: "e2e rack 7" });
      await row.getByTestId("token-revoke").click();
      const dialog = page.getByRole("dialog", { name: "Revoke the token “e2e rack 7”?" });
      await dialog.getByTestId("confirm-ok").click();
      await expect.poll(() => row.count(), POLL).toBe(0);
      // Its stream ends at the next sample and every reconnection is refused: silent, then stale.
      await page.getByRole("link", { name: "Fleet", exact: true }).click();
      await expect.poll(() => card.getAttribute("data-status"), { timeout: 30_000 }).toBe("stale");
      await expect
        .poll(() => agent?.output() ?? "", { timeout: 30_000 })
        .toContain("hub rejected the agent token");
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("removes a host after a confirmation naming it, back on the fleet without it", async () => {
    expect(agentHostId, "the Add host test ran first").not.toBe("");
    // Else the agent's next connection brings the host back, as the dialog says.
    agent?.stop();
    agent = undefined;
    const { context, page, problems } = await signedIn(tokens.admin);
    try {
      await page.goto(`/hosts/${encodeURIComponent(agentHostId)}`);
      await page.getByTestId("remove-host").click();
      const dialog = page.getByRole("dialog", { name: `Remove ${hostname()}?` });
      await dialog.waitFor();
      await dialog.getByTestId("confirm-ok").click();
      await expect.poll(() => new URL(page.url()).pathname, POLL).toBe("/");
      const card = page.locator(`[data-testid="host-card"][data-host-id="${agentHostId}"]`);
      await page.locator(`[data-testid="host-card"][data-host-id="${probe.id}"]`).waitFor(POLL);
      expect(await card.count()).toBe(0);
      expect((await api(`hosts/${encodeURIComponent(agentHostId)}`, tokens.viewer)).status).toBe(404);
      // Still gone after the hub's own frames have arrived.
      await page.waitForTimeout(2000);
      expect(await card.count()).toBe(0);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("fits the dialog and the tokens page on a phone, in the dark theme", async () => {
    const { context, page, problems } = await signedIn(tokens.admin, {
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
      colorScheme: "dark",
    });
    try {
      await page.getByTestId("add-host").click();
      const dialog = page.getByRole("dialog", { name: "Add a host" });
      await dialog.waitFor();
      await dialog.getByTestId("add-host-create").click();
      await dialog.getByTestId("command-service").waitFor(POLL);
      expect(await overflowX(page), "page behind the dialog").toBe(0);
      const inside = await dialog.evaluate((d) => {
        const box = d.getBoundingClientRect();
        const outside = [...d.querySelectorAll("button, pre, input")].filter((el) => {
          const r = el.getBoundingClientRect();
          return r.left < box.left - 0.5 || r.right > box.right + 0.5;
        });
        return {
          left: box.left,
          right: box.right,
          overflow: d.scrollWidth - d.clientWidth,
          outside: outside.length,
          background: getComputedStyle(d).backgroundColor,
          text: getComputedStyle(d).color,
        };
      });
      expect(inside.left).toBeGreaterThanOrEqual(0);
      expect(inside.right).toBeLessThanOrEqual(360);
      expect(inside.overflow).toBe(0);
      expect(inside.outside).toBe(0);
      // The dark theme's surface and text (app.css), not the browser's default dialog colours.
      expect(inside.background).toBe("rgb(23, 27, 33)");
      expect(inside.text).toBe("rgb(230, 233, 237)");
      await dialog.getByTestId("add-host-close").click();
      await expect.poll(() => dialog.count(), POLL).toBe(0);

      await page.getByTestId("nav-settings").click();
      await page.getByTestId("tokens-table").waitFor(POLL);
      expect(await overflowX(page), "settings").toBe(0);
      await page.getByTestId("token-new").click();
      await page.getByTestId("token-form").waitFor();
      expect(await overflowX(page), "token form").toBe(0);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });
});
