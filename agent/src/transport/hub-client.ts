import { type Client, type Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { type UniversalClientFn, validateReadWriteMaxBytes } from "@connectrpc/connect/protocol";
import { codeToString, createTransport } from "@connectrpc/connect/protocol-connect";
import { createNodeHttpClient, Http2SessionManager } from "@connectrpc/connect-node";
import { IngestService } from "@fleetwatch/proto/ingest_pb";

/** Header carrying the host id from `Hello` on `Stream` and `Push`. */
export const HOST_ID_HEADER = "fleetwatch-host-id";

/** A Connect client for the hub's IngestService. */
export type IngestClient = Client<typeof IngestService>;

/** How to reach the hub. */
export interface HubOptions {
  url: string;
  token: string;
  /** HTTP/2 (production, https) or HTTP/1.1 (`wrangler dev` speaks nothing else). */
  http2: boolean;
}

/**
 * Creates the IngestService client: Connect protocol, binary protobuf, and
 * the agent token on every call.
 *
 * Built from connect-node's HTTP client rather than its `createConnectTransport`,
 * which also sets up gzip and brotli: hub messages are a few hundred bytes, and
 * leaving out compression keeps zlib out of the agent's memory.
 */
export function createHubClient(opts: HubOptions): IngestClient {
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${opts.token}`);
    return next(req);
  };
  let httpClient: UniversalClientFn;
  if (opts.http2) {
    // A stream carries nothing back until it ends: pings find a dead hub
    // (or a NAT that dropped the flow) long before the next rotation.
    const session = new Http2SessionManager(opts.url, { pingIntervalMs: 30_000, pingTimeoutMs: 15_000 });
    httpClient = createNodeHttpClient({ httpVersion: "2", sessionProvider: () => session });
  } else {
    httpClient = createNodeHttpClient({ httpVersion: "1.1" });
  }
  const transport = createTransport({
    baseUrl: opts.url,
    httpClient,
    useBinaryFormat: true,
    interceptors: [auth],
    acceptCompression: [],
    sendCompression: null,
    ...validateReadWriteMaxBytes(undefined, undefined, undefined),
  });
  return createClient(IngestService, transport);
}

/** Call options carrying the host id, as `Stream` and `Push` require. */
export function hostHeaders(hostId: string): Record<string, string> {
  return { [HOST_ID_HEADER]: hostId };
}

/** One-line reason for a failed call, e.g. `unavailable: connect ECONNREFUSED 127.0.0.1:8787`. */
export function describeError(e: unknown): string {
  if (e instanceof ConnectError) {
    const cause = e.cause instanceof Error && e.rawMessage !== e.cause.message ? ` (${e.cause.message})` : "";
    return `${codeToString(e.code)}: ${e.rawMessage}${cause}`.replace(/\s+/g, " ");
  }
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ");
}

/** The Connect code of a failed call (`unknown` for non-Connect errors). */
export function errorCode(e: unknown): Code {
  return ConnectError.from(e).code;
}
