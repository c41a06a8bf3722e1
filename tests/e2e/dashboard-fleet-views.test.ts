import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openPage, type PageProblems } from "./browser";
import { SyntheticHost } from "./dashboard-fixtures";
import { type Hub, startHub } from "./hub";

/**
 * The fleet page's views in Chromium against a real hub: hosts grouped by a
 * label, the trends page (top hosts chart and CPU heatmap from the fleet
 * series API), and TV mode cycling through the groups.
 */

const POLL = { timeout: 15_000 };

/** Hosts by env with steady CPU: the ranking by average CPU is db-1, web-2, web-1, stg-1, tools-1. */
const HOSTS: { name: string; labels: Record<string, string>; cpu: number }[] = [
  { name: "web-1", labels: { env: "prod", role: "web" }, cpu: 20 },
  { name: "web-2", labels: { env: "prod", role: "web" }, cpu: 92 },
  { name: "db-1", labels: { env: "prod", role: "db" }, cpu: 95 },
  { name: "stg-1", labels: { env: "staging", role: "web" }, cpu: 10 },
  { name: "tools-1", labels: { role: "ci" }, cpu: 5 },
];

function expectClean(p: PageProblems): void {
  expect(p.errors).toEqual([]);
  expect(p.console.filter((m) => /Content Security Policy/i.test(m))).toEqual([]);
}

/** `[group value, hosts, {status: count}]` of each group heading on the page, in page order. */
const groupsOn = (page: Page) =>
  page.$$eval('[data-testid="host-group"]', (els) =>
    els.map((el) => [
      el.getAttribute("data-group"),
      el.querySelector(".group-total")?.textContent,
      Object.fromEntries(
        [...el.querySelectorAll(".group-counts [data-status]")].map((c) => [
          c.getAttribute("data-status"),
          Number(c.getAttribute("data-count")),
        ]),
      ),
    ]),
  );

