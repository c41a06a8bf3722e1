import { createServer, type Server } from "node:http";
import {
  createServer as createH2cServer,
  createSecureServer,
  type Http2Server,
  type Http2Session,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { HostInfo } from "@fleetwatch/proto/host_pb";
import {
  HelloResponseSchema,
  IngestService,
  type PushRequest,
  PushResponseSchema,
  StreamSummarySchema,
} from "@fleetwatch/proto/ingest_pb";
import type { Sample } from "@fleetwatch/proto/sample_pb";

/** Behaviour knobs of the fake hub. */
export interface FakeHubOptions {
  token?: string;
  port?: number;
  streamRotateS?: number;
  maxBatch?: number;
  /** Samples with these seqs are refused with invalid_argument, as the real hub does for a bad sample. */
  rejectSeqs?: Iterable<bigint>;
  /** Compact encodings to list in HelloResponse.wire_features (an older hub lists none). */
  wireFeatures?: string[];
  /** Serve HTTP/2 only: over TLS with this key and certificate (https://), else cleartext (h2c). */
  http2?: { key: string; cert: string } | true;
}

/**
 * A real Connect server (connect-node over HTTP/1.1 on 127.0.0.1, or
 * HTTP/2 with {@link FakeHubOptions.http2}) that
 * implements IngestService like the hub's contract says and records what it
 * receives. Used by tests and by bench/agent as the agent's peer.
 */
export class FakeHub {
  readonly token: string;
  readonly samples = new Map<bigint, Sample>();
  readonly hellos: HostInfo[] = [];
  received = 0;
  streams = 0;
  pushes = 0;
  port = 0;
  #server: Server | Http2Server | undefined;
  readonly #sessions = new Set<Http2Session>();
  #opts: FakeHubOptions;
  #reject: Set<bigint>;

  constructor(opts: FakeHubOptions = {}) {
    this.#opts = opts;
    this.token = opts.token ?? "test-agent-token";
    this.port = opts.port ?? 0;
    this.#reject = new Set(opts.rejectSeqs ?? []);
  }

  get url(): string {
    const tls = typeof this.#opts.http2 === "object";
    return `${tls ? "https" : "http"}://127.0.0.1:${this.port}`;
  }

  /** Seqs received, ascending. */
  seqs(): bigint[] {
    return [...this.samples.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Starts listening (again, on the same port after {@link stop}). */
  async start(): Promise<this> {
    const handler = connectNodeAdapter({ routes: (r) => this.#routes(r) });
    const h2 = this.#opts.http2;
    let server: Server | Http2Server;
    if (h2) {
      server =
        h2 === true ? createH2cServer(handler) : createSecureServer({ ...h2, allowHTTP1: false }, handler);
      server.on("session", (session: Http2Session) => {
        this.#sessions.add(session);
        session.once("close", () => this.#sessions.delete(session));
      });
    } else {
      server = createServer(handler);
      // A Stream request lasts until rotation (15 min by default, as on the hub):
      // Node's 5-minute request timeout would cut it with a 408.
      server.requestTimeout = 0;
    }
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
    return this;
  }

  /** Stops listening and cuts every open connection, like a crashed hub. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if ("closeAllConnections" in server) server.closeAllConnections();
    for (const session of this.#sessions) session.destroy();
    await closed;
  }

  #auth(ctx: HandlerContext): void {
    if (ctx.requestHeader.get("authorization") !== `Bearer ${this.token}`) {
      throw new ConnectError("unknown or invalid token", Code.Unauthenticated);
    }
  }

  #hostId(ctx: HandlerContext): string {
    this.#auth(ctx);
    const id = ctx.requestHeader.get("fleetwatch-host-id");
    if (!id)
      throw new ConnectError("missing fleetwatch-host-id header: call Hello first", Code.InvalidArgument);
    return id;
  }

  #check(s: Sample): void {
    if (this.#reject.has(s.seq)) {
      throw new ConnectError(
        `sample seq ${s.seq}: cpu.total_pct must be a percentage in 0..100`,
        Code.InvalidArgument,
      );
    }
  }

  #store(s: Sample): void {
    this.received++;
    if (!this.samples.has(s.seq)) this.samples.set(s.seq, s);
  }

  #routes(router: ConnectRouter): void {
    router.rpc(IngestService.method.hello, async (req: HostInfo, ctx) => {
      this.#auth(ctx);
      this.hellos.push(req);
      return create(HelloResponseSchema, {
        hostId: `h-${req.hostname}`,
        intervalS: req.intervalS,
        config: { streamRotateS: this.#opts.streamRotateS ?? 900, maxBatch: this.#opts.maxBatch ?? 500 },
        wireFeatures: this.#opts.wireFeatures ?? [],
      });
    });
    router.rpc(IngestService.method.stream, async (reqs: AsyncIterable<Sample>, ctx) => {
      this.#hostId(ctx);
      this.streams++;
      let through = 0n;
      for await (const s of reqs) {
        this.#check(s);
        this.#store(s);
        if (s.seq > through) through = s.seq;
      }
      return create(StreamSummarySchema, { acceptedThroughSeq: through });
    });
    router.rpc(IngestService.method.push, async (req: PushRequest, ctx) => {
      this.#hostId(ctx);
      this.pushes++;
      // Like the hub: a batch with one bad sample stores nothing.
      for (const s of req.samples) this.#check(s);
      let through = 0n;
      for (const s of req.samples) {
        this.#store(s);
        if (s.seq > through) through = s.seq;
      }
      return create(PushResponseSchema, { acceptedThroughSeq: through, accepted: req.samples.length });
    });
  }
}
