import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { endStreamToJson } from "@connectrpc/connect/protocol-connect";
import { IngestService, StreamSummarySchema } from "@fleetwatch/proto/ingest_pb";
import { SampleSchema } from "@fleetwatch/proto/sample_pb";
import { MAX_MESSAGE_BYTES } from "./connect-handler";
import { callerFromHeaders, type IngestCore, ingestStreamed, type StreamTally } from "./ingest-service";

/** Path of `IngestService.Stream`. */
export const STREAM_PATH = `/${IngestService.typeName}/${IngestService.method.stream.name}`;

/** Envelope flags of the Connect protocol. */
const COMPRESSED = 0b01;
const END_STREAM = 0b10;
const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();

/**
 * Whether `serveStreamDirect` takes this request: `Stream` in binary
 * Connect without compression, as the agent sends it. Anything else (JSON,
 * a compressed body) goes through connect-es, which answers it the same way.
 */
export function isDirectStream(req: Request): boolean {
  if (req.method !== "POST" || req.body === null) return false;
  const type = req.headers.get("Content-Type") ?? "";
  const encoding = req.headers.get("Connect-Content-Encoding");
  return (
    (type === "application/connect+proto" || type.startsWith("application/connect+proto;")) &&
    (encoding === null || encoding === "identity") &&
    new URL(req.url).pathname === STREAM_PATH
  );
}

/** One Connect envelope. */
function envelope(flags: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + data.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, data.length);
  out.set(data, 5);
  return out;
}

/** A thrown value as the error the sender gets: a non-Connect error is logged and answered `internal`. */
function asConnectError(e: unknown): ConnectError {
  if (e instanceof ConnectError) return e;
  console.error(`connect: ${STREAM_PATH} failed:`, e);
  return new ConnectError("internal error; the hub logged the cause", Code.Internal, undefined, undefined, e);
}

/**
 * Calls `onMessage` with each enveloped message of a body, as chunks come.
 * Messages are views into the chunk (or into the joined bytes of an
 * envelope split across chunks); `onMessage` must not keep them.
 */
async function readEnvelopes(
  body: ReadableStream<Uint8Array>,
  onMessage: (flags: number, data: Uint8Array) => void,
): Promise<void> {
  const reader = body.getReader();
  let rest = EMPTY;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let buf: Uint8Array = value;
      if (rest.length > 0) {
        buf = new Uint8Array(rest.length + value.length);
        buf.set(rest);
        buf.set(value, rest.length);
      }
      let at = 0;
      while (buf.length - at >= 5) {
        const flags = buf[at] as number;
        const length = new DataView(buf.buffer, buf.byteOffset + at + 1, 4).getUint32(0);
        if (length > MAX_MESSAGE_BYTES) {
          throw new ConnectError(
            `message size ${length} is larger than configured readMaxBytes ${MAX_MESSAGE_BYTES}`,
            Code.ResourceExhausted,
          );
        }
        if (buf.length - at - 5 < length) break;
        onMessage(flags, buf.subarray(at + 5, at + 5 + length));
        at += 5 + length;
      }
      rest = at === buf.length ? EMPTY : buf.slice(at);
    }
  } finally {
    reader.releaseLock();
  }
  if (rest.length > 0) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
}

/**
 * `IngestService.Stream` read straight off the request body: one plain loop
 * that splits envelopes and decodes each sample, where connect-es runs each
 * message through a chain of async generators (which its ES2017 build turns
 * into promise-queue helpers). Profiled at the agents' cadence, that chain
 * cost more CPU than storing the sample (docs/BENCHMARKS.md). Same answers
 * as the connect-es handler: the summary, or an end-stream error; samples
 * before a bad one are kept and committed.
 */
export async function serveStreamDirect(req: Request, core: IngestCore): Promise<Response> {
  const tally: StreamTally = { accepted: 0, duplicates: 0, through: 0n };
  let error: ConnectError | undefined;
  try {
    const caller = callerFromHeaders(req.headers);
    core.requireHost(caller.hostId);
    try {
      await readEnvelopes(req.body as ReadableStream<Uint8Array>, (flags, data) => {
        // A client has no end-stream of its own to send: one is ignored, as connect-es does.
        if (flags & END_STREAM) return;
        if (flags & COMPRESSED) {
          throw new ConnectError(
            "cannot decode message: received compressed envelope, but do not know how to decompress",
            Code.InvalidArgument,
          );
        }
        let sample: ReturnType<typeof fromBinary<typeof SampleSchema>>;
        try {
          sample = fromBinary(SampleSchema, data, { readUnknownFields: false });
        } catch (e) {
          const m = e instanceof Error ? e.message : String(e);
          throw new ConnectError(`cannot decode message: parse binary: ${m}`, Code.InvalidArgument);
        }
        ingestStreamed(core, caller, sample, tally);
      });
    } finally {
      // Samples that arrived before a bad one (or a broken connection) are kept.
      core.commit(caller.hostId);
    }
  } catch (e) {
    error = asConnectError(e);
  }
  const end = utf8.encode(JSON.stringify(endStreamToJson(new Headers(), error, undefined)));
  const parts = error
    ? [envelope(END_STREAM, end)]
    : [
        envelope(
          0,
          toBinary(
            StreamSummarySchema,
            create(StreamSummarySchema, {
              acceptedThroughSeq: tally.through,
              accepted: tally.accepted,
              duplicates: tally.duplicates,
            }),
          ),
        ),
        envelope(END_STREAM, end),
      ];
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    body.set(p, at);
    at += p.length;
  }
  return new Response(body, { status: 200, headers: { "Content-Type": "application/connect+proto" } });
}
