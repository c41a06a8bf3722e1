/**
 * The dashboard's looks, in a real browser against a real hub, a real agent on
 * this machine and a few simulated hosts: the overview and a host page in
 * light and dark at 1280x800, the overview grouped by env, the fleet's
 * trends and the add-a-host dialog, and the overview at phone width. Each layout must
 * render without page errors or sideways scrolling.
 *
 * The screenshots go to a temporary directory; with FLEETWATCH_SCREENSHOTS=1
 * they replace docs/screenshots/*.png (CI never rewrites committed images):
 *
 *   npm run build && FLEETWATCH_SCREENSHOTS=1 npx vitest run --project e2e tests/e2e/dashboard-screenshots.test.ts
 *
 * The real agent has only just started, so an hour of history is pushed for
 * its host first (shaped like its own current values, through the public
 * Push API, with sequence numbers far above the agent's) so that the charts
 * show a full range instead of a sliver at the right edge.
 */
import { mkdirSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { type Sample, SampleSchema } from "@fleetwatch/proto/sample_pb";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostView, Metrics } from "../../worker/src/metrics/types";
import { launchBrowser, openPage, type PageProblems } from "./browser";
import { connectClient } from "./clients";
import { eventually, type Load, SyntheticHost, spawnAgent } from "./dashboard-fixtures";
import { type Hub, startHub } from "./hub";

const WRITE = process.env.FLEETWATCH_SCREENSHOTS === "1";
const OUT = WRITE
  ? new URL("../../docs/screenshots/", import.meta.url).pathname
  : mkdtempSync(join(tmpdir(), "fleetwatch-shots-"));
const FLEET = "demo";

/** Simulated neighbours of the real agent: a mix of healthy, busy, full and silent hosts. */
const NEIGHBOURS: { name: string; labels: Record<string, string>; load?: Load }[] = [
  { name: "web-1", labels: { env: "prod", role: "web" }, load: { cpu: 23, mem: 41, disk: 38 } },
  { name: "web-2", labels: { env: "prod", role: "web" }, load: { cpu: 31, mem: 44, disk: 38 } },
  { name: "web-3", labels: { env: "prod", role: "web" }, load: { cpu: 84, mem: 52, disk: 39 } },
  { name: "api-1", labels: { env: "prod", role: "api" }, load: { cpu: 12, mem: 63, disk: 22 } },
  { name: "db-1", labels: { env: "prod", role: "db" }, load: { cpu: 47, mem: 78, disk: 93 } },
  { name: "cache-1", labels: { env: "prod", role: "cache" }, load: { cpu: 8, mem: 71, disk: 12 } },
  { name: "ci-runner-7", labels: { env: "ci" }, load: { cpu: 64, mem: 35, disk: 57 } },
  { name: "staging-1", labels: { env: "staging" } },
];

const wave = (base: number, i: number, amp: number) =>
  Math.min(100, Math.max(0, base + amp * Math.sin(i / 9) + (amp / 3) * Math.sin(i / 2.3)));

function scaled(n: number, f: number): bigint {
  return BigInt(Math.max(0, Math.round(n * f)));
}

/** A past sample shaped like the host's current metrics, varied by `i`. */
function pastSample(m: Metrics, seq: number, timeMs: number, i: number): Sample {
  const f = 0.75 + 0.25 * Math.sin(i / 11) + 0.1 * Math.sin(i / 3);
  const cpu = wave(25, i, 12);
  return create(SampleSchema, {
    seq: BigInt(seq),
    timeMs: BigInt(timeMs),
    cpu: {
      totalPct: cpu,
      userPct: cpu * 0.7,
      systemPct: cpu * 0.3,
      perCorePct: (m.cpu?.perCorePct ?? []).map((_, c) => wave(cpu, i + c * 5, 8)),
    },
    ...(m.load ? { load: { load1: m.load.load1 * f, load5: m.load.load5 * f, load15: m.load.load15 } } : {}),
    ...(m.memory
      ? {
          memory: {
            totalBytes: BigInt(m.memory.totalBytes),
            usedBytes: scaled(m.memory.usedBytes, 0.95 + 0.05 * Math.sin(i / 15)),
            availableBytes: scaled(m.memory.availableBytes, 1.02 - 0.04 * Math.sin(i / 15)),
          },
        }
      : {}),
    filesystems: (m.filesystems ?? []).map((fs) => ({
      ...fs,
      sizeBytes: BigInt(fs.sizeBytes),
      usedBytes: scaled(fs.usedBytes, 0.985 + i / 24_000),
    })),
    ...(m.diskIo
      ? {
          diskIo: {
            readBytesPerS: 50_000 * f + m.diskIo.readBytesPerS * f,
            writeBytesPerS: 200_000 * f + m.diskIo.writeBytesPerS * f,
          },
        }
      : {}),
    net: (m.net ?? []).map((n) => ({
      name: n.name,
      rxBytesPerS: 30_000 * f + n.rxBytesPerS * f,
      txBytesPerS: 12_000 * f + n.txBytesPerS * f,
    })),
  });
}

