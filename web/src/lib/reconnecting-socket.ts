/**
 * A WebSocket that reconnects by itself, modelled on partysocket: the first
 * connection is immediate, then retries wait 3 s growing x1.3 per failure up
 * to 10 s, with jitter so a hub restart does not get every dashboard back in
 * the same millisecond. The retry count resets once a connection has stayed
 * up for a while, so a server that accepts and drops at once still backs off.
 *
 * Keep-alive: the hub auto-responds to the text `ping` with `pong` without
 * waking its Durable Object, so we ping every 20 s and treat 45 s without any
 * message as a dead connection (a vanished NAT entry or a sleeping laptop
 * never delivers `close`).
 */

/** `connecting`: a socket is opening; `open`: connected; `closed`: not connected (waiting to retry, or stopped). */
export type ConnectionStatus = "connecting" | "open" | "closed";

export interface BackoffOptions {
  minDelayMs: number;
  maxDelayMs: number;
  growFactor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minDelayMs: 3000, maxDelayMs: 10_000, growFactor: 1.3 };

/**
 * Delay before retry number `attempt` (1 = first retry after a drop):
 * min x grow^(attempt-1), jittered by ±20 %, kept within [min, max].
 */
export function reconnectDelay(
  attempt: number,
  o: BackoffOptions = DEFAULT_BACKOFF,
  random = Math.random,
): number {
  const base = o.minDelayMs * o.growFactor ** Math.max(0, attempt - 1);
  const jittered = base * (0.8 + 0.4 * random());
  return Math.round(Math.min(o.maxDelayMs, Math.max(o.minDelayMs, jittered)));
}

export interface ReconnectingSocketOptions {
  /** Evaluated on every attempt, so a changed fleet or origin is picked up. */
  url: () => string;
  /** Text frames as strings, binary frames as ArrayBuffers. */
  onMessage: (data: string | ArrayBuffer) => void;
  /** Called on every successful (re)connection. */
  onOpen?: () => void;
  /** Called when a connection ends or fails; `wasOpen` is false when it never opened. */
  onDrop?: (info: { wasOpen: boolean; code: number }) => void;
  onStatus?: (status: ConnectionStatus, retryAt: number | undefined) => void;
  backoff?: BackoffOptions;
  pingIntervalMs?: number;
  deadAfterMs?: number;
  connectTimeoutMs?: number;
  /** A connection that stays up this long resets the backoff. */
  minUptimeMs?: number;
  /** Injected in tests. */
  createSocket?: (url: string) => WebSocket;
}

/** How often the keep-alive checks for silence; also bounds how late a sleeping laptop notices. */
const WATCHDOG_MS = 5000;

// WebSocket.readyState values, spelled out so tests can inject a fake socket class.
const CONNECTING = 0;
const OPEN = 1;

export class ReconnectingSocket {
  readonly #o: Required<Omit<ReconnectingSocketOptions, "onOpen" | "onDrop" | "onStatus">> &
    ReconnectingSocketOptions;
  #ws: WebSocket | undefined;
  #attempt = 0;
  #running = false;
  #openedAt = 0;
  #lastMessageAt = 0;
  #lastPingAt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #status: ConnectionStatus = "closed";

  constructor(options: ReconnectingSocketOptions) {
    this.#o = {
      backoff: DEFAULT_BACKOFF,
      pingIntervalMs: 20_000,
      deadAfterMs: 45_000,
      connectTimeoutMs: 10_000,
      minUptimeMs: 5_000,
      createSocket: (url) => new WebSocket(url),
      ...options,
    };
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  /** Connects now and keeps reconnecting until `stop()`. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#attempt = 0;
    if (typeof window !== "undefined") window.addEventListener("online", this.#onOnline);
    this.#connect();
  }

  /** Closes the socket and cancels any retry. */
  stop(): void {
    this.#running = false;
    if (typeof window !== "undefined") window.removeEventListener("online", this.#onOnline);
    this.#clearTimers();
    this.#detach(1000);
    this.#setStatus("closed", undefined);
  }

  // The network is back: do not sit out the rest of the backoff.
  readonly #onOnline = () => this.reconnectNow();

  /** Skips the remaining backoff wait (e.g. the browser came back online). */
  reconnectNow(): void {
    if (!this.#running || this.#ws) return;
    this.#clearTimers();
    this.#connect();
  }

  /** Sends a text message; false when not connected. */
  send(data: string): boolean {
    if (this.#ws?.readyState !== OPEN) return false;
    this.#ws.send(data);
    return true;
  }

  #connect(): void {
    let ws: WebSocket;
    try {
      ws = this.#o.createSocket(this.#o.url());
    } catch {
      this.#handleDrop(false, 1006);
      return;
    }
    this.#ws = ws;
    ws.binaryType = "arraybuffer";
    this.#setStatus("connecting", undefined);
    this.#connectTimer = setTimeout(() => this.#handleDrop(false, 4008), this.#o.connectTimeoutMs);
    ws.onopen = () => {
      clearTimeout(this.#connectTimer);
      this.#openedAt = Date.now();
      this.#lastMessageAt = this.#lastPingAt = this.#openedAt;
      this.#pingTimer = setInterval(() => this.#keepAlive(), WATCHDOG_MS);
      this.#setStatus("open", undefined);
      this.#o.onOpen?.();
    };
    ws.onmessage = (ev: MessageEvent) => {
      this.#lastMessageAt = Date.now();
      if (ev.data instanceof ArrayBuffer || (typeof ev.data === "string" && ev.data !== "pong"))
        this.#o.onMessage(ev.data);
    };
    ws.onclose = (ev: CloseEvent) => this.#handleDrop(this.#openedAt > 0, ev.code);
    // An error is always followed by close; handling it there avoids a double retry.
    ws.onerror = null;
  }

  #keepAlive(): void {
    const now = Date.now();
    if (now - this.#lastMessageAt > this.#o.deadAfterMs) {
      this.#handleDrop(true, 4000);
      return;
    }
    if (now - this.#lastPingAt >= this.#o.pingIntervalMs) {
      this.#lastPingAt = now;
      this.send("ping");
    }
  }

  #handleDrop(wasOpen: boolean, code: number): void {
    const uptime = wasOpen ? Date.now() - this.#openedAt : 0;
    this.#clearTimers();
    this.#detach(code === 4000 || code === 4008 ? 4000 : 1000);
    this.#o.onDrop?.({ wasOpen, code });
    if (!this.#running) {
      this.#setStatus("closed", undefined);
      return;
    }
    if (uptime >= this.#o.minUptimeMs) this.#attempt = 0;
    this.#attempt++;
    const delay = reconnectDelay(this.#attempt, this.#o.backoff);
    this.#setStatus("closed", Date.now() + delay);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  /** Forgets the current socket; its late events must not trigger a second retry. */
  #detach(code: number): void {
    const ws = this.#ws;
    this.#ws = undefined;
    this.#openedAt = 0;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    if (ws.readyState === CONNECTING || ws.readyState === OPEN) {
      try {
        ws.close(code);
      } catch {
        // Already closing: nothing to do.
      }
    }
  }

  #clearTimers(): void {
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#connectTimer);
    clearInterval(this.#pingTimer);
    this.#retryTimer = this.#connectTimer = this.#pingTimer = undefined;
  }

  #setStatus(status: ConnectionStatus, retryAt: number | undefined): void {
    this.#status = status;
    this.#o.onStatus?.(status, retryAt);
  }
}
