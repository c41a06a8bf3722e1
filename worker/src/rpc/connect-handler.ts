import {
  Code,
  ConnectError,
  type ConnectRouter,
  type ContextValues,
  createConnectRouter,
  type Interceptor,
} from "@connectrpc/connect";
import {
  createAsyncIterable,
  type UniversalServerResponse,
  universalServerRequestFromFetch,
  universalServerResponseToFetch,
} from "@connectrpc/connect/protocol";
import { codeToHttpStatus, errorFromJsonBytes, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";

/** A single Connect message (one Sample, one HostInfo) may not exceed this. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Fetch handler over Connect services; undefined when no procedure matches the path. */
export type ConnectFetchHandler = (req: Request, values?: ContextValues) => Promise<Response | undefined>;

/**
 * connect-es reports input it cannot decode (bad protobuf, a compressed
 * envelope without an encoding) as `internal`. That is the sender's fault:
 * answer `invalid_argument`, so `internal` stays reserved for our own bugs.
 */
const DECODE_FAILURE = /^(parse binary|received compressed envelope|invalid envelope)/;

function asClientFault(e: unknown): unknown {
  if (e instanceof ConnectError && e.code === Code.Internal && DECODE_FAILURE.test(e.rawMessage)) {
    return new ConnectError(
      `cannot decode message: ${e.rawMessage}`,
      Code.InvalidArgument,
      undefined,
      undefined,
      e,
    );
  }
  return e;
}

async function* clientFaults<T>(messages: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (e) {
    throw asClientFault(e);
  }
}

/** Streamed requests are decoded while the handler iterates them: map their decode failures there. */
const streamDecodeFailures: Interceptor = (next) => (req) =>
  next(req.stream ? { ...req, message: clientFaults(req.message) } : req);

/**
 * The catch-all: an error that is not a `ConnectError` is a bug or an
 * internal failure (storage, a subrequest). Its message may name internals,
 * so the sender gets `internal` with a fixed message; the error stays the
 * `cause` and is logged with the procedure.
 */
const internalErrors: Interceptor = (next) => async (req) => {
  try {
    return await next(req);
  } catch (e) {
    if (e instanceof ConnectError) throw e;
    console.error(`connect: ${req.url} failed:`, e);
    throw new ConnectError(
      "internal error; the hub logged the cause",
      Code.Internal,
      undefined,
      undefined,
      e,
    );
  }
};

/** Unary requests are decoded before any interceptor runs: map the rendered error instead. */
async function unaryDecodeFailures(res: UniversalServerResponse): Promise<UniversalServerResponse> {
  if (res.status !== codeToHttpStatus(Code.Internal) || !res.body) return res;
  const chunks: Uint8Array[] = [];
  for await (const chunk of res.body) chunks.push(chunk);
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  let mapped: unknown;
  try {
    mapped = asClientFault(errorFromJsonBytes(bytes, undefined, new ConnectError("", Code.Internal)));
  } catch {
    mapped = undefined;
  }
  if (!(mapped instanceof ConnectError) || mapped.code === Code.Internal) {
    return { ...res, body: createAsyncIterable([bytes]) };
  }
  const body = errorToJsonBytes(mapped, {});
  const header = new Headers(res.header);
  header.set("Content-Length", String(body.byteLength));
  return { status: codeToHttpStatus(mapped.code), header, body: createAsyncIterable([body]) };
}

/**
 * Turns Connect service registrations into a fetch handler. Only the Connect
 * protocol is served (binary and JSON): gRPC needs trailers, which the
 * Workers runtime does not expose.
 */
export function createConnectFetchHandler(register: (router: ConnectRouter) => void): ConnectFetchHandler {
  const router = createConnectRouter({
    connect: true,
    grpc: false,
    grpcWeb: false,
    readMaxBytes: MAX_MESSAGE_BYTES,
    // Unknown fields are never used: do not keep a hostile sender's bytes in memory.
    binaryOptions: { readUnknownFields: false },
    // The first is outermost: decode failures are mapped before the catch-all sees them.
    interceptors: [internalErrors, streamDecodeFailures],
  });
  register(router);
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, h]));
  return async (req, values) => {
    const handler = handlers.get(new URL(req.url).pathname);
    if (!handler) return undefined;
    const ureq = universalServerRequestFromFetch(req, {});
    if (values) ureq.contextValues = values;
    return universalServerResponseToFetch(await unaryDecodeFailures(await handler(ureq)));
  };
}
