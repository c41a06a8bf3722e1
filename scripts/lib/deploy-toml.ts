/**
 * Edits of wrangler.toml that `npm run deploy` needs, as pure functions on
 * its text. A line-based edit keeps the file's comments and layout, which a
 * parse-and-serialise round trip would lose.
 */

/** The id wrangler.toml ships with until the first deploy writes the real one. */
export const PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000";
/** The D1 binding the Worker reads (`env.DB`). */
export const DB_BINDING = "DB";

/**
 * Bindings the Worker keeps history in besides `DB` (worker/src/db/placement.ts).
 * Node runs this script without a bundler, so the pattern is repeated here.
 */
const HISTORY_BINDING = /^HISTORY_[1-9][0-9]{0,3}$/;

/** A `[[...d1_databases]]` block, for the top level or one `[env.NAME]`. */
export interface D1Block {
  binding: string;
  databaseName: string;
  databaseId: string;
  /** 0-based line of the `database_id = "..."` line. */
  idLine: number;
}

const HEADER = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/;
const KEY = (key: string) => new RegExp(`^\\s*${key}\\s*=\\s*"([^"]*)"`);

function tableFor(env?: string): string {
  return env ? `env.${env}.d1_databases` : "d1_databases";
}

/**
 * Every D1 block of the config (or of the env), in file order: the primary
 * `DB` and the history databases. Blocks missing a binding, a name or an id
 * are left out.
 */
export function findD1Blocks(toml: string, env?: string): D1Block[] {
  const lines = toml.split("\n");
  const table = tableFor(env);
  const out: D1Block[] = [];
  let inTable = false;
  let current: Partial<D1Block> = {};
  const done = () => {
    const { binding, databaseName, databaseId, idLine } = current;
    if (
      inTable &&
      binding &&
      databaseName !== undefined &&
      databaseId !== undefined &&
      idLine !== undefined
    ) {
      out.push({ binding, databaseName, databaseId, idLine });
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const header = HEADER.exec(line);
    if (header) {
      done();
      inTable = header[1] === table && line.trim().startsWith("[[");
      current = {};
      continue;
    }
    if (!inTable) continue;
    const binding = KEY("binding").exec(line);
    if (binding) current.binding = binding[1];
    const name = KEY("database_name").exec(line);
    if (name) current.databaseName = name[1];
    const id = KEY("database_id").exec(line);
    if (id) {
      current.databaseId = id[1];
      current.idLine = i;
    }
  }
  done();
  return out;
}

/** Finds the DB binding's block; undefined when the config (or the env) has none. */
export function findD1Block(toml: string, env?: string): D1Block | undefined {
  return findD1Blocks(toml, env).find((b) => b.binding === DB_BINDING);
}

/**
 * Why a D1 block will not hold history, or undefined when it will: the
 * Worker keeps history only in `DB` and `HISTORY_<n>` (docs/DEPLOY.md).
 */
export function bindingProblem(block: D1Block): string | undefined {
  if (block.binding === DB_BINDING || HISTORY_BINDING.test(block.binding)) return undefined;
  return `D1 binding ${block.binding} (${block.databaseName}) is neither ${DB_BINDING} nor HISTORY_<n>: it is created and migrated, but the Worker keeps no history in it`;
}

/**
 * Bindings that share a `database_id` (a copied placeholder), or undefined:
 * local D1 state is keyed by the id, so locally they would be one database.
 */
export function sharedDatabaseIds(blocks: D1Block[]): string | undefined {
  const byId = new Map<string, string[]>();
  for (const b of blocks) byId.set(b.databaseId, [...(byId.get(b.databaseId) ?? []), b.binding]);
  const shared = [...byId].filter(([, bindings]) => bindings.length > 1);
  if (shared.length === 0) return undefined;
  return shared.map(([id, bindings]) => `${bindings.join(", ")} share database_id ${id}`).join("; ");
}

/** Writes `id` as the `database_id` of `binding` (DB by default); throws when the block is missing. */
export function setDatabaseId(toml: string, id: string, env?: string, binding = DB_BINDING): string {
  const block = findD1Blocks(toml, env).find((b) => b.binding === binding);
  if (!block) {
    throw new Error(
      binding === DB_BINDING ? missingBlockMessage(env) : `no D1 block with binding ${binding}`,
    );
  }
  const lines = toml.split("\n");
  lines[block.idLine] = (lines[block.idLine] ?? "").replace(/"[^"]*"/, `"${id}"`);
  return lines.join("\n");
}

/** What to add when an environment has no D1 block of its own (bindings are not inherited). */
export function missingBlockMessage(env?: string): string {
  if (!env) {
    return `wrangler.toml has no [[d1_databases]] block with binding = "${DB_BINDING}"; restore it from git`;
  }
  return `wrangler.toml has no D1 database for environment "${env}". Bindings are not inherited by
environments; add this (see docs/DEPLOY.md) and run deploy again:

[env.${env}]
name = "fleetwatch-${env}"

[[env.${env}.durable_objects.bindings]]
name = "FLEET"
class_name = "FleetDO"

[[env.${env}.d1_databases]]
binding = "${DB_BINDING}"
database_name = "fleetwatch-${env}"
database_id = "${PLACEHOLDER_ID}"
migrations_dir = "migrations"`;
}

/** The database id printed by `wrangler d1 create` (TOML or JSON snippet). */
export function parseCreatedId(output: string): string | undefined {
  return /database_id"?\s*[=:]\s*"([0-9a-f-]{36})"/i.exec(output)?.[1];
}

/** A D1 database as `wrangler d1 list --json` reports it. */
export interface D1ListEntry {
  uuid: string;
  name: string;
}

/** Parses `wrangler d1 list --json`, tolerating log lines before the JSON. */
export function parseD1List(output: string): D1ListEntry[] {
  const start = output.indexOf("[");
  if (start < 0) throw new Error(`unexpected output of wrangler d1 list --json: ${output.slice(0, 200)}`);
  const parsed: unknown = JSON.parse(output.slice(start));
  if (!Array.isArray(parsed)) throw new Error("wrangler d1 list --json did not return a list");
  return parsed.flatMap((e: unknown) => {
    if (typeof e !== "object" || e === null) return [];
    const { uuid, name } = e as { uuid?: unknown; name?: unknown };
    return typeof uuid === "string" && typeof name === "string" ? [{ uuid, name }] : [];
  });
}

/** The Worker's public URL from `wrangler deploy` output, if it printed one. */
export function parseDeployUrl(output: string): string | undefined {
  const urls = output.match(/https:\/\/[^\s"'<>]+/g) ?? [];
  return urls.find((u) => u.endsWith(".workers.dev")) ?? urls.find((u) => !u.includes("cloudflare.com"));
}
