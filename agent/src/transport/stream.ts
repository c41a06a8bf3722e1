import type { Sample } from "@fleetwatch/proto/sample_pb";
import type { Spool } from "../spool/spool";
import { hostHeaders, type IngestClient } from "./hub-client";
import type { Wake } from "./wake";
import type { WireForm } from "./wire";

/** How long the hub gets to answer once the agent has ended a stream. */
const SUMMARY_TIMEOUT_MS = 30_000;
/** Samples read from the spool per step; the live case reads one. */
const READ_CHUNK = 64;

/** What one `Stream` session needs. */
export interface StreamSession {
  client: IngestClient;
  hostId: string;
  spool: Spool;
  /** Sends spooled samples with seq greater than this (everything before was pushed or acked). */
  afterSeq: bigint;
  /** Rotate (end this request and let the caller open the next) after this long. */
  rotateMs: number;
  /** Notified whenever a sample is spooled. */
  wake: Wake;
  /** Aborted for graceful shutdown: the stream ends its input and waits for the summary. */
  finish: AbortSignal;
  /** Aborted for hard shutdown: the call is cancelled. */
  abort: AbortSignal;
  /** The hub's wire form of a sample (default: as spooled). */
  wire?: WireForm;
}

/** Outcome of a stream that ended cleanly. */
export interface StreamResult {
  acceptedThroughSeq: bigint;
  sent: number;
}

/**
 * Runs one `Stream` request: sends every spooled sample after `afterSeq`,
 * then each new one as it is spooled, until rotation or shutdown; then ends
 * the request and returns the hub's summary. Throws on any failure; the
 * samples stay spooled and the caller replays them.
 */
export async function runStream(s: StreamSession): Promise<StreamResult> {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(s.abort.reason);
  s.abort.addEventListener("abort", onAbort);
  let ending = false;
  let sent = 0;
  let summaryTimer: NodeJS.Timeout | undefined;
  const end = () => {
    if (ending) return;
    ending = true;
    s.wake.notify();
    summaryTimer = setTimeout(
      () => ctl.abort(new Error("hub did not answer the end of the stream")),
      SUMMARY_TIMEOUT_MS,
    );
  };
  const rotateTimer = setTimeout(end, s.rotateMs);
  s.finish.addEventListener("abort", end);
  ctl.signal.addEventListener("abort", () => s.wake.notify());

  async function* outgoing(): AsyncGenerator<Sample> {
    let cursor = s.afterSeq;
    for (;;) {
      if (ctl.signal.aborted) return;
      const batch = s.spool.read(cursor, READ_CHUNK);
      for (const sample of batch) {
        cursor = sample.seq;
        sent++;
        yield s.wire ? s.wire(sample) : sample;
      }
      if (batch.length > 0) continue;
      if (ending) return;
      await s.wake.wait();
    }
  }

  try {
    if (s.finish.aborted) end();
    const summary = await s.client.stream(outgoing(), { headers: hostHeaders(s.hostId), signal: ctl.signal });
    return { acceptedThroughSeq: summary.acceptedThroughSeq, sent };
  } finally {
    clearTimeout(rotateTimer);
    clearTimeout(summaryTimer);
    s.finish.removeEventListener("abort", end);
    s.abort.removeEventListener("abort", onAbort);
    ctl.abort();
  }
}
