import { Code, ConnectError } from "@connectrpc/connect";
import type { Sample } from "@fleetwatch/proto/sample_pb";
import type { Spool } from "../spool/spool";
import { hostHeaders, type IngestClient } from "./hub-client";
import type { WireForm } from "./wire";

/** What a replay needs. */
export interface ReplayOptions {
  client: IngestClient;
  hostId: string;
  spool: Spool;
  /** Largest `Push` batch (the hub's `max_batch`). */
  maxBatch: number;
  signal: AbortSignal;
  warn: (line: string) => void;
  /** The hub's wire form of a sample (default: as spooled). */
  wire?: WireForm;
}

/** Thrown when the hub answers a Push without acknowledging anything; retried later. */
export class NoProgressError extends Error {}

const PUSH_TIMEOUT_MS = 60_000;

/** The seq the hub names in an invalid_argument message (`sample seq 42: ...`), if any. */
export function rejectedSeq(message: string): bigint | undefined {
  const m = /\bseq (\d+)\b/.exec(message);
  return m ? BigInt(m[1] as string) : undefined;
}

/**
 * Pushes every unacknowledged spooled sample in seq order, batch by batch,
 * acknowledging each batch in the spool as the hub confirms it. Returns how
 * many samples were acknowledged. Throws on transport errors (the caller
 * backs off and calls again; re-sending is idempotent on the hub).
 */
export async function replay(o: ReplayOptions): Promise<number> {
  let done = 0;
  for (;;) {
    o.signal.throwIfAborted();
    const batch = o.spool.read(o.spool.ackedThrough, o.maxBatch);
    if (batch.length === 0) return done;
    done += await pushBatch(o, batch);
  }
}

/**
 * Pushes one batch whose first sample is the first unacknowledged one. The
 * hub rejects a whole batch with invalid_argument over one bad sample, so the
 * bad one is isolated (by the seq the hub names, else by bisection), dropped
 * from the spool with a warning, and the rest pushed: a bad sample must never
 * block the queue or be retried forever.
 */
async function pushBatch(o: ReplayOptions, batch: Sample[]): Promise<number> {
  const first = batch[0] as Sample;
  const last = batch.at(-1) as Sample;
  try {
    const res = await o.client.push(
      { samples: o.wire ? batch.map(o.wire) : batch },
      { headers: hostHeaders(o.hostId), signal: o.signal, timeoutMs: PUSH_TIMEOUT_MS },
    );
    // biome-ignore lint/complexity/useMathMinMax: bigints; Math.min does not take them
    const through = res.acceptedThroughSeq < last.seq ? res.acceptedThroughSeq : last.seq;
    if (through < first.seq) {
      throw new NoProgressError(`hub acknowledged nothing of samples ${first.seq}..${last.seq}`);
    }
    o.spool.ack(through);
    return Number(through - first.seq) + 1;
  } catch (e) {
    if (!(e instanceof ConnectError) || e.code !== Code.InvalidArgument) throw e;
    if (batch.length === 1) {
      o.warn(`hub rejected sample ${first.seq} (${e.rawMessage}); dropped it from the spool`);
      o.spool.ack(first.seq);
      return 0;
    }
    const bad = rejectedSeq(e.rawMessage);
    const at = bad === undefined ? -1 : batch.findIndex((s) => s.seq === bad);
    // Without a named seq, bisect: each half is pushed on its own.
    const [head, tail] = at >= 0 ? [batch.slice(0, at), batch.slice(at)] : halves(batch);
    let n = head.length > 0 ? await pushBatch(o, head) : 0;
    if (at >= 0) {
      o.warn(`hub rejected sample ${bad} (${e.rawMessage}); dropped it from the spool`);
      o.spool.ack(bad as bigint);
      const rest = tail.slice(1);
      if (rest.length > 0) n += await pushBatch(o, rest);
    } else {
      n += await pushBatch(o, tail);
    }
    return n;
  }
}

function halves(batch: Sample[]): [Sample[], Sample[]] {
  const mid = Math.ceil(batch.length / 2);
  return [batch.slice(0, mid), batch.slice(mid)];
}
