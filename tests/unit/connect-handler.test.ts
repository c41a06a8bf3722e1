import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { IngestService } from "@fleetwatch/proto/ingest_pb";
import { SampleSchema } from "@fleetwatch/proto/sample_pb";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createConnectFetchHandler } from "../../worker/src/rpc/connect-handler";

const SECRET = "D1_ERROR: no such table: tokens_v9 at /srv/internal/db.ts";

/** A service whose every method fails with `error`. */
function failing(error: unknown) {
  const fail = (): never => {
    throw error;
  };
  return createConnectFetchHandler((router) =>
    router.service(IngestService, {
      hello: fail,
      push: fail,
      stream: async (reqs) => {
        for await (const _ of reqs) fail();
        return fail();
      },
    }),
  );
}

function hello(): Request {
  return new Request("http://hub/fleetwatch.v1.IngestService/Hello", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ hostname: "web-1" }),
  });
}

/** One enveloped binary message of a Connect client stream. */
function streamOfOneSample(): Request {
  const msg = toBinary(SampleSchema, create(SampleSchema, { seq: 1n, timeMs: 1n }));
  const body = new Uint8Array(5 + msg.length);
  new DataView(body.buffer).setUint32(1, msg.length);
  body.set(msg, 5);
  return new Request("http://hub/fleetwatch.v1.IngestService/Stream", {
    method: "POST",
    headers: { "Content-Type": "application/connect+proto" },
    body,
  });
}

/** The end-of-stream JSON of a Connect streaming response. */
async function endOfStream(res: Response): Promise<{ error?: { code: string; message: string } }> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  const len = new DataView(bytes.buffer).getUint32(1);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(5, 5 + len)));
}

describe("Connect errors the hub answers", () => {
  afterEach(() => vi.restoreAllMocks());

  it("answers an unexpected exception as internal, without its message", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await failing(new Error(SECRET))(hello());
    expect(res?.status).toBe(500);
    const body = (await res?.json()) as { code: string; message: string };
    expect(body.code).toBe("internal");
    expect(body.message).not.toContain("tokens_v9");
    expect(body.message).not.toContain("/srv/");
  });

  it("hides the message of an exception in a client stream too", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await failing(new TypeError(SECRET))(streamOfOneSample());
    const end = await endOfStream(res as Response);
    expect(end.error?.code).toBe("internal");
    expect(end.error?.message).not.toContain("tokens_v9");
  });

  it("logs the hidden exception itself for the operator", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const error = new Error(SECRET);
    await failing(error)(hello());
    expect(log.mock.calls.some((args) => args.includes(error))).toBe(true);
  });

  it("keeps a ConnectError's own code and message", async () => {
    const res = await failing(new ConnectError("host name too long", Code.InvalidArgument))(hello());
    expect(res?.status).toBe(400);
    expect(await res?.json()).toMatchObject({ code: "invalid_argument", message: "host name too long" });
  });

  it("still answers a bad Hello body as the sender's fault", async () => {
    const res = await failing(new Error("unreached"))(
      new Request("http://hub/fleetwatch.v1.IngestService/Hello", {
        method: "POST",
        headers: { "Content-Type": "application/proto" },
        body: new Uint8Array([0xff, 0xff, 0xff]),
      }),
    );
    expect(res?.status).toBe(400);
    expect(await res?.json()).toMatchObject({ code: "invalid_argument" });
  });
});
