import { describe, expect, it } from "vitest";
import { applyChanges } from "../src/lib/live";
import { coalesce, emptyChanges, parseFrame } from "../src/lib/live-frames";
import { host } from "./fixtures";

describe("parseFrame", () => {
  it("accepts a snapshot with well-formed hosts", () => {
    const f = parseFrame(JSON.stringify({ type: "snapshot", fleet: "f", serverTime: 1, hosts: [host("a")] }));
    expect(f?.type).toBe("snapshot");
  });

  it("rejects unknown types, bad JSON and malformed hosts", () => {
    expect(parseFrame("pong")).toBeUndefined();
    expect(parseFrame(JSON.stringify({ type: "nope", serverTime: 1 }))).toBeUndefined();
    expect(parseFrame(JSON.stringify({ type: "hosts", serverTime: 1, hosts: [{ id: 1 }] }))).toBeUndefined();
    expect(parseFrame(JSON.stringify({ type: "removed", serverTime: 1, hostIds: [1] }))).toBeUndefined();
  });
});

describe("coalesce", () => {
  it("lets a snapshot discard earlier changes", () => {
    const p = emptyChanges();
    coalesce(p, { type: "hosts", serverTime: 1, hosts: [host("a")] });
    coalesce(p, { type: "removed", serverTime: 2, hostIds: ["b"] });
    coalesce(p, { type: "snapshot", fleet: "f", serverTime: 3, hosts: [host("c")] });
    expect(p.snapshot?.map((h) => h.id)).toEqual(["c"]);
    expect(p.upserts.size).toBe(0);
    expect(p.removals.size).toBe(0);
    expect(p.serverTime).toBe(3);
  });

  it("keeps only the net effect per host", () => {
    const p = emptyChanges();
    coalesce(p, { type: "hosts", serverTime: 1, hosts: [host("a"), host("b")] });
    coalesce(p, { type: "removed", serverTime: 2, hostIds: ["a"] });
    coalesce(p, { type: "hosts", serverTime: 3, hosts: [host("b", { lastSeq: 9 })] });
    expect([...p.upserts.keys()]).toEqual(["b"]);
    expect(p.upserts.get("b")?.lastSeq).toBe(9);
    expect([...p.removals]).toEqual(["a"]);
  });
});

describe("applyChanges", () => {
  it("keeps the membership map when only values change, updating the host's own signal", () => {
    let map = applyChanges(new Map(), { ...emptyChanges(), snapshot: [host("a"), host("b")] });
    const sigA = map.get("a");
    const p = emptyChanges();
    coalesce(p, { type: "hosts", serverTime: 1, hosts: [host("a", { lastSeq: 2 })] });
    const next = applyChanges(map, p);
    expect(next).toBe(map);
    expect(next.get("a")).toBe(sigA);
    expect(sigA?.value.lastSeq).toBe(2);
    map = next;
  });

  it("returns a new map when hosts are added or removed", () => {
    const map = applyChanges(new Map(), { ...emptyChanges(), snapshot: [host("a")] });
    const p = emptyChanges();
    coalesce(p, { type: "hosts", serverTime: 1, hosts: [host("b")] });
    coalesce(p, { type: "removed", serverTime: 1, hostIds: ["a"] });
    const next = applyChanges(map, p);
    expect(next).not.toBe(map);
    expect([...next.keys()]).toEqual(["b"]);
  });

  it("drops hosts missing from a new snapshot and reuses signals of the others", () => {
    const map = applyChanges(new Map(), { ...emptyChanges(), snapshot: [host("a"), host("b")] });
    const sigB = map.get("b");
    const next = applyChanges(map, { ...emptyChanges(), snapshot: [host("b")] });
    expect([...next.keys()]).toEqual(["b"]);
    expect(next.get("b")).toBe(sigB);
  });
});
