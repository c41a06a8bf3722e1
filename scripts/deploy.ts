// npm run deploy [-- --env NAME] [--dry-run]: first deploy to Cloudflare, and every one after it.
import { readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { runInherit, runWrangler, showCommand } from "./lib/deploy-run.ts";
import {
  bindingProblem,
  findD1Block,
  findD1Blocks,
  missingBlockMessage,
  PLACEHOLDER_ID,
  parseCreatedId,
  parseD1List,
  parseDeployUrl,
  setDatabaseId,
} from "./lib/deploy-toml.ts";
import { ROOT } from "./lib/wrangler.ts";

const USAGE = `usage: npm run deploy [-- --env NAME] [--dry-run] [--skip-build] [--config PATH]
Deploys fleetwatch to your Cloudflare account. Safe to run again: it creates each
D1 database (the primary DB and every HISTORY_<n>) only when missing, applies only
new migrations to each and redeploys.
  --env NAME     deploy the [env.NAME] environment of wrangler.toml (its own Worker and D1)
  --dry-run      print every step, run none
  --skip-build   reuse the current agent/dist and web/dist
  --config PATH  another wrangler.toml (default: the repository's)`;

function die(message: string): never {
  console.error(`deploy: ${message}`);
  process.exit(1);
}

function step(text: string): void {
  console.log(`\n→ ${text}`);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      env: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      "skip-build": { type: "boolean", default: false },
      config: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const env = values.env;
  const dry = values["dry-run"] ?? false;
  const configPath = values.config
    ? isAbsolute(values.config)
      ? values.config
      : join(process.cwd(), values.config)
    : join(ROOT, "wrangler.toml");
  const shownConfig = relative(process.cwd(), configPath) || configPath;
  // Every wrangler call names the config and the environment, so they all agree on the database.
  const configArgs = values.config ? ["--config", configPath] : [];
  const scope = [...configArgs, ...(env ? ["--env", env] : [])];

  const toml = readFileSync(configPath, "utf8");
  if (!findD1Block(toml, env)) die(missingBlockMessage(env));
  // The primary and every history database, each created, recorded and migrated alike.
  const blocks = findD1Blocks(toml, env);
  const names = blocks.map((b) => b.databaseName);
  const where = env ? `environment "${env}"` : "the default environment";
  console.log(
    `fleetwatch deploy: ${where}, D1 ${names.length === 1 ? "database" : "databases"} ${names.map((n) => `"${n}"`).join(", ")}, config ${shownConfig}${dry ? " (dry run)" : ""}`,
  );
  for (const b of blocks) {
    const problem = bindingProblem(b);
    if (problem) console.warn(`warning: ${problem}`);
  }

  const wranglerCalls = {
    whoami: ["whoami", ...configArgs],
    list: ["d1", "list", "--json", ...configArgs],
    create: (name: string) => ["d1", "create", name, ...configArgs],
    migrate: (name: string) => ["d1", "migrations", "apply", name, "--remote", ...scope],
    deploy: ["deploy", ...scope],
  };

  if (dry) {
    const w = (args: string[]) => showCommand("wrangler", args);
    step(`check the Cloudflare login: ${w(wranglerCalls.whoami)}`);
    step(`find the D1 databases: ${w(wranglerCalls.list)}`);
    for (const b of blocks) {
      step(`create ${b.binding} when missing: ${w(wranglerCalls.create(b.databaseName))}`);
      step(`write its database_id into ${shownConfig}${env ? ` [env.${env}]` : ""} (now ${b.databaseId})`);
    }
    step(
      values["skip-build"]
        ? "build: skipped (--skip-build)"
        : "build the agent and the dashboard: npm run build",
    );
    for (const b of blocks)
      step(`apply D1 migrations to ${b.binding}: ${w(wranglerCalls.migrate(b.databaseName))}`);
    step(`deploy the Worker: ${w(wranglerCalls.deploy)}`);
    console.log("\ndry run: nothing was run or changed.");
    return;
  }

  step("checking the Cloudflare login (wrangler whoami)");
  const who = runWrangler(wranglerCalls.whoami);
  if (who.status !== 0 || /not authenticated/i.test(who.stdout + who.stderr)) {
    die(
      "not logged in to Cloudflare. Run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID), then npm run deploy again.",
    );
  }
  const account = /associated with the email (\S+)/.exec(who.stdout)?.[1];
  console.log(account ? `logged in as ${account.replace(/\.$/, "")}` : "logged in");

  step(`looking for the D1 ${names.length === 1 ? "database" : "databases"} ${names.join(", ")}`);
  const listed = () => {
    const list = runWrangler(wranglerCalls.list);
    if (list.status !== 0) die(`wrangler d1 list failed:\n${list.stdout}${list.stderr}`);
    return parseD1List(list.stdout);
  };
  let existing = listed();
  let text = toml;
  for (const b of blocks) {
    const name = b.databaseName;
    let id = existing.find((d) => d.name === name)?.uuid;
    if (id) {
      console.log(`found ${name} (${id})`);
    } else {
      console.log(`not found: creating ${name}`);
      const created = runWrangler(wranglerCalls.create(name));
      if (created.status !== 0) die(`wrangler d1 create ${name} failed:\n${created.stdout}${created.stderr}`);
      id = parseCreatedId(created.stdout);
      if (!id) {
        // The snippet's layout changes between wrangler versions: the list is the stable source.
        existing = listed();
        id = existing.find((d) => d.name === name)?.uuid;
      }
      if (!id)
        die(
          `created ${name} but could not read its id; run \`npx wrangler d1 list\` and put it in ${shownConfig}`,
        );
      console.log(`created ${name} (${id})`);
    }

    if (b.databaseId === id) {
      console.log(`${shownConfig} already has database_id ${id} for ${b.binding}`);
    } else {
      // Written at once: a later failure must not lose the id of a database just created.
      text = setDatabaseId(text, id, env, b.binding);
      writeFileSync(configPath, text);
      const was = b.databaseId === PLACEHOLDER_ID ? "the placeholder" : b.databaseId;
      console.log(
        `wrote database_id ${id} of ${b.binding} into ${shownConfig} (was ${was}); commit this change`,
      );
    }
  }

  if (values["skip-build"]) {
    step("build skipped (--skip-build)");
  } else {
    step("building the agent and the dashboard (npm run build)");
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    if (runInherit(npm, ["run", "build"]) !== 0) die("the build failed; fix it and run deploy again");
  }

  // Every database gets every migration: one schema everywhere, so any of
  // them can hold history (the primary's tables stay empty in the others).
  for (const name of names) {
    step(`applying D1 migrations to ${name} (remote)`);
    // CI=true answers wrangler's "Ok to proceed?" for us: this script is the confirmation.
    const migrated = runWrangler(wranglerCalls.migrate(name), { CI: "true" });
    process.stdout.write(migrated.stdout);
    if (migrated.status !== 0) die(`migrations of ${name} failed:\n${migrated.stderr}`);
  }

  step("deploying the Worker (wrangler deploy)");
  const deployed = runWrangler(wranglerCalls.deploy);
  process.stdout.write(deployed.stdout);
  if (deployed.status !== 0) die(`wrangler deploy failed:\n${deployed.stderr}`);

  const url = parseDeployUrl(deployed.stdout);
  const envFlag = env ? ` --env ${env}` : "";
  console.log(`\nfleetwatch is live${url ? ` at ${url}` : " (see the URL in the wrangler output above)"}.`);
  console.log("Next: create a fleet and its first admin token in the deployed database:");
  console.log(`  npm run fleet -- create <name> --remote${envFlag}`);
  console.log(`then sign in at ${url ?? "<your Worker URL>"} with that token.`);
}

try {
  main();
} catch (e) {
  die(e instanceof Error ? e.message : String(e));
}
