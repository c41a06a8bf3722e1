import { describe, expect, it } from "vitest";
import {
  findD1Block,
  findD1Blocks,
  setDatabaseId,
  sharedDatabaseIds,
} from "../../scripts/lib/deploy-toml.ts";

const block = (table: string, binding: string, name: string, id = "x") => `
[[${table}]]
binding = "${binding}"
database_name = "${name}"
database_id = "${id}"
migrations_dir = "migrations"
`;

const TOML = [
  'name = "fleetwatch"\n[assets]\nbinding = "ASSETS"\n',
  block("d1_databases", "DB", "fleetwatch"),
  '# [[d1_databases]]\n# binding = "HISTORY_9"\n',
  block("d1_databases", "HISTORY_1", "fleetwatch-history-1"),
  '[env.staging]\nname = "fleetwatch-staging"\n',
  block("env.staging.d1_databases", "DB", "fleetwatch-staging"),
  block("env.staging.d1_databases", "HISTORY_1", "fleetwatch-staging-history-1"),
].join("");

describe("wrangler.toml D1 blocks", () => {
  it("finds every D1 block of the top level in file order, and none of an environment's", () => {
    expect(findD1Blocks(TOML).map((b) => [b.binding, b.databaseName])).toEqual([
      ["DB", "fleetwatch"],
      ["HISTORY_1", "fleetwatch-history-1"],
    ]);
  });

  it("finds an environment's blocks only under it", () => {
    expect(findD1Blocks(TOML, "staging").map((b) => b.databaseName)).toEqual([
      "fleetwatch-staging",
      "fleetwatch-staging-history-1",
    ]);
    expect(findD1Block(TOML, "staging")?.databaseName).toBe("fleetwatch-staging");
  });

  it("writes a history database's id into its own block only", () => {
    const out = setDatabaseId(TOML, "id-h1", "staging", "HISTORY_1");
    expect(findD1Blocks(out, "staging").map((b) => b.databaseId)).toEqual(["x", "id-h1"]);
    expect(findD1Blocks(out).map((b) => b.databaseId)).toEqual(["x", "x"]);
    expect(out.split("\n").length).toBe(TOML.split("\n").length);
  });

  it("names bindings that share a database_id, which locally are one database", () => {
    expect(sharedDatabaseIds(findD1Blocks(TOML))).toBe("DB, HISTORY_1 share database_id x");
    expect(sharedDatabaseIds(findD1Blocks(setDatabaseId(TOML, "y", undefined, "HISTORY_1")))).toBeUndefined();
  });
});
