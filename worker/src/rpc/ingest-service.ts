import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import type { HostInfo } from "@fleetwatch/proto/host_pb";
import {
  HelloResponseSchema,
  IngestService,
  type PushRequest,
  PushResponseSchema,
  StreamSummarySchema,
} from "@fleetwatch/proto/ingest_pb";
import { type Sample, SampleSchema } from "@fleetwatch/proto/sample_pb";
import { INTERNAL } from "../fleet/protocol";
import { shardsFromHeader } from "../fleet/shards";
import { validateHostInfo } from "../fleet/validate-host-info";
import { type ValidSample, validateSample } from "../fleet/validate-sample";
import type { HostInfoView } from "../metrics/types";
import { MAX_MESSAGE_BYTES } from "./connect-handler";
import { streamRotateS } from "./rotation";

/** Largest `Push` batch accepted. */
export const MAX_PUSH_SAMPLES = 1000;
/** Header carrying the host id from `Hello` on `Stream` and `Push`. */
export const HOST_ID_HEADER = "fleetwatch-host-id";

/** Who is sending: the host (from `Hello`) and the agent token the Worker authenticated. */
export interface IngestCaller {
  hostId: string;
  tokenId: string;
}

/** What the fleet must provide to the ingest service. */
export interface IngestCore {
  /** Registers or refreshes a host (in its shard when `shards` > 1); returns its id. */
  hello(info: HostInfoView, shards: number): Promise<{ hostId: string; intervalS: number; hosts: number }>;
  /** Throws `failed_precondition` when the host never said Hello. */
  requireHost(hostId: string): void;
  /** Stores one validated sample; false when it was a duplicate. */
  ingest(hostId: string, sample: ValidSample): boolean;
  /** Makes every accepted sample of the host durable before it is acknowledged. */
  commit(hostId: string): void;
  /** Throws `resource_exhausted` when the caller sends faster than allowed, `unauthenticated` once revoked. */
  admit(caller: IngestCaller, samples: number): void;
}

/** The caller of an ingest request, from its headers (the Worker sets the token id after auth). */
export function callerFromHeaders(headers: Headers): IngestCaller {
  const hostId = headers.get(HOST_ID_HEADER);
  if (!hostId) {
    throw new ConnectError(`missing ${HOST_ID_HEADER} header: call Hello first`, Code.InvalidArgument);
  }
  return { hostId, tokenId: headers.get(INTERNAL.tokenId) ?? "" };
}

function callerFrom(ctx: HandlerContext): IngestCaller {
  return callerFromHeaders(ctx.requestHeader);
}

/** What a `Stream` has taken so far: its summary. */
export interface StreamTally {
  accepted: number;
  duplicates: number;
  through: bigint;
}

/** One streamed sample: admitted, validated, stored (or counted a duplicate). Throws to end the stream. */
export function ingestStreamed(core: IngestCore, caller: IngestCaller, s: Sample, tally: StreamTally): void {
  core.admit(caller, 1);
  const valid = validateSample(s, Date.now());
  if (core.ingest(caller.hostId, valid)) tally.accepted++;
  else tally.duplicates++;
  if (s.seq > tally.through) tally.through = s.seq;
}

/** Compact sample encodings this hub reads (HelloResponse.wire_features); see validateSample. */
export const WIRE_FEATURES = ["cpu.per_core_centi"] as const;

/** Registers `IngestService`, implemented over an `IngestCore`. */
export function registerIngestService(router: ConnectRouter, core: IngestCore): void {
  router.rpc(IngestService.method.hello, async (req: HostInfo, ctx: HandlerContext) => {
    const shards = shardsFromHeader(ctx.requestHeader.get(INTERNAL.shards));
    const { hostId, intervalS, hosts } = await core.hello(validateHostInfo(req), shards);
    return create(HelloResponseSchema, {
      hostId,
      intervalS,
      config: { streamRotateS: streamRotateS(hosts), maxBatch: MAX_PUSH_SAMPLES / 2 },
      wireFeatures: [...WIRE_FEATURES],
    });
  });

  router.rpc(IngestService.method.stream, async (reqs: AsyncIterable<Sample>, ctx: HandlerContext) => {
    const caller = callerFrom(ctx);
    core.requireHost(caller.hostId);
    const tally: StreamTally = { accepted: 0, duplicates: 0, through: 0n };
    try {
      for await (const s of reqs) ingestStreamed(core, caller, s, tally);
    } finally {
      // Samples that arrived before a bad one (or a broken connection) are kept.
      core.commit(caller.hostId);
    }
    return create(StreamSummarySchema, {
      acceptedThroughSeq: tally.through,
      accepted: tally.accepted,
      duplicates: tally.duplicates,
    });
  });

  router.rpc(
    IngestService.method.push,
    async (req: PushRequest, ctx: HandlerContext) => {
      const caller = callerFrom(ctx);
      const { hostId } = caller;
      core.requireHost(hostId);
      if (req.samples.length > MAX_PUSH_SAMPLES) {
        throw new ConnectError(
          `batch of ${req.samples.length} samples exceeds the limit of ${MAX_PUSH_SAMPLES}`,
          Code.InvalidArgument,
        );
      }
      core.admit(caller, req.samples.length);
      const now = Date.now();
      // Validate the whole batch first: a bad batch stores nothing. A batch
      // may be large, but each sample in it has the cap of one streamed message.
      const valid = req.samples.map((s, i) => {
        const v = validateSample(s, now);
        const bytes = toBinary(SampleSchema, s).length;
        if (bytes > MAX_MESSAGE_BYTES) {
          throw new ConnectError(
            `samples[${i}] is ${bytes} bytes, over the per-sample limit of ${MAX_MESSAGE_BYTES}`,
            Code.ResourceExhausted,
          );
        }
        return v;
      });
      let accepted = 0;
      let duplicates = 0;
      let through = 0;
      for (const v of valid) {
        if (core.ingest(hostId, v)) accepted++;
        else duplicates++;
        through = Math.max(through, v.seq);
      }
      core.commit(hostId);
      return create(PushResponseSchema, { acceptedThroughSeq: BigInt(through), accepted, duplicates });
    },
    // A batch holds many samples; each one is still bounded by validation.
    { readMaxBytes: MAX_MESSAGE_BYTES * 64 },
  );
}
