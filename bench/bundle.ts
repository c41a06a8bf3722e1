// Dashboard weight: gzip size of the JS (and CSS) the browser loads before the first paint.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { emit, type Row } from "./lib/result.ts";

const DIST = fileURLToPath(new URL("../web/dist", import.meta.url));
const gz = (file: string) => gzipSync(readFileSync(join(DIST, file)), { level: 9 }).length;
const kib = (b: number) => Math.round((b / 1024) * 10) / 10;

/** Entry scripts, modulepreloads and stylesheets referenced by index.html. */
function initialAssets(html: string): { js: string[]; css: string[] } {
  const js = [...html.matchAll(/<script[^>]*type="module"[^>]*src="\/?([^"]+)"/g)].map((m) => m[1] ?? "");
  const preload = [...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="\/?([^"]+)"/g)].map(
    (m) => m[1] ?? "",
  );
  const css = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="\/?([^"]+)"/g)].map((m) => m[1] ?? "");
  return { js: [...js, ...preload].filter(Boolean), css: css.filter(Boolean) };
}

if (!existsSync(join(DIST, "index.html"))) {
  console.error("bundle: web/dist is missing; run npm run build:web first");
  process.exit(3);
}
const { js, css } = initialAssets(readFileSync(join(DIST, "index.html"), "utf8"));
const initialJs = js.reduce((s, f) => s + gz(f), 0);
const initialCss = css.reduce((s, f) => s + gz(f), 0);
const lazy = readdirSync(join(DIST, "assets"))
  .map((f) => `assets/${f}`)
  .filter((f) => f.endsWith(".js") && !js.includes(f));
const rows: Row[] = [
  { metric: "initial JS (gzip -9)", value: kib(initialJs), unit: "KiB", note: js.join(", ") },
  { metric: "initial CSS (gzip -9)", value: kib(initialCss), unit: "KiB", note: css.join(", ") },
  ...lazy.map((f) => ({
    metric: `lazy chunk ${f.replace(/^assets\//, "")}`,
    value: kib(gz(f)),
    unit: "KiB",
    note: "loaded on demand",
  })),
];
emit({
  id: "bundle",
  title: "Dashboard bundle (web/dist)",
  rows,
  notes: [
    "Initial = the module scripts, modulepreloads and stylesheets index.html references; routes and charts load lazily.",
  ],
  reproduce: "npm run build:web && npm run bench -- --only bundle",
});
