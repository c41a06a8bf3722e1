import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LiveStore } from "../src/lib/live";
import { host } from "./fixtures";

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
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
    expect(FakeSocket.all[0]?.url).toBe("wss://fw.example/api/fleets/fleet%201/live");
    expect(s.status.value).toBe("connecting");
  });

  it("applies snapshot, hosts and removed frames, once per animation frame", () => {
    const s = make();
    s.connect("f");
    const ws = FakeSocket.all[0];
    ws?.open();
    ws?.frame({ type: "snapshot", fleet: "f", serverTime: 1, hosts: [host("a"), host("b")] });
    ws?.frame({ type: "hosts", serverTime: 2, hosts: [host("c")] });
    expect(ids(s)).toEqual([]);
    vi.advanceTimersByTime(20);
    expect(ids(s)).toEqual(["a", "b", "c"]);
    expect(s.loaded.value).toBe(true);
    ws?.frame({ type: "removed", serverTime: 3, hostIds: ["a"] });
    vi.advanceTimersByTime(20);
    expect(ids(s)).toEqual(["b", "c"]);
  });

  it("keeps each applied sample for the sparklines and forgets removed hosts", () => {
    const s = make();
    s.connect("f");
    const ws = FakeSocket.all[0];
    ws?.open();
    ws?.frame({ type: "snapshot", fleet: "f", serverTime: 1, hosts: [host("a", { lastSeen: 1000 })] });
    vi.advanceTimersByTime(20);
    ws?.frame({
      type: "hosts",
      serverTime: 2,
      hosts: [host("a", { lastSeen: 6000 }, { cpu: { totalPct: 55, perCorePct: [] } })],
    });
    vi.advanceTimersByTime(20);
    expect(s.recent.of("a").t).toEqual([1000, 6000]);
    expect(s.recent.of("a").values.cpu).toEqual([10, 55]);
    ws?.frame({ type: "removed", serverTime: 3, hostIds: ["a"] });
    vi.advanceTimersByTime(20);
    expect(s.recent.of("a").t).toEqual([]);
  });

  it("ignores deltas that arrive before the snapshot and asks for one", () => {
    const s = make();
    s.connect("f");
    const ws = FakeSocket.all[0];
    ws?.open();
    ws?.frame({ type: "hosts", serverTime: 2, hosts: [host("c")] });
    vi.advanceTimersByTime(20);
    expect(ids(s)).toEqual([]);
    vi.advanceTimersByTime(5000);
    expect(ws?.sent).toContain(JSON.stringify({ type: "resync" }));
  });

  it("replaces the hosts with the snapshot after a reconnect", () => {
    const s = make();
    s.connect("f");
    FakeSocket.all[0]?.open();
    FakeSocket.all[0]?.frame({ type: "snapshot", fleet: "f", serverTime: 1, hosts: [host("a"), host("b")] });
    vi.advanceTimersByTime(20);
    FakeSocket.all[0]?.drop();
    expect(s.status.value).toBe("closed");
    vi.advanceTimersByTime(4000);
    const ws2 = FakeSocket.all[1];
    ws2?.open();
    ws2?.frame({ type: "snapshot", fleet: "f", serverTime: 9, hosts: [host("b")] });
    vi.advanceTimersByTime(20);
    expect(ids(s)).toEqual(["b"]);
    expect(s.status.value).toBe("open");
  });

  it("forgets everything on disconnect", () => {
    const s = make();
    s.connect("f");
    FakeSocket.all[0]?.open();
    FakeSocket.all[0]?.frame({ type: "snapshot", fleet: "f", serverTime: 1, hosts: [host("a")] });
    vi.advanceTimersByTime(20);
    s.disconnect();
    expect(ids(s)).toEqual([]);
    expect(s.loaded.value).toBe(false);
    expect(s.status.value).toBe("closed");
  });
});
