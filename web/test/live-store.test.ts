import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { encodeSummaries, type LiveEntry, summaryCodes } from "../../worker/src/metrics/summary";
import type { HostView } from "../../worker/src/metrics/types";
import { LiveStore } from "../src/lib/live";
import { host } from "./fixtures";

const entry = (i: number, h: HostView): LiveEntry => ({ i, id: h.id, info: h.info, c: summaryCodes(h) });
const overview = (gen: number, ...hosts: LiveEntry[]) => ({
  type: "overview",
  fleet: "f",
  serverTime: 1,
  gen,
  hosts,
});

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string | ArrayBuffer }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(d: string) {
    this.sent.push(d);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  frame(f: unknown) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  binary(b: Uint8Array) {
    this.onmessage?.({ data: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
}

describe("LiveStore", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal("location", { protocol: "https:", host: "fw.example" });
    FakeSocket.all = [];
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  const make = () => new LiveStore({ createSocket: (url) => new FakeSocket(url) as unknown as WebSocket });
  const ids = (s: LiveStore) => [...s.hosts.value.keys()];

  it("connects to the fleet's wss URL on the page's origin", () => {
    const s = make();
    s.connect("fleet 1");
    expect(FakeSocket.all[0]?.url).toBe("wss://fw.example/api/fleets/fleet%201/live?frames=2&alerts=1");
    expect(s.status.value).toBe("connecting");
  });

  it("applies overview, entries, summaries and removed frames, once per animation frame", () => {
    const s = make();
    s.connect("f");
    const ws = FakeSocket.all[0];
    ws?.open();
    ws?.frame(overview(5, entry(0, host("a")), entry(1, host("b"))));
    ws?.frame({ type: "entries", serverTime: 2, gen: 5, hosts: [entry(2, host("c"))] });
    ws?.binary(encodeSummaries({ gen: 5, serverTime: 3, changes: [{ index: 0, codes: { cpu: 901 } }] }));
    expect(ids(s)).toEqual([]);
    vi.advanceTimersByTime(20);
    expect(ids(s)).toEqual(["a", "b", "c"]);
    expect(s.hosts.value.get("a")?.value.summary.cpu).toBe(90);
    expect(s.loaded.value).toBe(true);
    ws?.frame({ type: "removed", serverTime: 3, hostIds: ["a"] });
    vi.advanceTimersByTime(20);
    expect(ids(s)).toEqual(["b", "c"]);
  });

  it("keeps the fleet's open alerts from alerts frames, before or after the snapshot, and forgets them on disconnect", () => {
    const s = make();
    s.connect("f");
    const ws = FakeSocket.all[0];
    ws?.open();
    const alert = {
      id: "al_1",
      fingerprint: "fp",
      ruleId: "r",
      rule: "cpu high",
      severity: "critical",
      hostId: "a",
      host: "web-1",
      series: "cpu",
      state: "firing",
      value: 97.5,
      threshold: 90,
      pendingSince: 1,
      startsAt: 1,
      silenced: false,
    };
    ws?.frame({ type: "alerts", serverTime: 2, evaluatedAt: 60_000, alerts: [alert] });
    expect(s.alerts.value).toEqual({ evaluatedAt: 60_000, alerts: [alert] });
    // A malformed one is not taken (and asks for a snapshot like any frame it cannot read).
    ws?.frame({ type: "alerts", serverTime: 3, evaluatedAt: 120_000, alerts: [{ ...alert, state: "boom" }] });
    expect(s.alerts.value?.evaluatedAt).toBe(60_000);
    expect(ws?.sent).toContain(JSON.stringify({ type: "resync" }));
    s.disconnect();
    expect(s.alerts.value).toBeUndefined();
  });

  it("asks for a snapshot when summaries come from another generation", () => {
    const s = make();
    s.connect("f");
    const ws = FakeSocket.all[0];
    ws?.open();
    ws?.frame(overview(5, entry(0, host("a"))));
    ws?.binary(encodeSummaries({ gen: 6, serverTime: 3, changes: [{ index: 0, codes: { cpu: 901 } }] }));
    expect(ws?.sent).toContain(JSON.stringify({ type: "resync" }));
    vi.advanceTimersByTime(20);
    expect(s.hosts.value.get("a")?.value.summary.cpu).toBe(10);
  });

  it("subscribes to a host's full state, again after a reconnect, and records it for the sparklines", () => {
    const s = make();
    s.connect("f");
    const ws = FakeSocket.all[0];
    ws?.open();
    const sub = s.subscribe("a");
    const twice = s.subscribe("a");
    expect(ws?.sent.filter((m) => m.includes("subscribe"))).toEqual([
      JSON.stringify({ type: "subscribe", hostIds: ["a"] }),
    ]);
    ws?.frame({ type: "host", serverTime: 1, hostId: "a", host: host("a", { lastSeen: 1000 }) });
    ws?.frame({
      type: "host",
      serverTime: 2,
      hostId: "a",
      host: host("a", { lastSeen: 6000 }, { cpu: { totalPct: 55, perCorePct: [] } }),
    });
    expect(sub.host.value?.lastSeen).toBe(6000);
    expect(s.recent.of("a").values.cpu).toEqual([10, 55]);

    ws?.drop();
    vi.advanceTimersByTime(4000);
    const ws2 = FakeSocket.all[1];
    ws2?.open();
    expect(ws2?.sent).toContain(JSON.stringify({ type: "subscribe", hostIds: ["a"] }));

    // Released by both holders: unsubscribed, and its points forgotten.
    sub.release();
    expect(ws2?.sent.filter((m) => m.includes("unsubscribe"))).toEqual([]);
    twice.release();
    expect(ws2?.sent).toContain(JSON.stringify({ type: "unsubscribe", hostIds: ["a"] }));
    expect(s.recent.of("a").t).toEqual([]);
  });

  it("tells a subscriber when its host is removed", () => {
    const s = make();
    s.connect("f");
    const ws = FakeSocket.all[0];
    ws?.open();
    ws?.frame(overview(5, entry(0, host("a"))));
    const sub = s.subscribe("a");
    ws?.frame({ type: "host", serverTime: 1, hostId: "a", host: host("a") });
    ws?.frame({ type: "removed", serverTime: 3, hostIds: ["a"] });
    expect(sub.host.value).toBeNull();
  });

  it("ignores deltas that arrive before the snapshot and asks for one", () => {
    const s = make();
    s.connect("f");
    const ws = FakeSocket.all[0];
    ws?.open();
    ws?.frame({ type: "entries", serverTime: 2, gen: 1, hosts: [entry(0, host("c"))] });
    vi.advanceTimersByTime(20);
    expect(ids(s)).toEqual([]);
    vi.advanceTimersByTime(5000);
    expect(ws?.sent).toContain(JSON.stringify({ type: "resync" }));
  });

  it("replaces the hosts with the snapshot after a reconnect", () => {
    const s = make();
    s.connect("f");
    FakeSocket.all[0]?.open();
    FakeSocket.all[0]?.frame(overview(1, entry(0, host("a")), entry(1, host("b"))));
    vi.advanceTimersByTime(20);
    FakeSocket.all[0]?.drop();
    expect(s.status.value).toBe("closed");
    vi.advanceTimersByTime(4000);
    const ws2 = FakeSocket.all[1];
    ws2?.open();
    ws2?.frame(overview(2, entry(0, host("b"))));
    vi.advanceTimersByTime(20);
    expect(ids(s)).toEqual(["b"]);
    expect(s.status.value).toBe("open");
  });

  it("forgets everything on disconnect", () => {
    const s = make();
    s.connect("f");
    FakeSocket.all[0]?.open();
    FakeSocket.all[0]?.frame(overview(1, entry(0, host("a"))));
    vi.advanceTimersByTime(20);
    s.disconnect();
    expect(ids(s)).toEqual([]);
    expect(s.loaded.value).toBe(false);
    expect(s.status.value).toBe("closed");
  });
});
