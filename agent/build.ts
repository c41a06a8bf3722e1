// Bundles the agent into dist/main.js and its bin, dist/cli.js.
//
//   node build.ts          (npm run build -w agent)
//
// Everything but systeminformation (only loaded off Linux) is bundled and
// minified into dist/main.js, with dist/cli.js as the bin that loads it: one
// script to parse instead of hundreds of ES modules, and no ES module loader
// (about 4 MB of RSS in Node 22). dist/package.json marks dist/ as CommonJS.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { type BuildOptions, build, type Plugin } from "esbuild";
import { embedDescriptors } from "./src/transport/descriptor-source.ts";

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

/**
 * Generated `*_pb` files decode their descriptors from protobuf binary at
 * start-up, which boots all of google/protobuf/descriptor.proto first (about
 * 1 MB of heap for the life of the process). Here each is decoded at build
 * time and embedded as plain data (src/transport/descriptor-source.ts): ours,
 * and the well-known types connect's JSON and error code reaches (Any,
 * Struct), so the bundle never loads descriptor.proto.
 */
const embeddedDescriptors: Plugin = {
  name: "embedded-descriptors",
  setup(b) {
    const hydrate = resolve("src/transport/descriptors.ts");
    const load = (loader: "ts" | "js") => (args: { path: string }) => ({
      loader,
      contents: embedDescriptors(readFileSync(args.path, "utf8"), hydrate),
    });
    b.onLoad({ filter: /[\\/]proto[\\/]gen[\\/].*_pb\.ts$/ }, load("ts"));
    b.onLoad({ filter: /[\\/]wkt[\\/]google[\\/]protobuf[\\/](any|struct)_pb\.js$/ }, load("js"));
  },
};

mkdirSync("dist", { recursive: true });
writeFileSync("dist/package.json", `${JSON.stringify({ type: "commonjs" })}\n`);
const common: BuildOptions = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node22",
  // Half the source V8 keeps in memory for the life of the process (about 0.35 MB of RSS).
  minify: true,
  logLevel: "warning",
};
// The agent proper: one static module graph, so unused code is dropped.
const { metafile } = await build({
  ...common,
  metafile: true,
  entryPoints: ["src/main.ts"],
  external: ["systeminformation"],
  // Keeps Node's undici-backed Headers (and all of undici) out of the process.
  inject: ["src/transport/headers.ts"],
  plugins: [lazyBuiltins, embeddedDescriptors],
  outfile: "dist/main.js",
});
// The bin: relaunches with the runtime flags, then requires main.js beside it.
await build({
  ...common,
  entryPoints: ["src/cli.ts"],
  external: ["./main.js"],
  banner: { js: "#!/usr/bin/env node" },
  outfile: "dist/cli.js",
});

/** Licenses whose whole text the bundled sources carry in their headers (protobuf-es's varint code, from Google). */
const TEXT_IN_HEADERS = new Set(["BSD-3-Clause"]);

/** The comment block a source file starts with: its copyright and license header. */
function header(path: string): string {
  const lines: string[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.startsWith("//")) lines.push(line.replace(/^\/\/ ?/, ""));
    else if (lines.length > 0 || line.trim() !== '"use strict";') break;
  }
  return lines.join("\n").trim();
}

/**
 * The bundle carries code of other packages (connect-es and protobuf-es),
 * whose source headers minifying drops: dist/THIRD_PARTY_NOTICES names each
 * package with its version and license, repeats every distinct header of
 * its bundled files, and ends with the license texts.
 */
function writeNotices(inputs: string[]): void {
  const packages = new Map<string, string[]>();
  for (const path of inputs) {
    const dir = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];
    if (dir) packages.set(dir, [...(packages.get(dir) ?? []), path]);
  }
  const sections: string[] = [];
  const texts = new Set<string>();
  for (const [dir, files] of [...packages].sort()) {
    const pkg = JSON.parse(readFileSync(`${dir}/package.json`, "utf8")) as {
      name: string;
      version: string;
      license: string;
    };
    const headers = [...new Set(files.map(header).filter((h) => /copyright/i.test(h)))];
    if (headers.length === 0) throw new Error(`no copyright header in the bundled files of ${pkg.name}`);
    for (const id of pkg.license.match(/[A-Za-z0-9.-]+/g) ?? []) {
      if (id === "AND" || id === "OR" || TEXT_IN_HEADERS.has(id)) continue;
      if (!existsSync(`licenses/${id}.txt`))
        throw new Error(`${pkg.name} is ${pkg.license}: add licenses/${id}.txt`);
      texts.add(id);
    }
    sections.push(
      `${pkg.name} ${pkg.version}, ${pkg.license.replace(/^\((.*)\)$/, "$1")}\n\n${headers.join("\n\n")}`,
    );
  }
  const rule = "=".repeat(72);
  writeFileSync(
    "dist/THIRD_PARTY_NOTICES",
    [
      "fleetwatch-agent bundles code of these packages in dist/main.js.",
      ...sections,
      ...[...texts].map((id) => `${id}\n\n${readFileSync(`licenses/${id}.txt`, "utf8").trim()}`),
    ].join(`\n\n${rule}\n\n`) + "\n",
  );
}
writeNotices(Object.keys(metafile.inputs));
