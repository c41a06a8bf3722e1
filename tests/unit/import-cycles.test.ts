import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findImportCycles, importsOf } from "../../scripts/lib/import-cycles";

const root = new URL("../../", import.meta.url).pathname;

/** A throwaway source tree: path -> contents. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "cycles-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe("import cycles", () => {
  it("has none in the Worker, the dashboard or the agent", () => {
    for (const dir of ["worker/src", "web/src", "agent/src"])
      expect(findImportCycles(join(root, dir))).toEqual([]);
  });

  it("finds a loop through a type-only import across folders", () => {
    const dir = tree({
      "alerts/engine.ts": 'import { fleetStub } from "../fleet/stub";\n',
      "fleet/stub.ts": 'import type { FleetDO } from "./fleet-do";\n',
      "fleet/fleet-do.ts": 'import {\n  onHostsChanged,\n} from "../alerts/engine";\n',
      "fleet/leaf.ts": 'import { x } from "./nowhere";\n',
    });
    expect(findImportCycles(dir)).toEqual([
      ["alerts/engine.ts", "fleet/stub.ts", "fleet/fleet-do.ts", "alerts/engine.ts"],
    ]);
  });

  it("reads static, re-exported, side-effect and dynamic imports, and skips packages", () => {
    expect(
      importsOf(
        'import a from "./a";\nexport { b } from "./b";\nexport * from "./c";\nimport "./d";\nconst e = await import("./e");\nimport { z } from "zod";\n',
      ),
    ).toEqual(["./a", "./b", "./c", "./d", "./e"]);
  });
});
