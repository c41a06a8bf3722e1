import { expect } from "vitest";
import { type AgentProcess, until } from "./agent-process";
import type { FakeHub } from "./fake-hub";

/** Every seq from the first received to the last, with none missing. */
export function expectContiguous(seqs: bigint[]): void {
  expect(seqs.length).toBeGreaterThan(0);
  const first = seqs[0] as bigint;
  expect(seqs).toEqual(seqs.map((_, i) => first + BigInt(i)));
}

/**
 * Once the agent is streaming, stops the hub for `downMs`, starts it again
 * and waits for the replay and for live samples taken after it. Returns when
 * the hub went down and came back up.
 */
export async function hubOutage(h: FakeHub, a: AgentProcess, downMs: number) {
  await until(() => h.samples.size >= 2, "first samples");
  await h.stop();
  const downAt = Date.now();
  await a.waitFor(/hub unreachable: .*, retrying in [\d.]+ s, \d+ samples buffered/);
  await new Promise((r) => setTimeout(r, downMs));
  await h.start();
  const upAt = Date.now();
  await a.waitFor(/replayed \d+ samples/, 15_000);
  await until(
    () => h.seqs().some((s) => Number(h.samples.get(s)?.timeMs) > upAt + 1000),
    "live samples again",
  );
  return { downAt, upAt };
}
