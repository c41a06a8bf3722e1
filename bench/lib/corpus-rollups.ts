// Rollup points of corpus hosts, rolled up as the hub does (raw -> 1 m -> 1 h), for benches that
// need more history than a hub accepts (it refuses samples older than 23 h).
import { combine, HOUR_MS, MINUTE_MS, type RollupPoint, rollupRaw } from "../../worker/src/fleet/rollup.ts";
import { validateSample } from "../../worker/src/fleet/validate-sample.ts";
import { flattenMetrics } from "../../worker/src/metrics/catalog.ts";
import { type CorpusHost, hostSamples } from "./corpus.ts";

/** Hour points of a corpus host over `hours` from `start` (the host moves forward: use a fresh one). */
export function hourPoints(host: CorpusHost, start: number, hours: number): RollupPoint[] {
  const out: RollupPoint[] = [];
  for (let h = 0; h < hours; h++) {
    const raw = hostSamples(host, 720, start + h * HOUR_MS).map((s) => ({
      seq: Number(s.seq),
      t: Number(s.timeMs),
      v: flattenMetrics(validateSample(s, Number(s.timeMs)).metrics),
    }));
    out.push(...combine(rollupRaw(raw, MINUTE_MS), HOUR_MS));
  }
  return out;
}
