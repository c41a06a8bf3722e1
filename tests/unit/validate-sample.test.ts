import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { SampleSchema } from "@fleetwatch/proto/sample_pb";
import { describe, expect, it } from "vitest";
import { validateSample } from "../../worker/src/fleet/validate-sample";

const NOW = 1_800_000_000_000;

function s(init: MessageInitShape<typeof SampleSchema>) {
  return create(SampleSchema, { seq: 1n, timeMs: BigInt(NOW), ...init } as MessageInitShape<
    typeof SampleSchema
  >);
}

function reason(init: MessageInitShape<typeof SampleSchema>): string {
  try {
    validateSample(s(init), NOW);
  } catch (e) {
    const err = ConnectError.from(e);
    expect(err.code).toBe(Code.InvalidArgument);
    return err.rawMessage;
  }
  throw new Error("expected the sample to be rejected");
}

describe("validateSample", () => {
  it("converts a valid sample and leaves absent groups absent", () => {
    const v = validateSample(s({ cpu: { totalPct: 50, perCorePct: [40, 60] }, uptimeS: 10 }), NOW);
    expect(v).toEqual({
      seq: 1,
      timeMs: NOW,
      metrics: { cpu: { totalPct: 50, perCorePct: [40, 60] }, uptimeS: 10 },
    });
    expect("memory" in v.metrics).toBe(false);
  });

  it("rejects a rate no disk or interface reaches, so the fleet's totals stay finite", () => {
    expect(reason({ net: [{ name: "eth0", rxBytesPerS: 1e300, txBytesPerS: 0 }] })).toContain(
      "net[0].rx_bytes_per_s must be at most",
    );
    expect(reason({ diskIo: { readBytesPerS: 0, writeBytesPerS: 2e13 } })).toContain(
      "disk_io.write_bytes_per_s must be at most",
    );
    const fast = validateSample(s({ net: [{ name: "eth0", rxBytesPerS: 1.25e12, txBytesPerS: 0 }] }), NOW);
    expect(fast.metrics.net?.[0]?.rxBytesPerS).toBe(1.25e12);
  });

  it("rejects percentages outside 0..100", () => {
    expect(reason({ cpu: { totalPct: 100.5, perCorePct: [] } })).toContain(
      "cpu.total_pct must be a percentage",
    );
    expect(reason({ cpu: { totalPct: 1, perCorePct: [-1] } })).toContain("cpu.per_core_pct[0]");
  });

  it("rejects NaN and infinities", () => {
    expect(reason({ load: { load1: Number.NaN } })).toContain("load.load1 must be a finite number");
    expect(reason({ diskIo: { readBytesPerS: Number.POSITIVE_INFINITY } })).toContain("finite");
  });

  it("rejects negative values where they are impossible", () => {
    expect(reason({ net: [{ name: "eth0", rxBytesPerS: -5 }] })).toContain(
      "net[0].rx_bytes_per_s must not be negative",
    );
  });

  it("rejects samples more than 5 minutes in the future", () => {
    expect(reason({ timeMs: BigInt(NOW + 6 * 60_000) })).toContain("in the future");
  });

  it("accepts clock skew below 5 minutes", () => {
    expect(validateSample(s({ timeMs: BigInt(NOW + 4 * 60_000) }), NOW).timeMs).toBe(NOW + 4 * 60_000);
  });

  it("rejects seq 0", () => {
    expect(reason({ seq: 0n })).toContain("seq must be a positive integer");
  });

  it("rejects control characters in names", () => {
    expect(reason({ net: [{ name: "eth\u00000" }] })).toContain("control or invisible formatting characters");
  });

  it("rejects absurd label cardinality", () => {
    const filesystems = Array.from({ length: 300 }, (_, i) => ({
      mount: `/m${i}`,
      sizeBytes: 10n,
      usedBytes: 1n,
    }));
    expect(reason({ filesystems })).toContain("has 300 entries");
  });

  it("rejects a filesystem that uses more than its size", () => {
    expect(reason({ filesystems: [{ mount: "/", sizeBytes: 10n, usedBytes: 11n }] })).toContain(
      "exceeds size_bytes",
    );
  });

  it("reads per-core percentages sent as hundredths exactly, and refuses both forms at once", () => {
    const v = validateSample(s({ cpu: { totalPct: 50, perCoreCenti: [1234, 0, 10_000, 7] } }), NOW);
    expect(v.metrics.cpu?.perCorePct).toEqual([12.34, 0, 100, 0.07]);
    expect(reason({ cpu: { totalPct: 1, perCoreCenti: [10_001] } })).toContain(
      "cpu.per_core_centi[0] must be",
    );
    expect(reason({ cpu: { totalPct: 1, perCoreCenti: [1], perCorePct: [1] } })).toContain(
      "must not be sent with cpu.per_core_pct",
    );
  });
});
