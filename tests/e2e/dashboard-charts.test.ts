import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostView, SeriesResult } from "../../worker/src/metrics/types";
import { launchBrowser, openPage, type PageProblems } from "./browser";
import { type AgentProcess, eventually, spawnAgent } from "./dashboard-fixtures";
import { type Hub, startHub } from "./hub";

/**
 * The host page's charts in Chromium, against wrangler dev and a real agent
 * at its default cadence (every 5 s, filesystems every 30 s): a cursor and a
 * zoom shared by the page's charts, the Disk chart drawn at the 1 h range,
 * and the live trend filled from the raw window as the page opens.
 */

const FLEET = "charts";
const AGENT_LABEL = "role=charts-e2e";
/** How long the agent runs before the charts are looked at. */
const AGENT_RUN_MS = 125_000;
const POLL = { timeout: 15_000 };

function expectClean(p: PageProblems): void {
  expect(p.errors).toEqual([]);
  expect(p.dialogs).toEqual([]);
}

const chart = (page: Page, id: string) => page.locator(`[data-testid="chart"][data-chart="${id}"]`);
const ready = (page: Page, id: string) =>
  page.locator(`[data-testid="chart"][data-chart="${id}"][data-state="ready"] canvas`).waitFor();

/** A chart's legend entry labelled exactly `label` (not its band edges, "CPU max" and "CPU min"). */
const entry = (c: Locator, label: string) =>
  c
    .locator(".u-legend .u-series", {
      has: c.page().locator(".u-label", { hasText: new RegExp(`^${label}$`) }),
    })
    .first();

/** The legend's time (its first row) and the value of its entry `label`. */
async function legend(c: Locator, label: string): Promise<{ time: string; value: string }> {
  const time = (await c.locator(".u-legend .u-series").first().locator(".u-value").textContent()) ?? "";
  const value = (await entry(c, label).locator(".u-value").textContent()) ?? "";
  return { time, value };
}

/** Left edge of a chart's vertical cursor line within its plot, in CSS px (negative when hidden). */
const cursorLeft = (c: Locator) =>
  c.locator(".u-cursor-x").evaluate((el) => new DOMMatrixReadOnly(getComputedStyle(el).transform).m41);

/**
 * Columns of a chart's plot (CSS px, DPR 1) holding pixels of its first
 * line's colour (#3b82f6): how far along the time axis that line is drawn.
 */
const blueColumns = (c: Locator) =>
  c.locator("canvas").evaluate((el) => {
    const canvas = el as HTMLCanvasElement;
    const ctx = canvas.getContext("2d");
    if (!ctx) return 0;
    const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const columns = new Set<number>();
    for (let i = 0; i < d.length; i += 4) {
      const [r, g, b, a] = [d[i] ?? 0, d[i + 1] ?? 0, d[i + 2] ?? 0, d[i + 3] ?? 0];
      if (a > 128 && b > 150 && b - r > 60 && b - g > 25) columns.add((i / 4) % canvas.width);
    }
    return columns.size;
  });

