import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const ROOT = new URL("../..", import.meta.url).pathname;
const DEPLOY = join(ROOT, "scripts/deploy.ts");
const NEW_ID = "5f0c1e2a-7b3d-4c8e-9a10-0123456789ab";
const PLACEHOLDER = "00000000-0000-0000-0000-000000000000";
/** The id the fake gives the n-th database it creates after the first. */
const HISTORY_ID = (n: number) => `${NEW_ID.slice(0, -2)}${String(n).padStart(2, "0")}`;

/**
 * A stand-in for wrangler: records argv (one JSON line per call) and answers
 * like the real one. `d1 create` adds the database to a state file, so the
 * next `d1 list` sees it.
 */
const FAKE_WRANGLER = `#!/usr/bin/env node
const fs = require("node:fs");
const path = require("node:path");
const dir = __dirname;
const args = process.argv.slice(2);
fs.appendFileSync(path.join(dir, "calls.log"), JSON.stringify(args) + "\\n");
const dbFile = path.join(dir, "dbs.json");
const dbs = fs.existsSync(dbFile) ? JSON.parse(fs.readFileSync(dbFile, "utf8")) : [];
const [a, b, c] = args;
if (a === "whoami") {
  if (process.env.FAKE_LOGGED_OUT) console.log("You are not authenticated. Please run \`wrangler login\`.");
  else console.log("You are logged in with an OAuth Token, associated with the email ops@example.com.");
} else if (a === "d1" && b === "list") {
  console.log(JSON.stringify(dbs.map((d) => ({ uuid: d.uuid, name: d.name, created_at: "2026-01-01", version: "production" })), null, 2));
} else if (a === "d1" && b === "create") {
  // The first database created gets NEW_ID, later ones HISTORY_ID(n).
  const uuid = dbs.length === 0 ? "${NEW_ID}" : "${NEW_ID.slice(0, -2)}" + String(dbs.length).padStart(2, "0");
  dbs.push({ uuid, name: c });
  fs.writeFileSync(dbFile, JSON.stringify(dbs));
  console.log("✅ Successfully created DB '" + c + "' in region WEUR");
  console.log("Created your new D1 database.\\n");
  console.log("To access your new D1 Database in your Worker, add the following snippet to your configuration file:");
  console.log('[[d1_databases]]\\nbinding = "' + c + '"\\ndatabase_name = "' + c + '"\\ndatabase_id = "' + uuid + '"');
} else if (a === "d1" && b === "migrations") {
  console.log("Migrations to be applied: 0001_init.sql\\n✅ Applied");
} else if (a === "deploy") {
  console.log("Uploaded fleetwatch (3.1 sec)\\nDeployed fleetwatch triggers (0.5 sec)\\n  https://fleetwatch.ops.workers.dev\\n  schedule: * * * * *");
} else {
  console.error("fake wrangler: unexpected " + args.join(" "));
  process.exit(3);
}
`;

const STAGING = `
[env.staging]
name = "fleetwatch-staging"

[[env.staging.durable_objects.bindings]]
name = "FLEET"
class_name = "FleetDO"

[[env.staging.d1_databases]]
binding = "DB"
database_name = "fleetwatch-staging"
database_id = "${PLACEHOLDER}"
migrations_dir = "migrations"
`;

/** A history database's block, as docs/DEPLOY.md says to add it (a placeholder id of its own). */
const history = (n: number, id = `${PLACEHOLDER.slice(0, -1)}${n}`) => `
[[d1_databases]]
binding = "HISTORY_${n}"
database_name = "fleetwatch-history-${n}"
database_id = "${id}"
migrations_dir = "migrations"
`;

/** The database_id of a binding's block. */
const idOf = (toml: string, binding: string) =>
  new RegExp(`binding = "${binding}"\\ndatabase_name = "[^"]*"\\ndatabase_id = "([^"]*)"`).exec(toml)?.[1];

