import { Code } from "@connectrpc/connect";
import type { HostInfo } from "@fleetwatch/proto/host_pb";
import type { Spool } from "../spool/spool";
import { type BackoffPolicy, backoffDelay, RECONNECT_BACKOFF } from "./backoff";
import { describeError, errorCode, type IngestClient } from "./hub-client";
import { replay } from "./replay";
import { runStream } from "./stream";
import type { Wake } from "./wake";
import { wireForm } from "./wire";

const HELLO_TIMEOUT_MS = 15_000;
const DEFAULT_ROTATE_S = 900;
const DEFAULT_MAX_BATCH = 500;
/** The hub rejects larger Push batches outright. */
const HUB_MAX_BATCH = 1000;

/** What the connection loop needs. */
export interface ConnectionOptions {
  client: IngestClient;
  hubUrl: string;
  spool: Spool;
  /** Re-read before every Hello, so interval changes reach the hub. */
  hostInfo: () => Promise<HostInfo>;
  wake: Wake;
  /** One status line per event, to stderr. */
  status: (line: string) => void;
  /** Reconnect backoff; defaults to 1 s base, 60 s cap. */
  backoff?: BackoffPolicy;
  /** Called when the hub asks for a different sampling interval. */
  onInterval?: (intervalS: number) => void;
  /** Called after each successful Hello with the host id the hub assigned and the info sent. */
  onConnected?: (hostId: string, info: HostInfo) => void;
}

/**
 * Keeps the agent connected to the hub: Hello, replay of everything
 * unacknowledged via Push, then live streaming with rotation; on any error,
 * reconnect with exponential backoff and full jitter. Nothing is ever lost
 * here: samples leave the spool only when the hub acknowledges them.
 */
export class HubConnection {
  #o: ConnectionOptions;
  #finish = new AbortController();
  #abort = new AbortController();
  #streaming = false;
  /** Push batch limit; halved when the hub says a batch was too much, restored as replays succeed. */
  #batchCap = HUB_MAX_BATCH;
  #batch = DEFAULT_MAX_BATCH;

  constructor(opts: ConnectionOptions) {
    this.#o = opts;
  }

  /**
   * Graceful stop: a running stream ends its request and waits for the hub's
   * summary (so the last samples are acknowledged); anything else (Hello,
   * replay, a backoff wait) is cancelled at once; `graceMs` later everything is.
   */
  stop(graceMs = 5_000): void {
    this.#finish.abort();
    if (!this.#streaming) this.#abort.abort();
    setTimeout(() => this.#abort.abort(), graceMs).unref();
  }

  /** Runs until {@link stop}. */
  async run(): Promise<void> {
    const { status, spool } = this.#o;
    let attempt = 0;
    while (!this.#finish.signal.aborted) {
      try {
        const info = await this.#o.hostInfo();
        const hello = await this.#o.client.hello(info, {
          signal: this.#abort.signal,
          timeoutMs: HELLO_TIMEOUT_MS,
        });
        const rotateMs = (hello.config?.streamRotateS || DEFAULT_ROTATE_S) * 1000;
        const hubBatch = Math.min(HUB_MAX_BATCH, hello.config?.maxBatch || DEFAULT_MAX_BATCH);
        this.#batch = Math.min(hubBatch, this.#batchCap);
        status(`connected to ${this.#o.hubUrl} as ${hello.hostId}`);
        this.#o.onConnected?.(hello.hostId, info);
        if (hello.intervalS >= 1 && hello.intervalS <= 300) this.#o.onInterval?.(hello.intervalS);

        // Compact encodings only for a hub that reads them.
        const wire = wireForm(hello.wireFeatures);
        const replayed = await replay({
          wire,
          client: this.#o.client,
          hostId: hello.hostId,
          spool,
          maxBatch: this.#batch,
          signal: this.#abort.signal,
          warn: status,
        });
        if (replayed > 0) status(`replayed ${replayed} samples`);
        this.#batchCap = HUB_MAX_BATCH;
        attempt = 0;

        while (!this.#finish.signal.aborted) {
          this.#streaming = true;
          const result = await runStream({
            client: this.#o.client,
            hostId: hello.hostId,
            spool,
            afterSeq: spool.ackedThrough,
            rotateMs,
            wake: this.#o.wake,
            finish: this.#finish.signal,
            abort: this.#abort.signal,
            wire,
          }).finally(() => {
            this.#streaming = false;
          });
          spool.ack(result.acceptedThroughSeq);
          attempt = 0;
        }
      } catch (e) {
        if (this.#finish.signal.aborted) break;
        const delay = this.#retryDelay(e, attempt);
        attempt++;
        const reason = describeError(e);
        const code = errorCode(e);
        if (code === Code.Unauthenticated || code === Code.PermissionDenied) {
          status(
            `hub rejected the agent token (${reason}): check FLEETWATCH_TOKEN; retrying in ${seconds(delay)}, ${spool.pending} samples buffered`,
          );
        } else if (code === Code.InvalidArgument) {
          status(`hub rejected a sample (${reason}), reconnecting in ${seconds(delay)} to isolate it`);
        } else if (code === Code.ResourceExhausted) {
          status(
            `hub is limiting this agent (${reason}), retrying in ${seconds(delay)}, ${spool.pending} samples buffered`,
          );
        } else {
          status(
            `hub unreachable: ${reason}, retrying in ${seconds(delay)}, ${spool.pending} samples buffered`,
          );
        }
        await sleep(delay, this.#abort.signal);
      }
    }
  }

  #retryDelay(e: unknown, attempt: number): number {
    const policy = this.#o.backoff ?? RECONNECT_BACKOFF;
    switch (errorCode(e)) {
      case Code.Unauthenticated:
      case Code.PermissionDenied:
        // A rejected token will not fix itself soon: retry at the slowest pace.
        return policy.capMs;
      case Code.InvalidArgument:
        // A sample the stream refused: reconnect at once, and replay's Push
        // isolates and drops it. The floor keeps a confused hub from a hot loop.
        return 1_000;
      case Code.ResourceExhausted:
        // Too big or too fast: smaller batches, and a real pause.
        this.#batchCap = Math.max(1, Math.floor(this.#batch / 2));
        return Math.max(Math.min(5_000, policy.capMs), backoffDelay(attempt, policy));
      default:
        return backoffDelay(attempt, policy);
    }
  }
}

function seconds(ms: number): string {
  return ms < 1_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}
