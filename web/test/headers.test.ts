import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SECURITY_HEADERS } from "../../worker/src/http/security-headers";

const HEADERS_FILE = new URL("../public/_headers", import.meta.url);

/** The headers `_headers` sets for a path pattern (`/*`), as name -> value. */
function rulesFor(text: string, pattern: string): Record<string, string> {
  const out: Record<string, string> = {};
  let inBlock = false;
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    if (!/^\s/.test(line)) {
      inBlock = line.trim() === pattern;
      continue;
    }
    if (!inBlock) continue;
    const colon = line.indexOf(":");
    out[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return out;
}

/** A CSP as directive -> sources. */
function directives(policy: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of policy.split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out[name] = sources;
  }
  return out;
}

describe("web/public/_headers (documents served as static assets)", () => {
  const pages = rulesFor(readFileSync(HEADERS_FILE, "utf8"), "/*");

  it("sets every security header the Worker sets, with the same value", () => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      if (name === "Content-Security-Policy") continue;
      expect(pages[name], name).toBe(value);
    }
  });

  it("has every CSP directive of the Worker's policy, allowing no source it does not", () => {
    const worker = directives(SECURITY_HEADERS["Content-Security-Policy"] ?? "");
    const assets = directives(pages["Content-Security-Policy"] ?? "");
    expect(Object.keys(worker).length).toBeGreaterThan(0);
    for (const [name, allowed] of Object.entries(worker)) {
      expect(assets[name], name).toBeDefined();
      for (const source of assets[name] ?? []) expect(allowed, `${name} ${source}`).toContain(source);
    }
  });

  it("allows no inline or eval'd script and no framing", () => {
    const csp = directives(pages["Content-Security-Policy"] ?? "");
    expect(csp["script-src"]).toEqual(["'self'"]);
    expect(csp["frame-ancestors"]).toEqual(["'none'"]);
    expect(pages["X-Frame-Options"]).toBe("DENY");
  });
});
