import { describe, expect, it } from "vitest";
import { encodeSummaries, type LiveEntry, summaryCodes } from "../../worker/src/metrics/summary";
import type { HostView } from "../../worker/src/metrics/types";
import { applyChanges } from "../src/lib/live";
import { emptyChanges, type Frame, OverviewModel, parseFrame } from "../src/lib/live-frames";
import { host, liveHost } from "./fixtures";

const entry = (i: number, h: HostView): LiveEntry => ({ i, id: h.id, info: h.info, c: summaryCodes(h) });
const overview = (gen: number, ...hosts: LiveEntry[]): Frame => ({
  type: "overview",
  fleet: "f",
  serverTime: 1,
  gen,
  hosts,
});
const binary = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

describe("parseFrame", () => {
  it("accepts overview frames with well-formed entries and binary summaries", () => {
    const text = JSON.stringify(overview(7, entry(0, host("a"))));
    expect(parseFrame(text)?.type).toBe("overview");
    const bin = encodeSummaries({ gen: 7, serverTime: 2, changes: [{ index: 0, codes: { cpu: 5 } }] });
    expect(parseFrame(binary(bin))).toEqual({
      type: "summaries",
      gen: 7,
      serverTime: 2,
      changes: [{ index: 0, codes: { cpu: 5 } }],
    });
  });

  it("rejects unknown types, bad JSON, malformed entries and bytes that are not summaries", () => {
    expect(parseFrame("pong")).toBeUndefined();
    expect(parseFrame(JSON.stringify({ type: "nope", serverTime: 1 }))).toBeUndefined();
    expect(
      parseFrame(JSON.stringify({ type: "entries", serverTime: 1, gen: 1, hosts: [{ id: 1 }] })),
    ).toBeUndefined();
    expect(
      parseFrame(JSON.stringify({ type: "host", serverTime: 1, hostId: "a", host: { id: 1 } })),
    ).toBeUndefined();
    expect(parseFrame(JSON.stringify({ type: "removed", serverTime: 1, hostIds: [1] }))).toBeUndefined();
    expect(parseFrame(new Uint8Array([9, 9, 9]).buffer)).toBeUndefined();
  });
});

describe("OverviewModel", () => {
  it("applies changes by index onto the codes it holds", () => {
    const m = new OverviewModel();
    const p = emptyChanges();
    expect(m.apply(overview(3, entry(0, host("a")), entry(1, host("b"))) as never, p)).toBe(true);
    expect(p.snapshot?.map((h) => [h.id, h.summary.cpu])).toEqual([
      ["a", 10],
      ["b", 10],
    ]);
    const q = emptyChanges();
    expect(
      m.apply({ type: "summaries", gen: 3, serverTime: 5, changes: [{ index: 1, codes: { cpu: 556 } }] }, q),
    ).toBe(true);
    // Only b changed, and only its cpu: its memory and disk are what the overview frame held.
    expect([...q.upserts.keys()]).toEqual(["b"]);
    const b = q.upserts.get("b");
    expect([b?.summary.cpu, b?.summary.mem, b?.summary.disk]).toEqual([55.5, 30, 20]);
  });

  it("asks for a snapshot on another generation or an unknown index", () => {
    const m = new OverviewModel();
    m.apply(overview(3, entry(0, host("a"))) as never, emptyChanges());
    expect(m.apply({ type: "summaries", gen: 4, serverTime: 5, changes: [] }, emptyChanges())).toBe(false);
    expect(
      m.apply(
        { type: "summaries", gen: 3, serverTime: 5, changes: [{ index: 9, codes: { cpu: 1 } }] },
        emptyChanges(),
      ),
    ).toBe(false);
    expect(m.apply({ type: "entries", gen: 4, serverTime: 5, hosts: [] }, emptyChanges())).toBe(false);
  });

  it("keeps only the net effect per host, and a snapshot discards what came before", () => {
    const m = new OverviewModel();
    const p = emptyChanges();
    m.apply(overview(1, entry(0, host("a")), entry(1, host("b"))) as never, emptyChanges());
    m.apply({ type: "entries", gen: 1, serverTime: 2, hosts: [entry(2, host("c"))] }, p);
    m.apply({ type: "removed", serverTime: 3, hostIds: ["a", "c"] }, p);
    m.apply({ type: "summaries", gen: 1, serverTime: 4, changes: [{ index: 1, codes: { procs: 8 } }] }, p);
    expect([...p.upserts.keys()]).toEqual(["b"]);
    expect([...p.removals].sort()).toEqual(["a", "c"]);
    // A removed host's index is gone: a change naming it means the sides disagree.
    expect(m.apply({ type: "summaries", gen: 1, serverTime: 5, changes: [{ index: 0, codes: {} }] }, p)).toBe(
      false,
    );
    m.apply(overview(2, entry(0, host("z"))) as never, p);
    expect([p.snapshot?.map((h) => h.id), p.upserts.size, p.removals.size]).toEqual([["z"], 0, 0]);
  });
});

describe("applyChanges", () => {
  it("keeps the membership map when only values change, updating the host's own signal", () => {
    const map = applyChanges(new Map(), { ...emptyChanges(), snapshot: [liveHost("a"), liveHost("b")] });
    const sigA = map.get("a");
    const p = emptyChanges();
    p.upserts.set("a", liveHost("a", { lastSeen: 2 }));
    const next = applyChanges(map, p);
    expect(next).toBe(map);
    expect(next.get("a")).toBe(sigA);
    expect(sigA?.value.lastSeen).toBe(2);
  });

  it("returns a new map when hosts are added or removed", () => {
    const map = applyChanges(new Map(), { ...emptyChanges(), snapshot: [liveHost("a")] });
    const p = emptyChanges();
    p.upserts.set("b", liveHost("b"));
    p.removals.add("a");
    const next = applyChanges(map, p);
    expect(next).not.toBe(map);
    expect([...next.keys()]).toEqual(["b"]);
  });

  it("drops hosts missing from a new snapshot and reuses signals of the others", () => {
    const map = applyChanges(new Map(), { ...emptyChanges(), snapshot: [liveHost("a"), liveHost("b")] });
    const sigB = map.get("b");
    const next = applyChanges(map, { ...emptyChanges(), snapshot: [liveHost("b")] });
    expect([...next.keys()]).toEqual(["b"]);
    expect(next.get("b")).toBe(sigB);
  });
});
