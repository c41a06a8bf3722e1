// npm run fleet -- <command>: manage fleets and tokens in local or deployed D1.
import { parseArgs } from "node:util";
import {
  createFleetRow,
  createToken,
  fleetExists,
  issueOperatorToken,
  listTokens,
  type Role,
  revokeToken,
} from "./lib/fleets.ts";
import { applyMigrations, type D1Target } from "./lib/wrangler.ts";

const USAGE = `usage: npm run fleet -- <command> [--remote] [--env NAME]
  create <fleet-id> [--name "Display name"]   create a fleet and print its first admin token
  token <fleet-id> <agent|viewer|admin> [--name NAME]   issue a token (the secret is shown once)
  tokens <fleet-id>                           list tokens (never secrets)
  revoke <fleet-id> <token-id>                revoke a token (open streams end at reconnect; the API ends them at once)
  operator-token                              make an operator token for POST /api/fleets (prints its SHA-256 to store)
Without --remote the local state of \`npm start\` (.wrangler/state) is used.`;

const ROLES: Role[] = ["agent", "viewer", "admin"];

function die(message: string): never {
  console.error(`fleet: ${message}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      remote: { type: "boolean", default: false },
      env: { type: "string" },
      name: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [cmd, ...rest] = positionals;
  if (values.help || !cmd) {
    console.log(USAGE);
    return;
  }
  if (cmd === "operator-token") {
    // Needs no database: only the hash goes to the Worker, as a secret.
    const op = await issueOperatorToken();
    const envFlag = values.env ? ` --env ${values.env}` : "";
    console.log(`operator token (shown once, store it now): ${op.secret}`);
    console.log(
      `enable fleet creation with:\n  echo ${op.sha256} | npx wrangler secret put FLEETWATCH_OPERATOR_TOKEN_SHA256${envFlag}`,
    );
    console.log(`locally, add to .dev.vars: FLEETWATCH_OPERATOR_TOKEN_SHA256=${op.sha256}`);
    return;
  }
  const target: D1Target = { remote: values.remote ?? false };
  if (values.env) target.env = values.env;
  if (!target.remote) applyMigrations(target);

  switch (cmd) {
    case "create": {
      const [id] = rest;
      if (!id) die("create needs a fleet id, e.g. npm run fleet -- create prod");
      if (fleetExists(target, id))
        die(`fleet "${id}" exists; issue a token with: npm run fleet -- token ${id} admin`);
      createFleetRow(target, id, values.name ?? id);
      const admin = await createToken(target, id, "admin", "first admin token");
      console.log(`fleet ${id} created`);
      console.log(`admin token (shown once, store it now): ${admin.secret}`);
      return;
    }
    case "token": {
      const [fleet, role] = rest;
      if (!fleet || !role || !ROLES.includes(role as Role))
        die("token needs <fleet-id> <agent|viewer|admin>");
      if (!fleetExists(target, fleet))
        die(`no fleet "${fleet}"; create it with: npm run fleet -- create ${fleet}`);
      const tok = await createToken(target, fleet, role as Role, values.name ?? `${role} token`);
      console.log(`${role} token ${tok.id} (shown once): ${tok.secret}`);
      return;
    }
    case "tokens": {
      const [fleet] = rest;
      if (!fleet) die("tokens needs <fleet-id>");
      console.table(listTokens(target, fleet));
      return;
    }
    case "revoke": {
      const [fleet, id] = rest;
      if (!fleet || !id) die("revoke needs <fleet-id> <token-id>");
      if (!revokeToken(target, fleet, id)) die(`no active token ${id} in fleet ${fleet}`);
      console.log(`token ${id} revoked`);
      return;
    }
    default:
      die(`unknown command "${cmd}"\n${USAGE}`);
  }
}

main().catch((e: unknown) => die(e instanceof Error ? e.message : String(e)));
