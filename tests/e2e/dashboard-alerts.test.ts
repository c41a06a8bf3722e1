import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openPage } from "./browser";
import { SyntheticHost } from "./dashboard-fixtures";
import { type Hub, startHub } from "./hub";

const FLEET = "alerting";
const RULE = "Probe CPU hot";
const POLL = { timeout: 10_000 };

describe("alerts in the dashboard, against wrangler dev", () => {
  let hub: Hub;
  let browser: Browser;
  let tokens: Awaited<ReturnType<Hub["fleet"]>>;
  let receiver: Server;
  let hookUrl: string;
  const hooks: string[] = [];

  beforeAll(async () => {
    hub = await startHub();
    tokens = await hub.fleet(FLEET);
    browser = await launchBrowser();
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        hooks.push(body);
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

  /** Runs the minute cron once, as the runtime would; it returns when evaluation is done. */
  async function cron(): Promise<void> {
    const res = await fetch(`${hub.url}/cdn-cgi/local/scheduled?cron=*+*+*+*+*`);
    expect(res.status, await res.text()).toBe(200);
  }

  async function alertsPage(token: string): Promise<{ page: Page; close: () => Promise<void> }> {
    const { context, page, problems } = await openPage(browser, hub.url);
    await page.goto(`/?token=${token}`);
    await page.getByTestId("session-fleet").waitFor();
    await page.getByRole("link", { name: "Alerts", exact: true }).click();
    await page.getByTestId("rules-table").waitFor();
    return {
      page,
      close: async () => {
        expect(problems.errors).toEqual([]);
        expect(problems.dialogs).toEqual([]);
        await context.close();
      },
    };
  }

  it("creates a rule in the form, shows its alert firing once crossed, and silences it", async () => {
    const { page, close } = await alertsPage(tokens.admin);
    try {
      // Built-in rules are listed from the start.
      await expect.poll(() => page.getByTestId("rule-row").count(), POLL).toBeGreaterThanOrEqual(4);

      await page.getByTestId("rule-new").click();
      const form = page.getByTestId("rule-form");
      await form.getByTestId("rule-name").fill(RULE);
      await form.getByTestId("rule-metric").fill("cpu");
      await form.getByTestId("rule-window").fill("0.5");
      await form.getByTestId("rule-threshold").fill("50");
      await form.getByTestId("rule-severity").selectOption("critical");
      await form.getByTestId("rule-hosts").fill("alert-probe");
      // The hub's validation message, in the form's words, on the field it names.
      await form.getByTestId("rule-submit").click();
      await expect.poll(() => form.getByTestId("form-error").textContent(), POLL).toMatch(/^Window: /);
      expect(await form.getByTestId("rule-window").getAttribute("aria-invalid")).toBe("true");

      await form.getByTestId("rule-window").fill("1");
      await form.getByTestId("rule-submit").click();
      const row = page.locator('[data-testid="rule-row"]', { hasText: RULE });
      await row.waitFor(POLL);
      expect(await page.getByTestId("rule-form").count()).toBe(0);
      expect(await row.textContent()).toContain("> 50 %");

      // Edit: the whole rule is saved again with the new threshold.
      await row.getByTestId("rule-edit").click();
      await page.getByTestId("rule-form").getByTestId("rule-threshold").fill("60");
      await page.getByTestId("rule-form").getByTestId("rule-submit").click();
      await expect.poll(() => row.textContent(), POLL).toContain("> 60 %");

      // Cross it: a host the rule matches reports 95 % cpu, then the minute cron runs.
      const probe = await new SyntheticHost(hub.url, tokens.agent, "alert-probe").hello();
      await probe.push([
        { cpu: 95, mem: 20, disk: 20 },
        { cpu: 96, mem: 20, disk: 20 },
      ]);
      await cron();
      await page.getByTestId("alerts-refresh").click();
      const alert = page.locator('[data-testid="alerts-active"] [data-testid="alert-row"]', {
        hasText: RULE,
      });
      await alert.waitFor(POLL);
      expect(await alert.getAttribute("data-state")).toBe("firing");
      expect(await alert.getAttribute("data-silenced")).toBe("false");
      expect(await alert.textContent()).toContain("alert-probe");

      await alert.getByTestId("alert-silence").click();
      await page
        .getByTestId("silence-form")
        .getByTestId("silence-duration")
        .selectOption(String(4 * 3600));
      await page.getByTestId("silence-submit").click();
      await expect.poll(() => alert.getAttribute("data-silenced"), POLL).toBe("true");
      const silence = page.locator('[data-testid="silence-row"]', { hasText: `rule ${RULE}` });
      await silence.waitFor(POLL);
      expect(await silence.textContent()).toContain("host alert-probe");

      // Ending the silence early unmutes the alert.
      await silence.getByTestId("silence-expire").click();
      await expect.poll(() => alert.getAttribute("data-silenced"), POLL).toBe("false");
      await expect.poll(() => page.getByTestId("silence-row").count(), POLL).toBe(0);

      // The rule link leads to the host.
      await alert.getByRole("link", { name: "alert-probe" }).click();
      await page.getByTestId("host-page").waitFor();
      expect(await page.getByTestId("host-name").textContent()).toBe("alert-probe");
    } finally {
      await close();
    }
  });

  it("adds a webhook channel with the hub's URL check, sends a test and deletes it", async () => {
    const { page, close } = await alertsPage(tokens.admin);
    try {
      await page.getByTestId("channel-new").click();
      const form = page.getByTestId("channel-form");
      await form.getByTestId("channel-name").fill("e2e receiver");
      await form.getByTestId("channel-kind").selectOption("webhook");
      await form.getByTestId("channel-url").fill("not a url");
      await form.getByTestId("channel-submit").click();
      await expect.poll(() => form.getByTestId("form-error").textContent(), POLL).toMatch(/^URL: /);

      await form.getByTestId("channel-url").fill(hookUrl);
      await form.getByTestId("channel-submit").click();
      await expect.poll(() => page.getByTestId("channel-secret").textContent(), POLL).toMatch(/whsec_/);
      const row = page.locator('[data-testid="channel-row"]', { hasText: "e2e receiver" });
      await row.waitFor(POLL);

      await row.getByTestId("channel-test").click();
      const result = row.getByTestId("channel-test-result");
      await expect.poll(() => result.getAttribute("data-delivered"), POLL).toBe("true");
      expect(await result.textContent()).toBe("Delivered (HTTP 200)");
      expect(hooks.some((h) => h.includes("Test notification"))).toBe(true);

      // Edit: a new name only; the stored URL is kept (the hub never sends it back).
      await row.getByTestId("channel-edit").click();
      const edit = page.getByTestId("channel-form");
      await edit.getByTestId("channel-name").fill("e2e receiver (edited)");
      await edit.getByTestId("channel-submit").click();
      await expect.poll(() => page.getByTestId("channel-form").count(), POLL).toBe(0);
      await expect.poll(() => row.locator("th").textContent(), POLL).toBe("e2e receiver (edited)");
      expect(await row.textContent()).toContain("127.0.0.1");

      // Two clicks delete (no dialog).
      await row.getByTestId("channel-delete").click();
      await row.getByTestId("channel-delete").click();
      await expect.poll(() => row.count(), POLL).toBe(0);
    } finally {
      await close();
    }
  });

  it("shows a viewer the alerts and rules without any control that changes them", async () => {
    const { page, close } = await alertsPage(tokens.viewer);
    try {
      await page.locator('[data-testid="alerts-active"] [data-testid="alert-row"]').first().waitFor(POLL);
      expect(await page.getByTestId("rule-new").count()).toBe(0);
      expect(await page.getByTestId("rule-edit").count()).toBe(0);
      expect(await page.getByTestId("alert-silence").count()).toBe(0);
      expect(await page.getByTestId("channel-new").count()).toBe(0);
      expect(await page.getByTestId("alerts-page").textContent()).toContain("admin token");
    } finally {
      await close();
    }
  });

  it("badges a host by its firing alert, colours its bar by the rule's threshold, and counts firing alerts in the header", async () => {
    // 60 % cpu: healthy under the 80/90 defaults and the built-in rules (warning above 90 %).
    const warm = await new SyntheticHost(hub.url, tokens.agent, "warm-1").hello();
    await warm.push([{ cpu: 60, mem: 20, disk: 20 }]);
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${hub.url}/api/fleets/${FLEET}/${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens.admin}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const created = await api("POST", "rules", {
      name: "Fleet CPU critical",
      metric: "cpu",
      comparator: ">",
      threshold: 50,
      severity: "critical",
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { rule } = (await created.json()) as { rule: { id: string } };
    // warm-1 is above it: the minute's evaluation fires an alert for the header to count.
    await cron();
    const { context, page, problems } = await openPage(browser, hub.url);
    try {
      await page.goto(`/?token=${tokens.viewer}`);
      const card = page.locator(`[data-testid="host-card"][data-host-id="${warm.id}"]`);
      await expect.poll(() => card.getAttribute("data-health"), POLL).toBe("critical");
      expect(await card.locator('.meter[data-level="critical"] [data-metric="cpu"]').count()).toBe(1);
      const firing = page.getByTestId("firing-count");
      await expect.poll(async () => Number(await firing.getAttribute("data-count")), POLL).toBeGreaterThan(0);
      expect(await firing.textContent()).toMatch(/^\d+ firing alerts?$/);
      await firing.click();
      await page.getByTestId("alerts-page").waitFor();
      expect(problems.errors).toEqual([]);
    } finally {
      await context.close();
      await api("DELETE", `rules/${rule.id}`);
    }
  });
});
