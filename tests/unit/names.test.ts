import { describe, expect, it } from "vitest";
import { cleanName } from "../../agent/src/collect/read";
import { CONTROL_CHARS } from "../../worker/src/http/text";

describe("names the agent sends and the hub accepts", () => {
  it("cleans every character the hub refuses, so no sample is lost over a process name", () => {
    const refused: number[] = [];
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const name = cleanName(`a${String.fromCharCode(cp)}b`);
      if (CONTROL_CHARS.test(name)) refused.push(cp);
    }
    expect(refused.map((cp) => cp.toString(16))).toEqual([]);
  });

  it("keeps ordinary and non-Latin names as they are", () => {
    for (const n of ["nginx: worker process", "postgres: writer", "Web Content", "日本語-daemon", "café"]) {
      expect(cleanName(n)).toBe(n);
      expect(CONTROL_CHARS.test(n)).toBe(false);
    }
  });
});
