import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openPage } from "./browser";
import { connectClient, info, sample } from "./clients";
import { type Hub, startHub } from "./hub";

const FLEET = "probing";
const POLL = { timeout: 15_000 };

describe("probes and the public status page, against wrangler dev", () => {
  let hub: Hub;
  let browser: Browser;
  let tokens: Awaited<ReturnType<Hub["fleet"]>>;
  let target: Server | undefined;
  let port = 0;
  /** The cron's scheduled time: each run a minute after the last, so every probe is due. */
  let minute = Math.ceil(Date.now() / 60_000) * 60_000;

  /** The probed site: a Node HTTP server on loopback, stopped and started again on the same port. */
  async function startTarget(): Promise<void> {
    target = createServer((_req, res) => res.end("storefront ok"));
    await new Promise<void>((r) => target?.listen(port, "127.0.0.1", r));
    port = (target.address() as AddressInfo).port;
  }
  async function stopTarget(): Promise<void> {
    const t = target;
    target = undefined;
    t?.closeAllConnections();
    await new Promise((r) => t?.close(r));
  }

  /** One run of the minute cron at the next minute (wrangler's local trigger takes the time). */
  async function cron(): Promise<void> {
    minute += 60_000;
    const res = await fetch(`${hub.url}/cdn-cgi/local/scheduled?cron=*+*+*+*+*&time=${minute}`);
    expect(res.status, await res.text()).toBe(200);
  }

  async function probeState(page: Page): Promise<string | null> {
    await page.reload();
    const row = page.locator('[data-testid="probe-row"][data-probe="shop-internal-eu"]');
    await row.waitFor(POLL);
    return row.getAttribute("data-up");
  }

  beforeAll(async () => {
    hub = await startHub();
    tokens = await hub.fleet(FLEET);
    browser = await launchBrowser();
    await startTarget();
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.dispose();
    await stopTarget();
  });

  it("creates a probe in the UI, sees it go down when the server stops and up when it returns, and publishes it", async () => {
    const { page, problems, context } = await openPage(browser, hub.url);
    await page.goto(`/?token=${tokens.admin}`);
    await page.getByTestId("session-fleet").waitFor();
    await page.getByTestId("nav-probes").click();
    await page.getByTestId("probe-new").click();
    await page.getByTestId("probe-name").fill("shop-internal-eu");
    await page.getByTestId("probe-target").fill(`http://127.0.0.1:${port}/`);
    await page.getByTestId("probe-keyword").fill("storefront ok");
    await page.getByTestId("probe-save").click();
    const row = page.locator('[data-testid="probe-row"][data-probe="shop-internal-eu"]');
    await row.waitFor(POLL);
    expect(await row.getAttribute("data-up")).toBe("unknown");

    await cron();
    expect(await probeState(page)).toBe("true");

    await stopTarget();
    await cron();
    expect(await probeState(page)).toBe("false");
    expect(await row.getByTestId("probe-error").textContent()).toBeTruthy();

    await startTarget();
    await cron();
    expect(await probeState(page)).toBe("true");
    expect(await row.textContent()).toContain("66.67 %");

    // Another probe exists but is not chosen for the page.
    const hidden = await fetch(`${hub.url}/api/fleets/${FLEET}/probes`, {
      method: "POST",
      headers: { Authorization: `Bearer ${tokens.admin}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "hidden-admin-panel", target: `http://127.0.0.1:${port}/admin` }),
    });
    expect(hidden.status).toBe(201);

    await page.getByTestId("status-page-link").click();
    await page.getByTestId("status-slug").fill("acme");
    await page.getByTestId("status-title").fill("Acme status");
    await page.locator('[data-testid="status-entry"][data-entry="shop-internal-eu"]').check();
    await page.getByTestId("status-entry-name").fill("Storefront");
    await page.getByTestId("status-save").click();
    await page.getByTestId("status-saved").waitFor(POLL);
    expect(problems.errors).toEqual([]);
    await context.close();

    // Someone who never signed in.
    const visitor = await openPage(browser, hub.url);
    const res = await visitor.page.goto("/status/acme");
    expect(res?.status()).toBe(200);
    const text = (await visitor.page.textContent("body")) ?? "";
    expect(text).toContain("Acme status");
    expect(text).toContain("Storefront");
    expect(text).toContain("All systems operational");
    const html = await visitor.page.content();
    for (const secret of ["shop-internal-eu", "hidden-admin-panel", "127.0.0.1", "probe_"]) {
      expect(html).not.toContain(secret);
    }
    expect(await visitor.page.locator(".bar").count()).toBe(90);
    expect(visitor.problems.errors).toEqual([]);
    await visitor.context.close();
  });

  it("links a probe to a host in the form, and opens a probe alert's link on the probe's row", async () => {
    const hello = await connectClient(hub.url, tokens.agent).hello(info("shop-db-1"));
    await connectClient(hub.url, tokens.agent, hello.hostId).push({ samples: [sample(1)] });
    const { page, problems, context } = await openPage(browser, hub.url);
    await page.goto(`/?token=${tokens.admin}`);
    await page.getByTestId("session-fleet").waitFor();
    await page.getByTestId("nav-probes").click();
    const row = page.locator('[data-testid="probe-row"][data-probe="shop-internal-eu"]');
    await row.getByTestId("probe-edit").click();
    await page.getByTestId("probe-host").selectOption({ label: "shop-db-1" });
    await page.getByTestId("probe-save").click();
    await row.getByTestId("probe-host-link").waitFor(POLL);
    const list = await fetch(`${hub.url}/api/fleets/${FLEET}/probes`, {
      headers: { Authorization: `Bearer ${tokens.admin}` },
    });
    const { probes } = (await list.json()) as {
      probes: { id: string; name: string; hostId: string | null }[];
    };
    const probe = probes.find((p) => p.name === "shop-internal-eu");
    expect(probe?.hostId).toBe(hello.hostId);

    // The link a Probe down notification carries (worker/src/alerts/payload.ts hostUrl).
    await page.goto(`/probes#${encodeURIComponent(`probe:${probe?.id}`)}`);
    const target = page.locator("tr.row-target");
    await target.waitFor(POLL);
    expect(await target.getAttribute("data-probe")).toBe("shop-internal-eu");
    expect(problems.errors).toEqual([]);
    await context.close();
  });
});
