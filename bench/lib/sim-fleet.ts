import { create } from "@bufbuild/protobuf";
import { HostInfoSchema } from "@fleetwatch/proto/host_pb";
import { mergeMetrics } from "../../worker/src/fleet/merge.ts";
import { validateHostInfo } from "../../worker/src/fleet/validate-host-info.ts";
import { validateSample } from "../../worker/src/fleet/validate-sample.ts";
import type { HostView } from "../../worker/src/metrics/types.ts";
import { type CorpusHost, fleetCorpus } from "./corpus.ts";

/**
 * A fleet of corpus hosts as the hub holds it, advanced second by second
 * without a hub: each host samples every `intervalS` at its own offset, and
 * each sample is validated and merged into the host's view as the hub does.
 * For benchmarks of what follows the hub's state (frames, the dashboard) at
 * sizes one local hub cannot ingest.
 */
export class SimFleet {
  readonly views: HostView[];
  readonly #corpus: CorpusHost[];
  readonly #offsetMs: number[];
  readonly #t0: number;
  readonly #intervalMs: number;

  constructor(hosts: number, seed: number, intervalS: number, t0: number) {
    this.#corpus = fleetCorpus(hosts, seed);
    this.#t0 = t0;
    this.#intervalMs = intervalS * 1000;
    this.views = this.#corpus.map((h, i) => ({
      id: `h${String(i).padStart(5, "0")}`,
      info: validateHostInfo(create(HostInfoSchema, { ...h.hostInfo(), intervalS })),
      status: "online",
      lastSeen: 0,
      lastSeq: 0,
      metrics: {},
    }));
    // Spread offsets, as agents started at random times.
    this.#offsetMs = this.#corpus.map((_, i) => ((i * 7919) % this.#intervalMs) + 0.5);
  }

  /** Applies every sample that falls in [from, from + 1 s) and returns the hosts that sampled. */
  second(from: number): HostView[] {
    const changed: HostView[] = [];
    for (let i = 0; i < this.views.length; i++) {
      const off = this.#offsetMs[i] as number;
      const k = Math.floor((from + 1000 - this.#t0 - off) / this.#intervalMs);
      const at = this.#t0 + off + k * this.#intervalMs;
      if (k < 0 || at < from) continue;
      const v = this.views[i] as HostView;
      const host = this.#corpus[i] as CorpusHost;
      const sample = validateSample(host.sample(BigInt(k + 1), Math.round(at)), at);
      v.metrics = mergeMetrics(v.metrics, sample.metrics);
      v.lastSeq = sample.seq;
      // Stored a few ms after it was taken.
      v.lastSeen = Math.round(at) + 40;
      changed.push(v);
    }
    return changed;
  }
}
