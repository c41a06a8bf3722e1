// Bundles the agent into one CommonJS file, dist/cli.js (the package's bin).
//
//   node build.ts          (npm run build -w agent)
//
// Everything but systeminformation (only loaded off Linux) is bundled: one
// script to parse instead of hundreds of ES modules, and no ES module loader
// (about 4 MB of RSS in Node 22). dist/package.json marks dist/ as CommonJS.
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { build, type Plugin } from "esbuild";

const require = createRequire(import.meta.url);

/**
 * Builtins that only some configurations use: http2 for HTTP/2 hubs, https
 * (and with it tls and crypto) for https:// hubs. connect-node imports both
 * at the top of its HTTP client; here each becomes an object whose properties
 * load the builtin on first access, so a plain http:// hub never pays for them.
 */
const LAZY_BUILTINS = ["http2", "https"];

const lazyBuiltins: Plugin = {
  name: "lazy-builtins",
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join("|")})$`);
    b.onResolve({ filter }, (args) =>
      args.namespace === "lazy-builtin"
        ? { path: args.path, external: true }
        : { path: args.path.replace(/^node:/, ""), namespace: "lazy-builtin" },
    );
    b.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => {
      const names = Object.keys(require(`node:${args.path}`) as object);
      return {
        loader: "js",
        contents: `let loaded;
const load = () => (loaded ??= require("node:${args.path}"));
for (const name of ${JSON.stringify(names)}) {
  Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });
}`,
      };
    });
  },
};

mkdirSync("dist", { recursive: true });
writeFileSync("dist/package.json", `${JSON.stringify({ type: "commonjs" })}\n`);
await build({
  entryPoints: ["src/cli.ts"],
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node22",
  external: ["systeminformation"],
  // Keeps Node's undici-backed Headers (and all of undici) out of the process.
  inject: ["src/transport/headers.ts"],
  plugins: [lazyBuiltins],
  banner: { js: "#!/usr/bin/env node" },
  outfile: "dist/cli.js",
  logLevel: "warning",
});