describe("host page charts in Chromium, against wrangler dev and a real agent", () => {
  let hub: Hub;
  let browser: Browser;
  let tokens: Awaited<ReturnType<Hub["fleet"]>>;
  let agent: AgentProcess;
  let startedAt = 0;
  let hostId = "";
  /** A filesystem the agent reports ("/" when it has one). */
  let mount = "";

  beforeAll(async () => {
    hub = await startHub();
    tokens = await hub.fleet(FLEET);
    agent = spawnAgent(hub.url, tokens.agent, ["--label", AGENT_LABEL]);
    startedAt = Date.now();
    browser = await launchBrowser();
    const host = await eventually(
      async () => {
        const res = await fetch(`${hub.url}/api/fleets/${FLEET}/hosts`, {
          headers: { authorization: `Bearer ${tokens.viewer}` },
        });
        const { hosts } = (await res.json()) as { hosts: HostView[] };
        return hosts.find(
          (h) => h.info.labels.role === "charts-e2e" && (h.metrics.filesystems ?? []).length > 0,
        );
      },
      60_000,
      "the agent's host with its filesystems",
    );
    hostId = host.id;
    const mounts = (host.metrics.filesystems ?? []).map((f) => f.mount);
    mount = mounts.includes("/") ? "/" : (mounts[0] ?? "");
  }, 240_000);

  afterAll(async () => {
    agent?.stop();
    await browser?.close();
    await hub?.dispose();
  });

  /** The agent's host page, signed in as a viewer. */
  async function hostPage() {
    const opened = await openPage(browser, hub.url);
    await opened.page.goto(`/?token=${tokens.viewer}`);
    await opened.page.getByTestId("session-fleet").waitFor();
    await opened.page.goto(`/hosts/${encodeURIComponent(hostId)}`);
    await opened.page.getByTestId("host-page").waitFor();
    return opened;
  }

  it(
    "draws the Disk chart's points at the 1 h range after two minutes of the agent",
    async () => {
      // Filesystems come every 30 s: wait for the agent's first minutes.
      await new Promise((r) => setTimeout(r, Math.max(0, startedAt + AGENT_RUN_MS - Date.now())));
      // The hub serves 5 s steps for the hour; the agent's disk series has a point every 30 s only.
      const to = Date.now();
      const q = new URLSearchParams({
        metric: `disk:${mount}`,
        from: String(to - 3_600_000),
        to: String(to),
        step: "5",
      });
      const res = await fetch(`${hub.url}/api/fleets/${FLEET}/hosts/${hostId}/series?${q}`, {
        headers: { authorization: `Bearer ${tokens.viewer}` },
      });
      const body = (await res.json()) as SeriesResult;
      const { context, page, problems } = await hostPage();
      try {
        const disk = chart(page, "disk");
        await disk.scrollIntoViewIfNeeded();
        expect(body.stepS).toBe(5);
        expect(body.points.length).toBeGreaterThanOrEqual(3);
        const spacing = (body.points[1]?.t ?? 0) - (body.points[0]?.t ?? 0);
        expect(spacing).toBeGreaterThanOrEqual(25_000);
        await ready(page, "disk");
        // Its points are joined into one line from the first to the last, not left as invisible single dots.
        const plotWidth = await disk.locator(".u-over").evaluate((el) => el.clientWidth);
        const first = body.points[0]?.t ?? 0;
        const last = body.points[body.points.length - 1]?.t ?? 0;
        const spanPx = ((last - first) / 3_600_000) * plotWidth;
        expect(spanPx).toBeGreaterThan(8);
        await expect.poll(() => blueColumns(disk), POLL).toBeGreaterThanOrEqual(Math.floor(spanPx * 0.8));
        expectClean(problems);
      } finally {
        await context.close();
      }
    },
    AGENT_RUN_MS + 60_000,
  );

  it("zooms every chart with one drag and moves every chart's cursor with the mouse", async () => {
    const { context, page, problems } = await hostPage();
    try {
      const cpu = chart(page, "cpu");
      const memory = chart(page, "memory");
      await cpu.scrollIntoViewIfNeeded();
      await ready(page, "cpu");
      await ready(page, "memory");
      expect(await memory.getByTestId("chart-reset-zoom").count()).toBe(0);

      // Drag over the last minutes of the hour on the CPU chart: the memory chart follows.
      const over = cpu.locator(".u-over");
      const box = await over.boundingBox();
      if (!box) throw new Error("no plot area");
      const memoryZoomed = page.waitForResponse((r) => {
        const q = new URL(r.url()).searchParams;
        return (
          r.url().includes("/series") &&
          q.get("metric") === "mem" &&
          Number(q.get("to")) - Number(q.get("from")) < 600_000
        );
      });
      const y = box.y + box.height / 2;
      await page.mouse.move(box.x + box.width * 0.93, y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width - 2, y, { steps: 6 });
      await page.mouse.up();
      await memoryZoomed;
      await memory.getByTestId("chart-reset-zoom").waitFor();
      await ready(page, "memory");

      // The cursor over the CPU chart shows in the memory chart at the same time, with its value there.
      const memOver = await memory.locator(".u-over").boundingBox();
      if (!memOver) throw new Error("no plot area");
      for (const at of [0.9, 0.7]) {
        await page.mouse.move(box.x + box.width * at, y);
        await expect
          .poll(async () => (await legend(memory, "Memory")).time, POLL)
          .toBe((await legend(cpu, "CPU")).time);
        const there = await legend(memory, "Memory");
        expect(there.time).not.toBe("–");
        expect(there.value).toMatch(/^\d+(\.\d)? %$/);
        expect((await legend(cpu, "CPU")).value).toMatch(/^\d+(\.\d)? %$/);
        // Both plots are as wide: the memory chart's cursor line stands where the mouse is over the CPU's.
        expect(Math.abs((await cursorLeft(memory)) - box.width * at)).toBeLessThan(3);
      }
      const first = await legend(memory, "Memory");
      await page.mouse.move(box.x + box.width * 0.8, y);
      await expect.poll(async () => (await legend(memory, "Memory")).time, POLL).not.toBe(first.time);

      // Double-click on another chart resets the zoom of all.
      const full = page.waitForResponse((r) => {
        const q = new URL(r.url()).searchParams;
        return (
          r.url().includes("/series") &&
          q.get("metric") === "cpu" &&
          Number(q.get("to")) - Number(q.get("from")) === 3_600_000
        );
      });
      await page.mouse.dblclick(memOver.x + memOver.width / 2, memOver.y + memOver.height / 2);
      await full;
      await expect.poll(() => page.getByTestId("chart-reset-zoom").count(), POLL).toBe(0);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("hides and shows a line and its band from its chart's legend, in that chart only", async () => {
    const { context, page, problems } = await hostPage();
    try {
      const net = chart(page, "net");
      await net.scrollIntoViewIfNeeded();
      await ready(page, "net");
      const totalIn = entry(net, "total in");
      expect(await totalIn.getAttribute("class")).not.toContain("u-off");
      await totalIn.click();
      await expect.poll(() => totalIn.getAttribute("class"), POLL).toContain("u-off");
      expect(await entry(net, "total out").getAttribute("class")).not.toContain("u-off");
      expect(await entry(chart(page, "cpu"), "CPU").getAttribute("class")).not.toContain("u-off");
      await totalIn.click();
      await expect.poll(() => totalIn.getAttribute("class"), POLL).not.toContain("u-off");

      // Hiding a line hides its min/max band with it (the band's edges have no legend entry of their own).
      const cpu = chart(page, "cpu");
      await ready(page, "cpu");
      await entry(cpu, "CPU").click();
      for (const edge of ["CPU max", "CPU min"]) {
        await expect.poll(() => entry(cpu, edge).getAttribute("class"), POLL).toContain("u-off");
      }
      await entry(cpu, "CPU").click();
      await expect.poll(() => entry(cpu, "CPU max").getAttribute("class"), POLL).not.toContain("u-off");
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("fills the live trend with the last minutes as the page opens, then extends it live", async () => {
    const { context, page, problems } = await hostPage();
    try {
      const trends = page.getByTestId("sparklines");
      await page.locator('[data-testid="sparklines"][data-seed="done"]').waitFor();
      const cpu = trends.locator('[data-metric="cpu"]');
      // Minutes of 5 s samples from the raw window, where the feed alone would have one or two by now.
      const seeded = Number(await cpu.getAttribute("data-points"));
      expect(seeded).toBeGreaterThanOrEqual(20);
      expect(await trends.locator("h2").textContent()).toMatch(/last [2-5] m/);
      expect(await trends.locator("path").first().getAttribute("d")).toMatch(
        /^M[\d.]+ [\d.]+h0(L[\d.]+ [\d.]+){19,}/,
      );
      // The next sample from the agent extends it.
      const span = await trends.locator("h2").textContent();
      await expect.poll(() => trends.locator("h2").textContent(), POLL).not.toBe(span);
      expect(Number(await cpu.getAttribute("data-points"))).toBeGreaterThanOrEqual(seeded);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });
});
