import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { call, createFleet, ingestClient, registerHost, sample, streamBody } from "./fixtures";

async function codeOf(p: Promise<unknown>): Promise<Code | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return ConnectError.from(e).code;
  }
}

describe("IngestService over the Worker", () => {
  it("acknowledges a binary Push with accepted_through_seq", async () => {
    const fleet = await createFleet();
    const { client } = await registerHost(fleet.agent);
    const res = await client.push({ samples: [sample(1), sample(2), sample(3)] });
    expect(res.acceptedThroughSeq).toBe(3n);
    expect(res.accepted).toBe(3);
  });

  it("lists the compact encodings it reads in Hello, and stores per-core hundredths as percentages", async () => {
    const fleet = await createFleet();
    const { client, hostId, hello } = await registerHost(fleet.agent);
    expect(hello.wireFeatures).toContain("cpu.per_core_centi");
    await client.push({
      samples: [sample(1, Date.now(), { cpu: { totalPct: 30, perCorePct: [], perCoreCenti: [2550, 3450] } })],
    });
    const res = await call(`/api/fleets/${fleet.id}/hosts/${hostId}`, {
      headers: { Authorization: `Bearer ${fleet.viewer}` },
    });
    const { host } = (await res.json()) as { host: { metrics: { cpu?: { perCorePct: number[] } } } };
    expect(host.metrics.cpu?.perCorePct).toEqual([25.5, 34.5]);
  });

  it("accepts the JSON encoding too", async () => {
    const fleet = await createFleet();
    const { hostId } = await registerHost(fleet.agent);
    const res = await ingestClient(fleet.agent, hostId, false).push({ samples: [sample(7)] });
    expect(res.acceptedThroughSeq).toBe(7n);
  });

  it("rejects a request without a token as unauthenticated", async () => {
    expect(await codeOf(ingestClient(undefined, "h_x").push({ samples: [sample(1)] }))).toBe(
      Code.Unauthenticated,
    );
  });

  it("rejects an unknown token as unauthenticated", async () => {
    expect(await codeOf(ingestClient("fw_nope").push({ samples: [sample(1)] }))).toBe(Code.Unauthenticated);
  });

  it("refuses to ingest with a viewer token", async () => {
    const fleet = await createFleet();
    expect(await codeOf(ingestClient(fleet.viewer).push({ samples: [sample(1)] }))).toBe(
      Code.PermissionDenied,
    );
  });

  it("requires Hello before samples", async () => {
    const fleet = await createFleet();
    expect(await codeOf(ingestClient(fleet.agent, "h_unknown").push({ samples: [sample(1)] }))).toBe(
      Code.FailedPrecondition,
    );
  });

  it("is idempotent on (host, seq)", async () => {
    const fleet = await createFleet();
    const { client } = await registerHost(fleet.agent);
    await client.push({ samples: [sample(1), sample(2)] });
    const again = await client.push({ samples: [sample(1), sample(2), sample(3)] });
    expect(again.accepted).toBe(1);
    expect(again.duplicates).toBe(2);
  });

  it("stores nothing of a batch with one bad sample", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    const bad = sample(2, Date.now(), { cpu: { totalPct: 140, perCorePct: [] } });
    expect(await codeOf(client.push({ samples: [sample(1), bad] }))).toBe(Code.InvalidArgument);
    const res = await call(`/api/fleets/${fleet.id}/hosts/${hostId}`, {
      headers: { Authorization: `Bearer ${fleet.viewer}` },
    });
    const { host } = (await res.json()) as { host: { lastSeq: number; metrics: object } };
    expect(host.lastSeq).toBe(0);
    expect(host.metrics).toEqual({});
  });

  it("keeps the samples of a stream that arrived before a bad one", async () => {
    const fleet = await createFleet();
    const { hostId } = await registerHost(fleet.agent);
    const body = streamBody([sample(1), sample(2), sample(3, Date.now(), { load: { load1: -1 } })]);
    const res = await call("/fleetwatch.v1.IngestService/Stream", {
      method: "POST",
      headers: {
        "Content-Type": "application/connect+proto",
        "Connect-Protocol-Version": "1",
        Authorization: `Bearer ${fleet.agent}`,
        "fleetwatch-host-id": hostId,
      },
      body,
    });
    expect(res.status).toBe(200);
    const text = new TextDecoder().decode(await res.arrayBuffer());
    expect(text).toContain("invalid_argument");
    expect(text).toContain("load.load1 must not be negative");
    const hosts = await call(`/api/fleets/${fleet.id}/hosts/${hostId}`, {
      headers: { Authorization: `Bearer ${fleet.viewer}` },
    });
    expect(((await hosts.json()) as { host: { lastSeq: number } }).host.lastSeq).toBe(2);
  });
});
