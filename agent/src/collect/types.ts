import type { MessageInitShape } from "@bufbuild/protobuf";
import type { SampleSchema } from "@fleetwatch/proto/sample_pb";

/** The metric groups of a Sample; a collector fills some of them and leaves the rest absent. */
export type SamplePart = Omit<MessageInitShape<typeof SampleSchema>, "seq" | "timeMs" | "$typeName">;

/**
 * Reads one slice of the host's state. `atMs` is a monotonic timestamp shared
 * by all collectors of a tick, so rates over the same interval line up.
 * A collector that cannot read its metric returns `{}`: absent, never zero.
 */
export type Collector = (atMs: number) => Promise<SamplePart>;
