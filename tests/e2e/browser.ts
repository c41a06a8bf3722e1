import { existsSync } from "node:fs";
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type LaunchOptions,
  type Page,
} from "playwright-core";
import { bundledChromium } from "./bundled-chromium";

/** Debian's `chromium`, used when a machine has it; nothing installs it for the tests. */
const SYSTEM_CHROMIUM = "/usr/bin/chromium";

/** Headless, offline, no first-run work: the browser talks only to the local hub. */
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Which Chromium to run: `CHROMIUM_PATH` when set (it must exist), else
 * Debian's when installed, else the one shipped inside the npm package
 * `@sparticuz/chromium`, so a machine with only Node and `npm ci` runs the
 * browser tests. playwright-core never downloads a browser.
 */
async function chromiumToRun(): Promise<Pick<LaunchOptions, "executablePath" | "env">> {
  const chosen = process.env.CHROMIUM_PATH;
  if (chosen) {
    if (!existsSync(chosen))
      throw new Error(`CHROMIUM_PATH=${chosen} does not exist: unset it or fix the path`);
    return { executablePath: chosen };
  }
  if (existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM };
  const bundled = await bundledChromium();
  return { executablePath: bundled.executablePath, env: { ...process.env, ...bundled.env } };
}

/** Launches headless Chromium with a fresh profile (playwright gives each launch its own user-data-dir). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ ...(await chromiumToRun()), args: ARGS });
}

/** What went wrong inside a page. */
export interface PageProblems {
  /** Uncaught exceptions and unhandled rejections: never expected. */
  errors: string[];
  /** `console.error` lines, including the browser's own (a 401 while signed out, a refused WebSocket). */
  console: string[];
  /** Dialogs (`alert`, `confirm`, ...) that opened; each was dismissed. */
  dialogs: string[];
}

/**
 * A fresh context (own cookies and localStorage) and page on `baseURL`.
 * Page errors and dialogs are recorded, and dialogs dismissed, so a test can
 * assert that none happened (an XSS payload firing `alert` shows up here).
 */
export async function openPage(
  browser: Browser,
  baseURL: string,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  const problems: PageProblems = { errors: [], console: [], dialogs: [] };
  page.on("pageerror", (e) => problems.errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") problems.console.push(m.text());
  });
  page.on("dialog", (d) => {
    problems.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  return { context, page, problems };
}