// Each test spawns node a dozen times (deploy, then wrangler per step): seconds on a busy machine.
describe("npm run deploy", { timeout: 30_000 }, () => {
  let dir: string;
  let config: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "fleetwatch-deploy-"));
    // CommonJS so the fake runs whatever the package type around it says.
    writeFileSync(join(dir, "package.json"), '{"type":"commonjs"}');
    writeFileSync(join(dir, "wrangler"), FAKE_WRANGLER);
    chmodSync(join(dir, "wrangler"), 0o755);
    config = join(dir, "wrangler.toml");
    copyFileSync(join(ROOT, "wrangler.toml"), config);
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function deploy(args: string[] = [], env: Record<string, string> = {}) {
    const res = spawnSync(process.execPath, [DEPLOY, "--config", config, "--skip-build", ...args], {
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${dir}:${process.env.PATH}`,
        FLEETWATCH_WRANGLER: "wrangler",
        ...env,
      },
    });
    return { status: res.status, out: `${res.stdout}${res.stderr}` };
  }

  function calls(): string[][] {
    const log = join(dir, "calls.log");
    if (!existsSync(log)) return [];
    return readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as string[]);
  }

  it("creates the database and writes its id on the first run, and creates nothing on the second", () => {
    const first = deploy();
    expect(first.status, first.out).toBe(0);
    const cfg = ["--config", config];
    expect(calls()).toEqual([
      ["whoami", ...cfg],
      ["d1", "list", "--json", ...cfg],
      ["d1", "create", "fleetwatch", ...cfg],
      ["d1", "migrations", "apply", "fleetwatch", "--remote", ...cfg],
      ["deploy", ...cfg],
    ]);
    const toml = readFileSync(config, "utf8");
    expect(toml).toContain(`database_id = "${NEW_ID}"`);
    expect(toml).not.toContain(PLACEHOLDER);
    expect(first.out).toContain("https://fleetwatch.ops.workers.dev");
    expect(first.out).toContain("npm run fleet -- create <name> --remote");

    rmSync(join(dir, "calls.log"));
    const second = deploy();
    expect(second.status, second.out).toBe(0);
    expect(calls().map((c) => c.slice(0, 2).join(" "))).toEqual([
      "whoami --config",
      "d1 list",
      "d1 migrations",
      "deploy --config",
    ]);
    expect(readFileSync(config, "utf8")).toBe(toml);
  });

  it("keeps the rest of wrangler.toml byte for byte", () => {
    const before = readFileSync(config, "utf8");
    expect(deploy().status).toBe(0);
    expect(readFileSync(config, "utf8")).toBe(before.replace(PLACEHOLDER, NEW_ID));
  });

  it("writes the id into the [env.NAME] section with --env and leaves the default one alone", () => {
    writeFileSync(config, readFileSync(config, "utf8") + STAGING);
    const res = deploy(["--env", "staging"]);
    expect(res.status, res.out).toBe(0);
    expect(calls()).toContainEqual(["d1", "create", "fleetwatch-staging", "--config", config]);
    expect(calls()).toContainEqual([
      "d1",
      "migrations",
      "apply",
      "fleetwatch-staging",
      "--remote",
      "--config",
      config,
      "--env",
      "staging",
    ]);
    expect(calls()).toContainEqual(["deploy", "--config", config, "--env", "staging"]);
    const toml = readFileSync(config, "utf8");
    const [top, staging] = toml.split("[env.staging]");
    expect(top).toContain(`database_id = "${PLACEHOLDER}"`);
    expect(staging).toContain(`database_id = "${NEW_ID}"`);
    expect(res.out).toContain("--remote --env staging");
  });

  it("explains what to add when the environment has no D1 block", () => {
    const res = deploy(["--env", "qa"]);
    expect(res.status).toBe(1);
    expect(res.out).toContain("[[env.qa.d1_databases]]");
    expect(calls()).toEqual([]);
  });

  it("tells the user to log in and stops when wrangler is not authenticated", () => {
    const res = deploy([], { FAKE_LOGGED_OUT: "1" });
    expect(res.status).toBe(1);
    expect(res.out).toContain("wrangler login");
    expect(calls()).toEqual([["whoami", "--config", config]]);
  });

  it("creates and migrates every history database, writes each id, and creates nothing on the second run", () => {
    writeFileSync(config, readFileSync(config, "utf8") + history(1) + history(2));
    const first = deploy();
    expect(first.status, first.out).toBe(0);
    const cfg = ["--config", config];
    expect(calls()).toEqual([
      ["whoami", ...cfg],
      ["d1", "list", "--json", ...cfg],
      ["d1", "create", "fleetwatch", ...cfg],
      ["d1", "create", "fleetwatch-history-1", ...cfg],
      ["d1", "create", "fleetwatch-history-2", ...cfg],
      ["d1", "migrations", "apply", "fleetwatch", "--remote", ...cfg],
      ["d1", "migrations", "apply", "fleetwatch-history-1", "--remote", ...cfg],
      ["d1", "migrations", "apply", "fleetwatch-history-2", "--remote", ...cfg],
      ["deploy", ...cfg],
    ]);
    const toml = readFileSync(config, "utf8");
    expect(toml).not.toContain(PLACEHOLDER.slice(0, -1));
    expect(["DB", "HISTORY_1", "HISTORY_2"].map((b) => idOf(toml, b))).toEqual([
      NEW_ID,
      HISTORY_ID(1),
      HISTORY_ID(2),
    ]);

    rmSync(join(dir, "calls.log"));
    const second = deploy();
    expect(second.status, second.out).toBe(0);
    expect(calls().filter((c) => c[1] === "create")).toEqual([]);
    expect(calls().filter((c) => c[1] === "migrations")).toHaveLength(3);
    expect(readFileSync(config, "utf8")).toBe(toml);
  });

  it("creates only the history database added since the last deploy, and leaves the others' ids", () => {
    expect(deploy().status).toBe(0);
    writeFileSync(config, readFileSync(config, "utf8") + history(1));
    const before = readFileSync(config, "utf8");
    rmSync(join(dir, "calls.log"));
    const res = deploy();
    expect(res.status, res.out).toBe(0);
    expect(calls().filter((c) => c[1] === "create")).toEqual([
      ["d1", "create", "fleetwatch-history-1", "--config", config],
    ]);
    expect(
      calls()
        .filter((c) => c[1] === "migrations")
        .map((c) => c[3]),
    ).toEqual(["fleetwatch", "fleetwatch-history-1"]);
    expect(readFileSync(config, "utf8")).toBe(before.replace(`${PLACEHOLDER.slice(0, -1)}1`, HISTORY_ID(1)));
    expect(res.out).toContain(`found fleetwatch (${NEW_ID})`);
  });

  it("warns of a D1 binding the Worker keeps no history in, and still creates it", () => {
    writeFileSync(config, `${readFileSync(config, "utf8")}${history(1).replace("HISTORY_1", "ARCHIVE")}`);
    const res = deploy();
    expect(res.status, res.out).toBe(0);
    expect(res.out).toMatch(/warning: D1 binding ARCHIVE .* keeps no history in it/);
    expect(calls()).toContainEqual(["d1", "create", "fleetwatch-history-1", "--config", config]);
  });

  it("prints every step and runs none with --dry-run", () => {
    const before = readFileSync(config, "utf8");
    const res = deploy(["--dry-run"]);
    expect(res.status, res.out).toBe(0);
    for (const s of [
      "wrangler whoami",
      "wrangler d1 list --json",
      "wrangler d1 create fleetwatch",
      "migrations apply fleetwatch --remote",
      "wrangler deploy",
    ]) {
      expect(res.out).toContain(s);
    }
    expect(calls()).toEqual([]);
    expect(readFileSync(config, "utf8")).toBe(before);
  });

  it("names every history database's steps with --dry-run", () => {
    writeFileSync(config, readFileSync(config, "utf8") + history(1));
    const res = deploy(["--dry-run"]);
    expect(res.status, res.out).toBe(0);
    expect(res.out).toContain("wrangler d1 create fleetwatch-history-1");
    expect(res.out).toContain("migrations apply fleetwatch-history-1 --remote");
    expect(calls()).toEqual([]);
  });
});
