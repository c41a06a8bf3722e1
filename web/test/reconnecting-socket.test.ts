import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ReconnectingSocket, reconnectDelay } from "../src/lib/reconnecting-socket";

describe("reconnectDelay", () => {
  it("starts at 3 s, grows x1.3 and caps at 10 s", () => {
    const mid = () => 0.5;
    expect(reconnectDelay(1, undefined, mid)).toBe(3000);
    expect(reconnectDelay(2, undefined, mid)).toBe(3900);
    expect(reconnectDelay(3, undefined, mid)).toBe(5070);
    expect(reconnectDelay(20, undefined, mid)).toBe(10_000);
  });

  it("jitters within the bounds", () => {
    for (const r of [0, 0.25, 0.75, 0.999]) {
      const d = reconnectDelay(4, undefined, () => r);
      expect(d).toBeGreaterThanOrEqual(3000);
      expect(d).toBeLessThanOrEqual(10_000);
    }
  });
});

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  closedWith: number | undefined;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(d: string) {
    this.sent.push(d);
  }
  close(code: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

describe("ReconnectingSocket", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
  });
  afterEach(() => vi.useRealTimers());

  function make(onMessage = vi.fn()) {
    const statuses: string[] = [];
    const s = new ReconnectingSocket({
      url: () => "ws://x/live",
      onMessage,
      onStatus: (st) => statuses.push(st),
      createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
    });
    return { s, statuses, onMessage };
  }

  it("connects at once and reconnects after a drop with backoff", () => {
    const { s, statuses } = make();
    s.start();
    expect(FakeSocket.all).toHaveLength(1);
    FakeSocket.all[0]?.open();
    FakeSocket.all[0]?.drop();
    expect(s.status).toBe("closed");
    vi.advanceTimersByTime(2399);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(3601);
    expect(FakeSocket.all).toHaveLength(2);
    expect(statuses).toEqual(["connecting", "open", "closed", "connecting"]);
  });

  it("pings every 20 s and drops a connection silent for 45 s", () => {
    const { s } = make();
    s.start();
    const ws = FakeSocket.all[0];
    ws?.open();
    vi.advanceTimersByTime(20_000);
    expect(ws?.sent).toEqual(["ping"]);
    vi.advanceTimersByTime(25_000);
    expect(s.status).toBe("open");
    vi.advanceTimersByTime(5_000);
    expect(s.status).toBe("closed");
    expect(ws?.closedWith).toBe(4000);
  });

  it("stays open while messages keep arriving", () => {
    const { s } = make();
    s.start();
    const ws = FakeSocket.all[0];
    ws?.open();
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(20_000);
      ws?.onmessage?.({ data: "pong" });
    }
    expect(s.status).toBe("open");
    expect(ws?.sent.length).toBeGreaterThanOrEqual(9);
  });

  it("passes messages on but swallows pong", () => {
    const { s, onMessage } = make();
    s.start();
    const ws = FakeSocket.all[0];
    ws?.open();
    ws?.onmessage?.({ data: "pong" });
    ws?.onmessage?.({ data: "{}" });
    expect(onMessage).toHaveBeenCalledTimes(1);
  });

  it("stops retrying after stop()", () => {
    const { s } = make();
    s.start();
    FakeSocket.all[0]?.drop();
    s.stop();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });
});
