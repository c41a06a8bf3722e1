import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingRuntimeFlags, RUNTIME_FLAGS } from "../../agent/src/runtime-flags";
import { AGENT_CLI, ensureBuilt, startAgent, tempDir } from "./helpers/agent-process";
import { FakeHub } from "./helpers/fake-hub";

describe("missingRuntimeFlags", () => {
  it("lists every runtime flag for a plain `node cli.js`", () => {
    expect(missingRuntimeFlags([])).toEqual(RUNTIME_FLAGS);
  });

  it("leaves out a setting chosen on the command line, whatever its value or spelling", () => {
    expect(missingRuntimeFlags(["--no-jitless", "--max_semi_space_size=8"])).toEqual(["--no-expose-wasm"]);
  });

  it("leaves out a setting chosen in NODE_OPTIONS", () => {
    expect(missingRuntimeFlags([], "--max-semi-space-size=4  --trace-warnings")).toEqual([
      "--jitless",
      "--no-expose-wasm",
    ]);
  });
});

describe("the built agent", () => {
  let hub: FakeHub;
  beforeAll(async () => {
    await ensureBuilt();
    hub = await new FakeHub().start();
  });
  afterAll(() => hub.stop());

  it("relaunches itself in place with the runtime flags when started as `node cli.js`", async () => {
    const a = startAgent([], {
      FLEETWATCH_HUB: hub.url,
      FLEETWATCH_TOKEN: hub.token,
      FLEETWATCH_SPOOL_DIR: tempDir(),
    });
    try {
      await a.waitFor("connected to");
      const argv = readFileSync(`/proc/${a.child.pid}/cmdline`, "utf8").split("\0").filter(Boolean);
      expect(argv.slice(1)).toEqual([...RUNTIME_FLAGS, AGENT_CLI]);
    } finally {
      a.child.kill("SIGKILL");
    }
  });
});
