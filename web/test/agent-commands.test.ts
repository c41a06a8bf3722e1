import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { agentCommands, shellWord } from "../src/lib/agent-commands";
import { exportPath } from "../src/lib/hosts-api";

const SECRET = "fw_k3J9xQ2mZ8_AbC-dEf_123";

/** What `sh` makes of one word: the value the agent would receive. */
function throughShell(word: string): string {
  const r = spawnSync("sh", ["-c", `printf '%s' ${word}`], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe("the agent commands of Add host", () => {
  it("puts this hub's origin and the token verbatim into each command", () => {
    const byId = Object.fromEntries(
      agentCommands("https://fleet.example.com", SECRET).map((c) => [c.id, c.command]),
    );
    expect(byId).toEqual({
      install: "npm i -g fleetwatch-agent",
      run: `FLEETWATCH_HUB=https://fleet.example.com FLEETWATCH_TOKEN=${SECRET} fleetwatch-agent`,
      service: `sudo fleetwatch-agent install-service --hub https://fleet.example.com --token ${SECRET}`,
      start: "sudo systemctl daemon-reload && sudo systemctl enable --now fleetwatch-agent",
    });
  });

  it("keeps a port and a plain-http local origin as they are", () => {
    const [, run] = agentCommands("http://127.0.0.1:8787", SECRET);
    expect(run?.command).toBe(
      `FLEETWATCH_HUB=http://127.0.0.1:8787 FLEETWATCH_TOKEN=${SECRET} fleetwatch-agent`,
    );
  });

  it("quotes an origin the shell would otherwise glob (an IPv6 literal)", () => {
    const [, run, service] = agentCommands("http://[::1]:8787", SECRET);
    expect(run?.command).toBe(
      `FLEETWATCH_HUB='http://[::1]:8787' FLEETWATCH_TOKEN=${SECRET} fleetwatch-agent`,
    );
    expect(service?.command).toContain("--hub 'http://[::1]:8787' --token");
  });

  it("cannot be made to run a second command by a hostile value", () => {
    const evil = "x'; touch /tmp/pwned; echo '$(id)`id`\n";
    const [, run] = agentCommands("https://hub.example.com", evil);
    expect(run?.command).toBe(
      `FLEETWATCH_HUB=https://hub.example.com FLEETWATCH_TOKEN='x'\\''; touch /tmp/pwned; echo '\\''$(id)\`id\`\n' fleetwatch-agent`,
    );
    expect(throughShell(shellWord(evil))).toBe(evil);
  });

  it("gives the shell back exactly the value, whatever it holds", () => {
    const chars = "aZ09_-./:@%+=,'\"`$\\ !*?[]{}()<>|&;~#\t\né";
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    const values = Array.from({ length: 60 }, () =>
      Array.from({ length: 1 + (next() % 24) }, () => chars[next() % chars.length]).join(""),
    );
    // One shell for all of them: each value on its own line, NUL-free as argv must be.
    const script = values.map((v) => `printf '%s\\0' ${shellWord(v)}`).join("\n");
    const r = spawnSync("sh", ["-c", script], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split("\0").slice(0, -1)).toEqual(values);
  });

  it("leaves the empty string a word of its own", () => {
    expect(shellWord("")).toBe("''");
    expect(throughShell(`x${shellWord("")}y`)).toBe("xy");
  });
});

describe("the history export link", () => {
  it("asks for every series of the shown range in the chosen format", () => {
    expect(exportPath("f 1", "h/1", "csv", { from: 1000.4, to: 4600.2, stepS: 5 })).toBe(
      "/api/fleets/f%201/hosts/h%2F1/export?format=csv&from=1000&to=4601&step=5",
    );
    expect(exportPath("f", "h", "json", { from: 0, to: 1, stepS: 60 })).toContain("format=json");
  });
});
