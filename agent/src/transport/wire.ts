import { create } from "@bufbuild/protobuf";
import { CpuSchema, type Sample, SampleSchema } from "@fleetwatch/proto/sample_pb";

/** Compact encodings this agent can send, by the names hubs list in `HelloResponse.wire_features`. */
export const PER_CORE_CENTI = "cpu.per_core_centi";

/** How samples go on the wire to one hub: the spooled sample as is, or in the compact forms it reads. */
export type WireForm = (s: Sample) => Sample;

/**
 * The wire form for a hub that listed `features`. Samples are spooled as
 * collected, so a sample kept through an outage is sent in the form of the
 * hub it finally reaches.
 */
export function wireForm(features: readonly string[]): WireForm {
  if (!features.includes(PER_CORE_CENTI)) return (s) => s;
  return (s) => {
    const cpu = s.cpu;
    if (!cpu || cpu.perCorePct.length === 0) return s;
    // Agents measure per-core percentages to two decimals: hundredths keep them exactly.
    const perCoreCenti = cpu.perCorePct.map((v) => Math.min(10_000, Math.max(0, Math.round(v * 100))));
    return create(SampleSchema, { ...s, cpu: create(CpuSchema, { ...cpu, perCorePct: [], perCoreCenti }) });
  };
}
