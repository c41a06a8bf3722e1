import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, ROOT, tempDir } from "./helpers/agent-process";

beforeAll(ensureBuilt);

describe("agent package", () => {
  it("installs globally from `npm pack` with only what it needs, and runs", () => {
    const work = tempDir("fw-pack-");
    // dist/ is built already; prepack would rebuild it under the other tests' feet.
    const [packed] = JSON.parse(
      execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
        cwd: join(ROOT, "agent"),
        encoding: "utf8",
      }),
    ) as { filename: string; files: { path: string }[] }[];
    if (!packed) throw new Error("npm pack printed nothing");
    expect(packed.files.map((f) => f.path).sort()).toEqual(
      [
        "README.md",
        "dist/THIRD_PARTY_NOTICES",
        "dist/cli.js",
        "dist/main.js",
        "dist/package.json",
        "package.json",
      ].sort(),
    );

    const prefix = join(work, "prefix");
    execFileSync(
      "npm",
      [
        "install",
        "--global",
        "--prefix",
        prefix,
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        join(work, packed.filename),
      ],
      { encoding: "utf8", stdio: "pipe" },
    );
    const installed = join(prefix, "lib/node_modules/fleetwatch-agent");
    // The transport and protobuf code is bundled: systeminformation is its only dependency.
    expect(readdirSync(join(installed, "node_modules")).filter((d) => !d.startsWith("."))).toEqual([
      "systeminformation",
    ]);
    expect(readFileSync(join(installed, "dist/THIRD_PARTY_NOTICES"), "utf8")).toContain(
      "@connectrpc/connect-node",
    );

    const bin = join(prefix, "bin/fleetwatch-agent");
    expect(existsSync(bin)).toBe(true);
    const help = execFileSync(bin, ["--help"], {
      encoding: "utf8",
      // The bin's `#!/usr/bin/env node` finds the Node 22 running these tests.
      env: { PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`, HOME: work },
    });
    expect(help).toMatch(/^fleetwatch-agent \d+\.\d+\.\d+: streams this host's metrics/);
    expect(help).toContain("--prometheus-port");
  });
});
