import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openPage } from "./browser";
import { type Load, SyntheticHost } from "./dashboard-fixtures";
import { type Hub, startHub } from "./hub";

/**
 * What a unit test on a fake DOM cannot see: layout at phone widths, focus
 * rings, boxes that must not move while values update, and a fleet of
 * hundreds of hosts in a real browser.
 */

/** Live frames are coalesced to one a second: allow several. */
const POLL = { timeout: 10_000 };

/** Content wider than the viewport, in CSS px (0 when nothing scrolls sideways). */
const overflowX = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** Position and size of every host card, keyed by host id. */
const cardBoxes = (page: Page) =>
  page.$$eval('[data-testid="host-card"]', (els) =>
    Object.fromEntries(
      els.map((el) => {
        const r = el.getBoundingClientRect();
        return [el.getAttribute("data-host-id"), [r.x, r.y, r.width, r.height].map(Math.round).join(",")];
      }),
    ),
  );

describe("dashboard layout and scale in Chromium", () => {
  let hub: Hub;
  let browser: Browser;
  let tokens: Awaited<ReturnType<Hub["fleet"]>>;
  const hosts: SyntheticHost[] = [];

  beforeAll(async () => {
    hub = await startHub();
    tokens = await hub.fleet("layout");
    browser = await launchBrowser();
    for (const [i, name] of ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"].entries()) {
      const h = await new SyntheticHost(hub.url, tokens.agent, `${name}-${"x".repeat(i * 6)}`, {
        env: "prod",
        team: "payments-and-billing-platform",
      }).hello();
      await h.push([{ cpu: 2 + i, mem: 10 + i, disk: 20 + i }]);
      hosts.push(h);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.dispose();
  });

  async function signIn(page: Page, token = tokens.viewer): Promise<void> {
    await page.goto(`/?token=${token}`);
    await page.getByTestId("session-fleet").waitFor();
    await page
      .locator('[data-testid="host-card"]')
      .nth(hosts.length - 1)
      .waitFor();
  }

  it("fits every page into 360 px without sideways scrolling", async () => {
    const { context, page, problems } = await openPage(browser, hub.url, {
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      await page.goto("/");
      await page.getByTestId("sign-in-form").waitFor();
      expect(await overflowX(page), "sign-in").toBe(0);
      // As an admin: the alerts page then has its widest tables (actions) and forms.
      await signIn(page, tokens.admin);
      expect(await overflowX(page), "overview").toBe(0);
      // The table scrolls inside its own box, never the page.
      await page.getByTestId("view-table").click();
      await page.getByTestId("fleet-table").waitFor();
      expect(await overflowX(page), "table view").toBe(0);
      await page.getByTestId("view-grid").click();
      await page.locator('[data-testid="host-link"]').first().click();
      // Charts load when scrolled to; the first one is below the live values on a phone.
      await page.locator('[data-testid="chart"][data-chart="cpu"]').scrollIntoViewIfNeeded();
      await page.locator('[data-testid="chart"][data-chart="cpu"][data-state="ready"]').waitFor();
      expect(await overflowX(page), "host page").toBe(0);
      await page.getByRole("link", { name: "Alerts", exact: true }).click();
      await page.getByTestId("rules-table").waitFor();
      expect(await overflowX(page), "alerts page").toBe(0);
      await page.getByTestId("rule-new").click();
      await page.getByTestId("rule-form").waitFor();
      expect(await overflowX(page), "rule form").toBe(0);
      expect(problems.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows a focus ring on everything reached with Tab, starting with the skip link", async () => {
    const { context, page } = await openPage(browser, hub.url);
    try {
      await signIn(page);
      await page.keyboard.press("Tab");
      const skip = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        return { cls: el.className, top: el.getBoundingClientRect().top };
      });
      expect(skip.cls).toContain("skip-link");
      expect(skip.top).toBeGreaterThanOrEqual(0);

      const unringed: string[] = [];
      let reachedCard = false;
      for (let i = 0; i < 40 && !reachedCard; i++) {
        await page.keyboard.press("Tab");
        const f = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          if (!el || el === document.body) return undefined;
          const own = getComputedStyle(el);
          // Card links draw their ring on ::after, which covers the whole card.
          const after = getComputedStyle(el, "::after");
          const ringed =
            (own.outlineStyle !== "none" && Number.parseFloat(own.outlineWidth) >= 2) ||
            (after.outlineStyle !== "none" && Number.parseFloat(after.outlineWidth) >= 2);
          return { what: `${el.tagName}.${el.className}[${el.dataset.testid ?? ""}]`, ringed };
        });
        if (!f) continue;
        if (!f.ringed) unringed.push(f.what);
        if (f.what.includes("host-link")) reachedCard = true;
      }
      expect(reachedCard).toBe(true);
      expect(unringed).toEqual([]);
      // Enter on a focused card link opens the host.
      await page.keyboard.press("Enter");
      await page.getByTestId("host-page").waitFor();
    } finally {
      await context.close();
    }
  });

  it("keeps every card in place while values and text widths change", async () => {
    const { context, page } = await openPage(browser, hub.url);
    try {
      await signIn(page);
      await page.waitForTimeout(500);
      const before = await cardBoxes(page);
      // Same health (all below the warning level), very different digits: 2 % -> 79.9 %, B/s -> MB/s.
      const loads: Load[] = hosts.map((_, i) => ({ cpu: 79.9 - i, mem: 70 + i / 10, disk: 9.5 }));
      await Promise.all(hosts.map((h, i) => h.push([loads[i] as Load])));
      const last = hosts.at(-1) as SyntheticHost;
      await expect
        .poll(
          () =>
            page
              .locator(`[data-testid="host-card"][data-host-id="${last.id}"] [data-metric="cpu"]`)
              .getAttribute("data-value"),
          POLL,
        )
        .toBe((79.9 - (hosts.length - 1)).toFixed(2));
      await page.waitForTimeout(1500);
      expect(await cardBoxes(page)).toEqual(before);
    } finally {
      await context.close();
    }
  });

  it("keeps a chart's box the same height from loading to drawn", async () => {
    const { context, page } = await openPage(browser, hub.url);
    try {
      await signIn(page);
      await page.locator('[data-testid="host-link"]').first().click();
      // The load chart is below the fold: idle until scrolled to.
      const chart = page.locator('[data-testid="chart"][data-chart="load"]');
      await chart.waitFor();
      const idle = await chart.evaluate((el) => [
        el.getAttribute("data-state"),
        el.getBoundingClientRect().height,
      ]);
      expect(idle[0]).toBe("idle");
      await chart.scrollIntoViewIfNeeded();
      await page.locator('[data-testid="chart"][data-chart="load"][data-state="ready"]').waitFor();
      await page.waitForTimeout(300);
      const drawn = await chart.evaluate((el) => el.getBoundingClientRect().height);
      expect(drawn).toBe(idle[1]);
    } finally {
      await context.close();
    }
  });

  // How fast this renders (listing, update, frame gaps while scrolling) is
  // measured by `npm run bench -- --only dashboard`, not asserted here.
  it("lists 300 hosts in name order, scrolls through them and shows a fleet-wide update on every card", async () => {
    const many: SyntheticHost[] = [];
    for (let i = 0; i < 300; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: 25 }, (_, j) =>
          new SyntheticHost(hub.url, tokens.agent, `node-${String(i + j).padStart(3, "0")}`, {
            pool: "big",
          }).hello(),
        ),
      );
      await Promise.all(batch.map((h, j) => h.push([{ cpu: (i + j) % 70, mem: 40, disk: 50 }])));
      many.push(...batch);
    }
    const total = many.length + hosts.length;
    const { context, page, problems } = await openPage(browser, hub.url);
    try {
      await page.goto(`/?token=${tokens.viewer}`);
      await expect
        .poll(() => page.getByTestId("shown-count").textContent(), { timeout: 30_000 })
        .toBe(`${total} hosts`);
      expect(await page.locator('[data-testid="host-card"]').count()).toBe(total);

      // Scroll to the bottom in wheel steps.
      await page.mouse.move(640, 500);
      for (let i = 0; i < 40; i++) await page.mouse.wheel(0, 600);
      await page.locator('[data-testid="host-card"]').last().scrollIntoViewIfNeeded();
      expect(await page.locator('[data-testid="host-card"]').last().isVisible()).toBe(true);

      // Every host changes at once: each card shows its host's new value.
      await Promise.all(many.map((h) => h.push([{ cpu: 75, mem: 40, disk: 50 }])));
      const cards = () =>
        page.$$eval('[data-testid="host-card"]', (els) =>
          els.map((el) => [
            el.getAttribute("data-host-id") ?? "",
            el.querySelector('[data-metric="cpu"]')?.getAttribute("data-value") ?? "",
          ]),
        );
      const updated = new Set(many.map((h) => h.id));
      await expect
        .poll(async () => (await cards()).filter(([id, cpu]) => updated.has(id) && cpu === "75.00").length, {
          timeout: 30_000,
        })
        .toBe(many.length);
      // Sorted by name, the grid lists every host in name order (node-000 ... node-299 by number).
      await page.getByTestId("sort-select").selectOption("name");
      await expect
        .poll(async () => (await cards()).map(([id]) => id), POLL)
        .toEqual([...hosts, ...many].map((h) => h.id));

      // The table keeps only the rows near the viewport in the DOM.
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.getByTestId("view-table").click();
      await page.getByTestId("fleet-table").waitFor();
      expect(await page.locator('[data-testid="host-row"]').count()).toBeLessThan(100);
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await expect
        .poll(() => page.locator('[data-testid="host-row"]').last().getAttribute("aria-rowindex"), POLL)
        .toBe(String(total + 1));
      await page.getByTestId("view-grid").click();
      expect(problems.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("keeps only the rows of cards near the viewport once the fleet passes 500 hosts, live wherever it scrolls", async () => {
    // On top of the 300 of the test before: the fleet now has more than WINDOWED_FROM hosts.
    const more: SyntheticHost[] = [];
    for (let i = 0; i < 250; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: 25 }, (_, j) =>
          new SyntheticHost(hub.url, tokens.agent, `zz-${String(i + j).padStart(3, "0")}`, {
            pool: "big",
          }).hello(),
        ),
      );
      await Promise.all(batch.map((h) => h.push([{ cpu: 20, mem: 40, disk: 50 }])));
      more.push(...batch);
    }
    const { context, page, problems } = await openPage(browser, hub.url);
    try {
      await page.goto(`/?token=${tokens.viewer}`);
      await expect
        .poll(() => page.getByTestId("shown-count").textContent(), { timeout: 30_000 })
        .toMatch(/^\d+ hosts$/);
      const total = Number((await page.getByTestId("shown-count").textContent())?.split(" ")[0]);
      expect(total).toBeGreaterThan(500);
      await page.getByTestId("sort-select").selectOption("name");
      await page.locator('[data-testid="fleet-grid"][data-windowed]').waitFor();
      expect(await page.locator('[data-testid="host-card"]').count()).toBeLessThan(100);

      // At the bottom the last hosts by name are there (zz-249 sorts last), and they stay live.
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      const last = more.at(-1) as SyntheticHost;
      const lastCard = page.locator(`[data-testid="host-card"][data-host-id="${last.id}"]`);
      await lastCard.waitFor(POLL);
      expect(await lastCard.isVisible()).toBe(true);
      await last.push([{ cpu: 88, mem: 40, disk: 50 }]);
      await expect
        .poll(() => lastCard.locator('[data-metric="cpu"]').getAttribute("data-value"), POLL)
        .toBe("88.00");
      expect(problems.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
