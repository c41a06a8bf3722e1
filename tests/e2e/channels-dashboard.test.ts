import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openPage } from "./browser";
import { startReceivers } from "./channel-receivers";
import { type Hub, startHub } from "./hub";

const FLEET = "channels-ui";
const PUSHOVER_USER = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";
const PUSHOVER_TOKEN = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";

describe("the channel form in the dashboard (needs `npm run build -w web`)", () => {
  let hub: Hub;
  let browser: Browser;
  let tokens: Awaited<ReturnType<Hub["fleet"]>>;
  let rx: Awaited<ReturnType<typeof startReceivers>>;

  beforeAll(async () => {
    rx = await startReceivers();
    hub = await startHub();
    tokens = await hub.fleet(FLEET);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.dispose();
    await rx?.close();
  });

  it("shows email as not configured with what to set, and adds a Pushover channel without echoing its token", async () => {
    const { context, page, problems } = await openPage(browser, hub.url);
    try {
      await page.goto(`/?token=${tokens.admin}`);
      await page.getByTestId("session-fleet").waitFor();
      await page.getByRole("link", { name: "Alerts", exact: true }).click();
      await page.getByRole("button", { name: "New channel" }).click();
      const form = page.getByTestId("channel-form");
      const email = form.getByTestId("channel-kind").locator('option[value="email"]');
      expect(await email.isDisabled()).toBe(true);
      expect(await email.textContent()).toBe("Email (not configured)");
      expect(await form.getByTestId("channel-kind-hint").textContent()).toContain(
        "[[send_email]] binding named ALERT_EMAIL in wrangler.toml",
      );

      await form.getByTestId("channel-name").fill("phones");
      await form.getByTestId("channel-kind").selectOption("pushover");
      expect(await form.getByTestId("channel-url").getAttribute("placeholder")).toBe(
        "https://api.pushover.net/1/messages.json?user=<user or group key>",
      );
      await form
        .getByTestId("channel-url")
        .fill(rx.url("pushover", `/1/messages.json?user=${PUSHOVER_USER}`));
      await form.getByLabel(/^Application API token/).fill(PUSHOVER_TOKEN);
      await form.getByTestId("channel-submit").click();
      const row = page.getByTestId("channel-row").filter({ hasText: "phones" });
      await row.waitFor();
      expect(await row.textContent()).toContain("Pushover");
      expect(await row.textContent()).toContain("…nyUi");
      expect(await page.content()).not.toContain(PUSHOVER_TOKEN);

      await row.getByTestId("channel-test").click();
      await expect
        .poll(() => row.getByTestId("channel-test-result").getAttribute("data-delivered"), {
          timeout: 10_000,
        })
        .toBe("true");
      expect(rx.of("pushover").map((r) => r.problems)).toEqual([[]]);
      expect(problems.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
