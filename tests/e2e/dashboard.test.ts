import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeriesResult } from "../../worker/src/metrics/types";
import { launchBrowser, openPage, type PageProblems } from "./browser";
import { type AgentProcess, eventually, SyntheticHost, spawnAgent } from "./dashboard-fixtures";
import { type Hub, startHub } from "./hub";

const FLEET = "dash";
const AGENT_LABEL = "role=browser-e2e";
const HOSTILE = "<img src=x onerror=alert(1)>";
/** Live frames are coalesced to one a second: allow several. */
const POLL = { timeout: 10_000 };

/** Neither an uncaught error, a CSP violation nor a dialog: the page behaved. */
function expectClean(p: PageProblems): void {
  expect(p.errors).toEqual([]);
  expect(p.console.filter((m) => /Content Security Policy/i.test(m))).toEqual([]);
  expect(p.dialogs).toEqual([]);
}

/** The card of the real agent's host (found by its label: its hostname is this machine's). */
const agentCard = (page: Page) => page.locator('[data-testid="host-card"]', { hasText: AGENT_LABEL });

describe("the dashboard in Chromium, against wrangler dev and a real agent", () => {
  let hub: Hub;
  let browser: Browser;
  let tokens: Awaited<ReturnType<Hub["fleet"]>>;
  let agent: AgentProcess;

  beforeAll(async () => {
    hub = await startHub();
    tokens = await hub.fleet(FLEET);
    agent = spawnAgent(hub.url, tokens.agent, ["--interval", "1", "--label", AGENT_LABEL]);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    agent?.stop();
    await browser?.close();
    await hub?.dispose();
  });

  /** A page signed in through the `?token=` link, on the fleet view. */
  async function signedIn(options: Parameters<typeof openPage>[2] = {}) {
    const opened = await openPage(browser, hub.url, options);
    await opened.page.goto(`/?token=${tokens.viewer}`);
    await opened.page.getByTestId("session-fleet").waitFor();
    return opened;
  }

  it("signs in with the form, shows the agent's host live with changing numbers, and signs out", async () => {
    const { context, page, problems } = await openPage(browser, hub.url);
    try {
      await page.goto("/");
      await page.getByTestId("token-input").fill("fw_not_a_token");
      await page.getByTestId("sign-in-submit").click();
      await expect
        .poll(() => page.getByTestId("sign-in-error").textContent(), POLL)
        .toContain("not accepted");

      await page.getByTestId("token-input").fill(tokens.viewer);
      await page.getByTestId("sign-in-submit").click();
      await expect.poll(() => page.getByTestId("session-fleet").textContent(), POLL).toContain(FLEET);
      await expect
        .poll(() => page.getByTestId("connection-status").getAttribute("data-status"), { timeout: 10_000 })
        .toBe("open");

      const card = agentCard(page);
      await card.waitFor({ timeout: 20_000 });
      // Listed from its Hello (offline), online with its first sample.
      await expect.poll(() => card.getAttribute("data-status"), { timeout: 10_000 }).toBe("online");
      for (const metric of ["cpu", "mem", "disk"]) {
        const value = Number(await card.locator(`[data-metric="${metric}"]`).getAttribute("data-value"));
        expect(value, metric).toBeGreaterThanOrEqual(0);
        expect(value, metric).toBeLessThanOrEqual(100);
      }
      // The agent samples every second: the card updates in place without a reload.
      const seen = new Set<string>();
      await eventually(
        async () => {
          const cpu = await card.locator('[data-metric="cpu"]').getAttribute("data-value");
          const mem = await card.locator('[data-metric="mem"]').getAttribute("data-value");
          seen.add(`${cpu}/${mem}`);
          return seen.size >= 3 ? true : undefined;
        },
        20_000,
        "three different cpu/mem readings on the agent's card",
      );

      await page.getByTestId("sign-out").click();
      await page.getByTestId("sign-in-form").waitFor();
      await page.reload();
      await page.getByTestId("sign-in-form").waitFor();
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("signs in from a ?token= link and takes the token out of the address bar", async () => {
    const { context, page, problems } = await signedIn();
    try {
      expect(page.url()).not.toContain("token");
      expect(await page.getByTestId("session-fleet").textContent()).toContain("viewer");
      await agentCard(page).waitFor({ timeout: 20_000 });
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("opens the agent's host page and draws its cpu history from the series API", async () => {
    const { context, page, problems } = await signedIn();
    try {
      const card = agentCard(page);
      await card.waitFor({ timeout: 20_000 });
      const hostId = await card.getAttribute("data-host-id");
      // Several samples, so the chart has a line to draw.
      await page.waitForTimeout(3000);
      const cpuSeries = page.waitForResponse(
        (r) =>
          r.url().includes(`/hosts/${hostId}/series`) &&
          new URL(r.url()).searchParams.get("metric") === "cpu",
      );
      await card.getByTestId("host-link").click();
      await page.getByTestId("host-page").waitFor();
      expect(new URL(page.url()).pathname).toBe(`/hosts/${hostId}`);
      expect(await page.getByTestId("host-info").textContent()).toContain(hostId ?? "?");
      // The page subscribed to the host's full state: each new sample reaches it (the agent sends every second).
      const lastSeen = page.locator('.host-head [data-metric="last-seen"]');
      await expect.poll(() => lastSeen.getAttribute("datetime"), POLL).not.toBeNull();
      const firstSeen = await lastSeen.getAttribute("datetime");
      await expect.poll(() => lastSeen.getAttribute("datetime"), POLL).not.toBe(firstSeen);

      const res = await cpuSeries;
      expect(res.status()).toBe(200);
      const body = (await res.json()) as SeriesResult;
      expect(body.tier).toBe("raw");
      expect(body.points.length).toBeGreaterThan(0);
      const chart = page.locator('[data-testid="chart"][data-chart="cpu"]');
      await chart.and(page.locator('[data-state="ready"]')).waitFor();
      await expect.poll(() => canvasInk(chart.locator("canvas")), POLL).toBeGreaterThan(50);

      const spanOf = (url: string) => {
        const q = new URL(url).searchParams;
        return Number(q.get("to")) - Number(q.get("from"));
      };
      // Drag across the plot: uPlot selects, the chart zooms and refetches that window.
      const over = chart.locator(".u-over");
      const box = await over.boundingBox();
      if (!box) throw new Error("no plot area");
      const zoomed = page.waitForResponse(
        (r) => r.url().includes("/series") && new URL(r.url()).searchParams.get("metric") === "cpu",
      );
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.98, box.y + box.height / 2, { steps: 8 });
      await page.mouse.up();
      expect(spanOf((await zoomed).url())).toBeLessThan(40 * 60_000);
      await chart.getByTestId("chart-reset-zoom").click();
      await expect.poll(() => chart.getByTestId("chart-reset-zoom").count(), POLL).toBe(0);

      // Another range asks the hub again, with a wider window.
      const wider = page.waitForResponse(
        (r) =>
          r.url().includes("/series") &&
          new URL(r.url()).searchParams.get("metric") === "cpu" &&
          spanOf(r.url()) > 3_600_000,
      );
      await page.getByTestId("range-24h").click();
      expect(spanOf((await wider).url())).toBe(86_400_000);
      await chart.and(page.locator('[data-state="ready"]')).waitFor();

      await page.getByRole("link", { name: "All hosts" }).click();
      await page.getByTestId("fleet-grid").waitFor();
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("shows a hostname made of HTML as literal text, creating no element and running no script", async () => {
    const evil = await new SyntheticHost(hub.url, tokens.agent, HOSTILE).hello();
    await evil.push([{ cpu: 12, mem: 34, disk: 56 }]);
    const { context, page, problems } = await signedIn();
    try {
      const card = page.locator(`[data-testid="host-card"][data-host-id="${evil.id}"]`);
      await card.waitFor({ timeout: 10_000 });
      expect(await card.getByTestId("host-link").textContent()).toBe(HOSTILE);
      expect(await page.locator("img").count()).toBe(0);

      await page.getByTestId("view-table").click();
      const row = page.locator(`[data-testid="host-row"][data-host-id="${evil.id}"]`);
      expect(await row.getByTestId("host-link").textContent()).toBe(HOSTILE);
      await page.getByTestId("view-grid").click();

      await card.getByTestId("host-link").click();
      expect(await page.getByTestId("host-name").textContent()).toBe(HOSTILE);
      await expect.poll(() => page.title(), POLL).toBe(`${HOSTILE} · fleetwatch`);
      expect(await page.locator("img").count()).toBe(0);
      // An onerror handler would have fired by now if an <img src=x> had been created.
      await page.waitForTimeout(500);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("goes closed when the hub stops, reconnects when it is back, and resumes live updates", async () => {
    const host = await new SyntheticHost(hub.url, tokens.agent, "restart-probe").hello();
    await host.push([{ cpu: 33, mem: 10, disk: 10 }]);
    const { context, page, problems } = await signedIn();
    const status = page.getByTestId("connection-status");
    const cpu = page.locator(`[data-testid="host-card"][data-host-id="${host.id}"] [data-metric="cpu"]`);
    try {
      await expect.poll(() => status.getAttribute("data-status"), { timeout: 10_000 }).toBe("open");
      await expect.poll(() => cpu.getAttribute("data-value"), { timeout: 10_000 }).toBe("33.00");

      await hub.stop();
      await expect
        .poll(() => status.getAttribute("data-status"), { timeout: 15_000 })
        .toMatch(/^(closed|connecting)$/);
      expect(await status.textContent()).toMatch(/Reconnecting|Connecting|Disconnected/);

      await hub.restart();
      // Backoff is 3 s growing to at most 10 s (plus jitter): back within a couple of attempts.
      await expect.poll(() => status.getAttribute("data-status"), { timeout: 30_000 }).toBe("open");
      await host.push([{ cpu: 77, mem: 10, disk: 10 }]);
      await expect.poll(() => cpu.getAttribute("data-value"), { timeout: 10_000 }).toBe("77.00");
      // The real agent finds the hub again too, and its card keeps updating.
      const agentCpu = agentCard(page).locator('[data-metric="cpu"]');
      const before = await agentCpu.getAttribute("data-value");
      await expect.poll(() => agentCpu.getAttribute("data-value"), { timeout: 30_000 }).not.toBe(before);
      expect(problems.errors).toEqual([]);
      expect(problems.dialogs).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

/** How many pixels of a canvas are painted (non-transparent): uPlot drew something. */
async function canvasInk(canvas: ReturnType<Page["locator"]>): Promise<number> {
  return canvas.evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const ctx = c.getContext("2d");
    if (!ctx || c.width === 0 || c.height === 0) return 0;
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
    return n;
  });
}
