import { create, toBinary } from "@bufbuild/protobuf";
import { SampleSchema } from "@fleetwatch/proto/sample_pb";
import { describe, expect, it } from "vitest";
import { PER_CORE_CENTI, wireForm } from "../../agent/src/transport/wire";
import { validateSample } from "../../worker/src/fleet/validate-sample";
import { WIRE_FEATURES } from "../../worker/src/rpc/ingest-service";

const NOW = 1_800_000_000_000;
const cores = Array.from({ length: 64 }, (_, i) => Math.round((((i * 37) % 10_001) / 100) * 100) / 100);
const sample = create(SampleSchema, {
  seq: 1n,
  timeMs: BigInt(NOW),
  cpu: { totalPct: 41.5, perCorePct: cores },
});

describe("the agent's wire form", () => {
  it("is the hub's own feature name", () => {
    expect(WIRE_FEATURES).toContain(PER_CORE_CENTI);
  });

  it("sends per-core hundredths to a hub that reads them: the hub gets the same values, in far fewer bytes", () => {
    const wire = wireForm([PER_CORE_CENTI])(sample);
    expect(wire.cpu?.perCorePct).toEqual([]);
    expect(validateSample(wire, NOW).metrics.cpu?.perCorePct).toEqual(cores);
    // 64 cores: 8 bytes each as doubles, at most 2 as varints.
    expect(toBinary(SampleSchema, sample).length - toBinary(SampleSchema, wire).length).toBeGreaterThan(
      64 * 6 - 1,
    );
    // The spooled sample is left as collected.
    expect(sample.cpu?.perCorePct).toEqual(cores);
  });

  it("leaves samples as collected for a hub that lists nothing", () => {
    expect(wireForm([])(sample)).toBe(sample);
  });
});
