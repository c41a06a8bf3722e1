import { describe, expect, it } from "vitest";
import { Headers as AgentHeaders } from "../../agent/src/transport/headers";

type AnyHeaders = InstanceType<typeof globalThis.Headers>;
type Init = ConstructorParameters<typeof globalThis.Headers>[0];

/** Runs `script` against the agent's Headers and Node's (undici's), and returns both outcomes. */
function both<T>(init: Init, script: (h: AnyHeaders) => T): [T | string, T | string] {
  const run = (make: () => AnyHeaders) => {
    try {
      return script(make());
    } catch (e) {
      return `throws ${(e as Error).name}`;
    }
  };
  return [run(() => new AgentHeaders(init)), run(() => new globalThis.Headers(init))];
}

const entries = (h: AnyHeaders) => [...h];

describe("the agent's Headers behaves like the platform's", () => {
  it.each([
    ["a record", { "Content-Type": "application/proto", "X-B": "2" }],
    [
      "a list of pairs",
      [
        ["x-a", "1"],
        ["X-A", "2"],
        ["b", "3"],
      ],
    ],
    ["another Headers", new globalThis.Headers({ Authorization: "Bearer t", z: "1" })],
    ["values with edge whitespace", { a: "  v \t" }],
    [
      "set-cookie twice",
      [
        ["Set-Cookie", "a=1"],
        ["set-cookie", "b=2"],
      ],
    ],
  ])("iterates %s sorted, lowercased and combined", (_, init) => {
    const [agent, platform] = both(init as Init, entries);
    expect(agent).toEqual(platform);
  });

  it("gets case-insensitively and joins appended values with a comma", () => {
    const script = (h: AnyHeaders) => {
      h.append("Accept", "a");
      h.append("accept", "b");
      return [h.get("ACCEPT"), h.get("missing"), h.has("Accept"), h.getSetCookie()];
    };
    const [agent, platform] = both(undefined, script);
    expect(agent).toEqual(platform);
  });

  it("replaces with set and removes with delete", () => {
    const script = (h: AnyHeaders) => {
      h.set("x", "1");
      h.set("X", "2");
      h.delete("a");
      const seen: string[] = [];
      h.forEach((value, key, parent) => {
        seen.push(`${key}=${value}:${parent === h}`);
      });
      return seen;
    };
    const [agent, platform] = both({ a: "0", b: "1" }, script);
    expect(agent).toEqual(platform);
  });

  it.each([
    ["a name with a space", { "a b": "1" }],
    ["a value with a line feed", { a: "1\n2" }],
    ["a pair of three", [["a", "1", "2"]]],
  ])("throws a TypeError for %s", (_, init) => {
    const [agent, platform] = both(init as Init, entries);
    expect(platform).toBe("throws TypeError");
    expect(agent).toBe(platform);
  });
});