describe("fleet views in Chromium", () => {
  let hub: Hub;
  let browser: Browser;
  let tokens: Awaited<ReturnType<Hub["fleet"]>>;
  const ids = new Map<string, string>();
  let ticker: ReturnType<typeof setInterval> | undefined;

  beforeAll(async () => {
    hub = await startHub();
    tokens = await hub.fleet("views");
    browser = await launchBrowser();
    const reporting: { host: SyntheticHost; cpu: number }[] = [];
    for (const h of HOSTS) {
      const host = await new SyntheticHost(hub.url, tokens.agent, h.name, h.labels).hello();
      // Ten minutes of samples every 10 s, ending now.
      await host.push(
        Array.from({ length: 60 }, () => ({ cpu: h.cpu, mem: 40, disk: 30 })),
        10_000,
      );
      ids.set(h.name, host.id);
      reporting.push({ host, cpu: h.cpu });
    }
    // They keep reporting every 5 s, as agents do: online, not stale.
    ticker = setInterval(() => {
      for (const { host, cpu } of reporting) host.push([{ cpu, mem: 40, disk: 30 }]).catch(() => {});
    }, 5000);
    // Badges come from firing alerts: a rule at 90 % CPU that fires at once, and one evaluation.
    const rule = await fetch(`${hub.url}/api/fleets/views/rules`, {
      method: "POST",
      headers: { Authorization: `Bearer ${tokens.admin}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        name: "CPU above 90",
        metric: "cpu",
        aggregation: "last",
        windowS: 60,
        comparator: ">",
        threshold: 90,
        severity: "warning",
      }),
    });
    expect(rule.status, await rule.text()).toBe(201);
    const cron = await fetch(`${hub.url}/cdn-cgi/local/scheduled?cron=*+*+*+*+*`);
    expect(cron.status, await cron.text()).toBe(200);
  });

  afterAll(async () => {
    clearInterval(ticker);
    await browser?.close();
    await hub?.dispose();
  });

  it("groups hosts by a label with counts per group, in the grid and the table, and keeps it in the URL", async () => {
    const { context, page, problems } = await openPage(browser, hub.url);
    try {
      await page.goto(`/?token=${tokens.viewer}`);
      await expect.poll(() => page.locator('[data-testid="host-card"]').count(), POLL).toBe(HOSTS.length);
      expect(
        await page.$$eval('[data-testid="group-select"] option', (os) =>
          os.map((o) => (o as HTMLOptionElement).value),
        ),
      ).toEqual(["", "env", "role"]);
      await page.getByTestId("group-select").selectOption("env");
      expect(new URL(page.url()).searchParams.get("group")).toBe("env");
      const expected = [
        ["prod", "3 hosts", { warning: 2, healthy: 1 }],
        ["staging", "1 host", { healthy: 1 }],
        ["", "1 host", { healthy: 1 }],
      ];
      await expect.poll(() => groupsOn(page), POLL).toEqual(expected);
      // The hosts without the label come last, under "no env".
      expect(
        await page.locator('[data-testid="host-group"]').last().locator(".group-title").textContent(),
      ).toBe("no env");
      const staging = page.locator(
        '[data-testid="host-group"][data-group="staging"] [data-testid="host-card"]',
      );
      expect(await staging.getAttribute("data-host-id")).toBe(ids.get("stg-1"));

      // A reload keeps the grouping (it is in the address).
      await page.reload();
      await expect.poll(() => groupsOn(page), POLL).toEqual(expected);
      expect(await page.getByTestId("group-select").inputValue()).toBe("env");

      // The table groups the same way, each group a heading row over its rows.
      await page.getByTestId("view-table").click();
      await expect.poll(() => groupsOn(page), POLL).toEqual(expected);
      const rowsOfProd = await page.$$eval('[data-testid="host-row"]', (rows) =>
        rows.slice(0, 3).map((r) => r.getAttribute("data-host-id")),
      );
      // Sorted by status within the group: the hosts whose 90 % CPU alert fires first.
      expect(rowsOfProd).toEqual([ids.get("db-1"), ids.get("web-2"), ids.get("web-1")]);
      // The status column fits its badge: no badge is cut.
      const cut = await page.$$eval(
        '[data-testid="host-row"] .status-cell .badge',
        (badges) =>
          badges.filter((b) => {
            const cell = b.closest("td")?.getBoundingClientRect();
            const r = b.getBoundingClientRect();
            return !cell || r.right > cell.right;
          }).length,
      );
      expect(cut).toBe(0);

      await page.getByTestId("group-select").selectOption("");
      expect(new URL(page.url()).searchParams.has("group")).toBe(false);
      expect(await page.locator('[data-testid="host-group"]').count()).toBe(0);
      await page.getByTestId("view-grid").click();
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("shows the top hosts by CPU in one chart and the fleet's CPU as a heatmap", async () => {
    const { context, page, problems } = await openPage(browser, hub.url);
    try {
      await page.goto(`/?token=${tokens.viewer}`);
      await page.getByTestId("tab-trends").click();
      const chart = page.getByTestId("top-hosts-chart");
      await chart.waitFor(POLL);
      const ranked = ["db-1", "web-2", "web-1", "stg-1", "tools-1"].map((n) => ids.get(n)).join(",");
      expect(await chart.getAttribute("data-hosts")).toBe(ranked);
      // uPlot drew it: a canvas, and a legend entry per host, named as the host.
      expect(await chart.locator("canvas").count()).toBeGreaterThan(0);
      expect(await chart.locator(".u-legend .u-series .u-label").allTextContents()).toEqual(
        expect.arrayContaining(["db-1", "web-2", "web-1", "stg-1", "tools-1"]),
      );
      expect(await page.getByTestId("top-hosts-ranking").locator("li").first().textContent()).toContain(
        "db-1",
      );

      // Top 5 by memory: every host has 40 %, so the ranking falls back to host id order.
      await page.getByTestId("trend-metric").selectOption("mem");
      await expect
        .poll(() => chart.getAttribute("data-hosts"), POLL)
        .toBe([...ids.values()].sort().join(","));

      const heatmap = page.getByTestId("heatmap");
      await heatmap.waitFor(POLL);
      expect(
        await page.$$eval('[data-testid="heatmap-row"]', (rows) =>
          rows.map((r) => r.getAttribute("data-host-id")),
        ),
      ).toEqual(ranked.split(","));
      // Cells were painted: the canvas has opaque pixels in db-1's row and none left blank everywhere.
      const painted = await page.$eval(".heatmap-canvas", (c) => {
        const canvas = c as HTMLCanvasElement;
        const ctx = canvas.getContext("2d");
        if (!ctx) return 0;
        const row = ctx.getImageData(0, 0, canvas.width, Math.floor(canvas.height / 5)).data;
        let n = 0;
        for (let i = 3; i < row.length; i += 4) if ((row[i] ?? 0) > 0) n++;
        return n;
      });
      expect(painted).toBeGreaterThan(0);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("runs TV mode without controls, cycling through the groups in order", async () => {
    const { context, page, problems } = await openPage(browser, hub.url, {
      viewport: { width: 1920, height: 1080 },
    });
    try {
      await page.goto(`/kiosk?token=${tokens.viewer}&group=env&cycle=3`);
      const group = page.getByTestId("kiosk-group");
      await expect.poll(() => group.getAttribute("data-group"), POLL).toBe("prod");
      await expect.poll(() => group.locator('[data-testid="host-card"]').count(), POLL).toBe(3);
      // No header, no navigation, no form controls: nothing to operate on a wall display.
      expect(await page.locator(".app-header, nav, input, select, button").count()).toBe(0);
      expect(new URL(page.url()).searchParams.has("token")).toBe(false);

      // Record each group shown, in order, until the cycle has come round again.
      await page.evaluate(() => {
        const w = window as unknown as { shown: string[] };
        const el = () => document.querySelector('[data-testid="kiosk-group"]');
        w.shown = [el()?.getAttribute("data-group") ?? "?"];
        new MutationObserver(() => {
          const g = el()?.getAttribute("data-group") ?? "?";
          if (w.shown.at(-1) !== g) w.shown.push(g);
        }).observe(document.body, { subtree: true, childList: true, attributes: true });
      });
      await expect
        .poll(() => page.evaluate(() => (window as unknown as { shown: string[] }).shown.length), {
          timeout: 30_000,
        })
        .toBeGreaterThanOrEqual(4);
      const shown = await page.evaluate(() => (window as unknown as { shown: string[] }).shown);
      expect(shown.slice(0, 4)).toEqual(["prod", "staging", "", "prod"]);
      // Each group shows its own hosts: the staging host only under staging.
      await expect.poll(() => group.getAttribute("data-group"), { timeout: 30_000 }).toBe("staging");
      expect(await group.locator('[data-testid="host-card"]').getAttribute("data-host-id")).toBe(
        ids.get("stg-1"),
      );
      expect(await group.locator(".kiosk-group-title").textContent()).toBe("env=staging");
      expectClean(problems);
    } finally {
      await context.close();
    }
  });
});