/** Width of the page's content beyond the viewport (0 when nothing scrolls sideways). */
function overflowX(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

async function shoot(page: Page, name: string): Promise<string> {
  // Let live frames land and the chart draw; hide the blinking caret.
  await page.waitForTimeout(1000);
  const path = join(OUT, `${name}.png`);
  await page.screenshot({ path, caret: "hide", animations: "disabled" });
  return path;
}

describe("the dashboard's looks, with a real agent", () => {
  let hub: Hub;
  let browser: Browser;
  let tokens: Awaited<ReturnType<Hub["fleet"]>>;
  let agent: ReturnType<typeof spawnAgent>;
  let mine: HostView;
  let ticker: ReturnType<typeof setInterval> | undefined;

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    hub = await startHub();
    tokens = await hub.fleet(FLEET);
    agent = spawnAgent(hub.url, tokens.agent, [
      "--interval",
      "2",
      "--label",
      "env=prod",
      "--label",
      "role=hub",
    ]);
    browser = await launchBrowser();
    // Neighbours with an hour of history; they keep reporting every 5 s (staging-1 never does: offline).
    const reporting: { host: SyntheticHost; load: Load }[] = [];
    for (const n of NEIGHBOURS) {
      const host = await new SyntheticHost(hub.url, tokens.agent, n.name, n.labels).hello();
      if (!n.load) continue;
      const load = n.load;
      await host.push(
        Array.from({ length: 720 }, (_, i) => ({
          cpu: wave(load.cpu, i, 3),
          mem: wave(load.mem, i, 2),
          disk: load.disk,
        })),
      );
      reporting.push({ host, load });
    }
    // backup-1 reports once and then goes quiet: stale after three intervals.
    await (await new SyntheticHost(hub.url, tokens.agent, "backup-1", { env: "prod" }).hello()).push([
      { cpu: 3, mem: 20, disk: 61 },
    ]);
    let tick = 0;
    ticker = setInterval(() => {
      tick++;
      for (const { host, load } of reporting) {
        host
          .push([{ cpu: wave(load.cpu, tick, 3), mem: wave(load.mem, tick, 2), disk: load.disk }])
          .catch(() => {});
      }
    }, 5000);

    mine = await eventually(
      async () => {
        const res = await fetch(`${hub.url}/api/fleets/${FLEET}/hosts`, {
          headers: { authorization: `Bearer ${tokens.viewer}` },
        });
        const { hosts } = (await res.json()) as { hosts: HostView[] };
        return hosts.find((h) => h.info.labels.role === "hub" && h.metrics.memory && h.metrics.net);
      },
      30_000,
      "the real agent's host",
    );
    const now = Date.now();
    await connectClient(hub.url, tokens.agent, mine.id).push({
      // Every 5 s, as the agent samples, so the 1 h chart's 5 s buckets have no holes.
      samples: Array.from({ length: 690 }, (_, i) =>
        pastSample(mine.metrics, 1_000_000_000 + i, now - 3_600_000 + i * 5_000, i),
      ),
    });
    // For the committed images, let backup-1 turn stale first.
    if (WRITE) await new Promise((r) => setTimeout(r, 16_000));
  });

  afterAll(async () => {
    clearInterval(ticker);
    agent?.stop();
    await browser?.close();
    await hub?.dispose();
  });

  const cards = NEIGHBOURS.length + 2;
  const clean = (p: PageProblems) => expect([...p.errors, ...p.dialogs]).toEqual([]);

  for (const colorScheme of ["light", "dark"] as const) {
    it(`shows the overview and the agent's host page in ${colorScheme} at 1280x800`, async () => {
      const { context, page, problems } = await openPage(browser, hub.url, { colorScheme });
      try {
        await page.goto(`/?token=${tokens.viewer}`);
        await page
          .locator('[data-testid="host-card"]')
          .nth(cards - 1)
          .waitFor();
        expect(statSync(await shoot(page, `overview-${colorScheme}`)).size).toBeGreaterThan(10_000);
        expect(await overflowX(page)).toBe(0);
        await page
          .locator(`[data-testid="host-card"][data-host-id="${mine.id}"] [data-testid="host-link"]`)
          .click();
        await page.locator('[data-testid="chart"][data-chart="cpu"][data-state="ready"]').waitFor();
        expect(statSync(await shoot(page, `host-${colorScheme}`)).size).toBeGreaterThan(10_000);
        await page.screenshot({
          path: join(tmpdir(), `fleetwatch-host-${colorScheme}-full.png`),
          fullPage: true,
        });
        expect(await overflowX(page)).toBe(0);
        clean(problems);
      } finally {
        await context.close();
      }
    });
  }

  it("shows the fleet grouped by env, its trends, and the add-a-host dialog at 1280x800", async () => {
    const { context, page, problems } = await openPage(browser, hub.url, { colorScheme: "light" });
    try {
      await page.goto(`/?token=${tokens.admin}&group=env`);
      await page.locator('[data-testid="host-group"]').first().waitFor();
      expect(statSync(await shoot(page, "overview-grouped-light")).size).toBeGreaterThan(10_000);
      await page.getByTestId("tab-trends").click();
      await page.getByTestId("heatmap").waitFor();
      await page.getByTestId("top-hosts-chart").locator("canvas").first().waitFor();
      expect(statSync(await shoot(page, "trends-light")).size).toBeGreaterThan(10_000);
      expect(await overflowX(page)).toBe(0);
      await page.getByTestId("tab-hosts").click();
      await page.getByTestId("add-host").click();
      await page.getByTestId("add-host-create").click();
      await page.getByTestId("add-host-token").waitFor();
      expect(statSync(await shoot(page, "add-host-light")).size).toBeGreaterThan(10_000);
      clean(problems);
    } finally {
      await context.close();
    }
  });

  it("shows the overview at phone width (390x844) without sideways scrolling", async () => {
    const { context, page, problems } = await openPage(browser, hub.url, {
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    try {
      await page.goto(`/?token=${tokens.viewer}`);
      await page
        .locator('[data-testid="host-card"]')
        .nth(cards - 1)
        .waitFor();
      expect(statSync(await shoot(page, "overview-phone")).size).toBeGreaterThan(10_000);
      expect(await overflowX(page)).toBe(0);
      clean(problems);
    } finally {
      await context.close();
    }
  });
});
