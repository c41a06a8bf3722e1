import { fromBinary, toBinary, toJsonString } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { StreamSummarySchema } from "@fleetwatch/proto/ingest_pb";
import { SampleSchema } from "@fleetwatch/proto/sample_pb";
import { describe, expect, it } from "vitest";
import { isDirectStream, STREAM_PATH } from "../../worker/src/rpc/stream-direct";
import { connectHeaders, outcomeOf } from "../security/helpers";
import { call, createFleet, registerHost, sample } from "./fixtures";

/** One Connect envelope: [flags][length u32 BE][data]. */
function envelope(data: Uint8Array, flags = 0): Uint8Array {
  const out = new Uint8Array(5 + data.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, data.length);
  out.set(data, 5);
  return out;
}

/** A body that yields `bytes` in chunks of `size`, so envelopes straddle chunk boundaries. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The summary message of a successful Stream response. */
async function summaryOf(res: Response) {
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect(bytes[0]).toBe(0);
  const length = new DataView(bytes.buffer).getUint32(1);
  const end = bytes.subarray(5 + length);
  expect(end[0]).toBe(2);
  expect(new TextDecoder().decode(end.subarray(5))).toBe("{}");
  return fromBinary(StreamSummarySchema, bytes.subarray(5, 5 + length));
}

async function lastSeq(fleet: { id: string; viewer: string }): Promise<number | undefined> {
  const res = await call(`/api/fleets/${fleet.id}/hosts`, {
    headers: { Authorization: `Bearer ${fleet.viewer}` },
  });
  return ((await res.json()) as { hosts: { lastSeq: number }[] }).hosts[0]?.lastSeq;
}

describe("Stream read directly off the body", () => {
  it("takes only binary, uncompressed Connect Streams; JSON and compressed go through connect-es", () => {
    const req = (type: string, extra: Record<string, string> = {}) =>
      new Request(`https://hub${STREAM_PATH}`, {
        method: "POST",
        headers: { "Content-Type": type, ...extra },
        body: new Uint8Array(1),
      });
    expect(isDirectStream(req("application/connect+proto"))).toBe(true);
    expect(isDirectStream(req("application/connect+proto", { "Connect-Content-Encoding": "identity" }))).toBe(
      true,
    );
    expect(isDirectStream(req("application/connect+json"))).toBe(false);
    expect(isDirectStream(req("application/connect+proto", { "Connect-Content-Encoding": "gzip" }))).toBe(
      false,
    );
    expect(
      isDirectStream(new Request("https://hub/fleetwatch.v1.IngestService/Push", { method: "POST" })),
    ).toBe(false);
  });

  for (const size of [1, 3, 7, 64, 100_000]) {
    it(`stores every sample of a body cut into chunks of ${size} bytes`, async () => {
      const fleet = await createFleet();
      const { hostId } = await registerHost(fleet.agent);
      const now = Date.now();
      const body = concat(
        Array.from({ length: 5 }, (_, i) =>
          envelope(toBinary(SampleSchema, sample(i + 1, now - (5 - i) * 5000))),
        ),
      );
      const res = await call(STREAM_PATH, {
        method: "POST",
        headers: connectHeaders(fleet.agent, hostId, "application/connect+proto"),
        body: chunked(body, size),
        // @ts-expect-error: workerd's RequestInit takes duplex for a streamed body
        duplex: "half",
      });
      expect(res.status).toBe(200);
      const summary = await summaryOf(res);
      expect([summary.accepted, summary.duplicates, summary.acceptedThroughSeq]).toEqual([5, 0, 5n]);
      expect(await lastSeq(fleet)).toBe(5);
    });
  }

  it("answers the JSON form the same way, through connect-es", async () => {
    const fleet = await createFleet();
    const { hostId } = await registerHost(fleet.agent);
    const json = new TextEncoder().encode(toJsonString(SampleSchema, sample(1)));
    const res = await call(STREAM_PATH, {
      method: "POST",
      headers: connectHeaders(fleet.agent, hostId, "application/connect+json"),
      body: envelope(json),
    });
    expect((await outcomeOf(res)).code).toBeUndefined();
    expect(await lastSeq(fleet)).toBe(1);
  });

  it("ends a Stream with resource_exhausted at an envelope over the message limit, keeping what came before", async () => {
    const fleet = await createFleet();
    const { hostId } = await registerHost(fleet.agent);
    const head = envelope(toBinary(SampleSchema, sample(1)));
    const huge = new Uint8Array(5);
    new DataView(huge.buffer).setUint32(1, 10_000_000);
    const res = await call(STREAM_PATH, {
      method: "POST",
      headers: connectHeaders(fleet.agent, hostId, "application/connect+proto"),
      body: concat([head, huge]),
    });
    const out = await outcomeOf(res);
    expect(out.code).toBe(Code.ResourceExhausted);
    expect(out.message).toContain("larger than configured readMaxBytes");
    expect(await lastSeq(fleet)).toBe(1);
  });
});
