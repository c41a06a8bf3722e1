import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openPage } from "./browser";
import { type Hub, startHub } from "./hub";
import { alertingFleet } from "./hub-alerts";

const FLEET = "alerts-live";
const RULE = "cpu hot";
const HOST = "web-live";
/** Two minute boundaries of the local cron, with a sample every 5 s meanwhile. */
const CRON_WAIT_MS = 135_000;

interface Hook {
  status: string;
  groupLabels?: Record<string, string>;
  alerts: { host: string; status?: string }[];
}

describe("alerts live in the dashboard, under a hub started as npm start does", () => {
  let hub: Hub;
  let browser: Browser;
  let fleet: Awaited<ReturnType<typeof alertingFleet>>;
  let receiver: Server;
  let hookUrl: string;
  const hooks: Hook[] = [];

  beforeAll(async () => {
    // The minute cron driven the way scripts/start.ts drives it: nothing here triggers it.
    hub = await startHub({ cron: true });
    fleet = await alertingFleet(hub, FLEET);
    browser = await launchBrowser();
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        if (req.headers["content-type"]?.includes("json")) hooks.push(JSON.parse(body) as Hook);
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.dispose();
    await new Promise((r) => receiver?.close(r));
  });

  it("fires and resolves a rule on its own and the alerts page follows without a reload; policies, mute intervals and a channel's history in the page", async () => {
    const channel = await fleet.api<{ channel: { id: string } }>("POST", "/channels", {
      name: "ops hook",
      kind: "webhook",
      url: hookUrl,
    });
    expect(channel.status).toBe(201);
    const { context, page, problems } = await openPage(browser, hub.url);
    try {
      await page.goto(`/?token=${fleet.tokens.admin}`);
      await page.getByTestId("session-fleet").waitFor();
      await page.getByRole("link", { name: "Alerts", exact: true }).click();
      await page.getByTestId("policies-table").waitFor();

      // A policy made in the form: this rule's alerts to the hook, one message per host.
      await page.getByTestId("policy-new").click();
      const form = page.getByTestId("policy-form");
      await form.getByTestId("policy-name").fill("CPU to ops");
      await form.getByTestId("policy-rule").fill("cpu *");
      await form
        .locator(`[data-testid="policy-channel"][data-channel-id="${channel.json.channel.id}"]`)
        .check();
      await form.getByTestId("policy-group-rule").uncheck();
      await form.getByTestId("policy-group-host").check();
      await form.getByTestId("policy-submit").click();
      const policy = page.locator('[data-testid="policy-row"]', { hasText: "CPU to ops" });
      await policy.waitFor();
      expect(await policy.getByTestId("policy-sends-to").textContent()).toBe("ops hook");
      // It comes before the default.
      expect(await page.getByTestId("policy-row").last().textContent()).toContain("default");

      // A mute interval made in the form, shown with its schedule.
      await page.getByTestId("mute-new").click();
      const mute = page.getByTestId("mute-form");
      await mute.getByTestId("mute-name").fill("Sunday upgrades");
      await mute.getByTestId("mute-zone").fill("Europe/Berlin");
      await mute.getByTestId("mute-add-times").click();
      await mute.getByTestId("mute-day-sun").check();
      await mute.getByTestId("mute-start").fill("03:00");
      await mute.getByTestId("mute-end").fill("05:00");
      await mute.getByTestId("mute-submit").click();
      const muteRow = page.locator('[data-testid="mute-row"]', { hasText: "Sunday upgrades" });
      await muteRow.waitFor();
      expect(await muteRow.textContent()).toContain("Sun 03:00–05:00");

      // The rule and a host above it; from here on nobody reloads or presses Refresh.
      await fleet.cpuRule(RULE, 50);
      const host = await fleet.host(HOST);
      const active = page.locator('[data-testid="alerts-active"] [data-testid="alert-row"]', {
        hasText: RULE,
      });
      for (let waited = 0; waited < CRON_WAIT_MS && (await active.count()) === 0; waited += 5000) {
        await host.cpu(95);
        await page.waitForTimeout(5000);
      }
      expect(await active.getAttribute("data-state")).toBe("firing");
      expect(await active.getByTestId("alert-value").getAttribute("data-live")).toBe("true");
      expect(await page.getByTestId("firing-count").getAttribute("data-count")).toBe("1");
      expect(await page.getByTestId("alerts-evaluated").textContent()).toMatch(/^Rules evaluated \d+ s ago/);

      const resolved = page.locator('[data-testid="alerts-recent"] [data-testid="alert-row"]', {
        hasText: RULE,
      });
      for (let waited = 0; waited < CRON_WAIT_MS && (await resolved.count()) === 0; waited += 5000) {
        await host.cpu(5);
        await page.waitForTimeout(5000);
      }
      expect(await resolved.getAttribute("data-state")).toBe("resolved");
      expect(await active.count()).toBe(0);
      expect(await page.getByTestId("firing-count").getAttribute("data-count")).toBe("0");

      // The hook heard both, grouped by host as the policy says.
      await expect.poll(() => hooks.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
      expect(hooks.map((h) => [h.status, h.groupLabels, h.alerts.map((a) => a.host)])).toEqual([
        ["firing", { host: HOST }, [HOST]],
        ["resolved", { host: HOST }, [HOST]],
      ]);

      // And the channel's delivery history says so.
      const row = page.locator('[data-testid="channel-row"]', { hasText: "ops hook" });
      await row.getByTestId("channel-history-toggle").click();
      const deliveries = page.getByTestId("channel-history").getByTestId("delivery-row");
      await expect.poll(() => deliveries.count(), { timeout: 10_000 }).toBe(2);
      expect(
        await deliveries.evaluateAll((rows) =>
          rows.map((r) => [r.getAttribute("data-event"), r.getAttribute("data-status")]),
        ),
      ).toEqual([
        ["resolved", "delivered"],
        ["firing", "delivered"],
      ]);
      expect(problems.errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 360_000);
});
