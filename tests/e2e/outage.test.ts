import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostView, SeriesResult } from "../../worker/src/metrics/types";
import { type AgentProcess, eventually, spawnAgent } from "./dashboard-fixtures";
import { type Hub, startHub } from "./hub";

const OUTAGE_MS = 60_000;

describe("a real agent through a one-minute hub outage", () => {
  let hub: Hub;
  let agent: AgentProcess | undefined;
  let tokens: Awaited<ReturnType<Hub["fleet"]>>;

  beforeAll(async () => {
    hub = await startHub();
    tokens = await hub.fleet("outage");
  }, 60_000);

  afterAll(async () => {
    agent?.stop();
    await hub?.dispose();
  });

  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${hub.url}${path}`, { headers: { Authorization: `Bearer ${tokens.viewer}` } });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };

  it("has every 5 s sample of the minute the hub was down, once", async () => {
    agent = spawnAgent(hub.url, tokens.agent, ["--interval", "5"]);
    const host = await eventually(
      async () => {
        const { hosts } = await get<{ hosts: HostView[] }>("/api/fleets/outage/hosts");
        return hosts.find((h) => h.lastSeq > 0);
      },
      30_000,
      "the agent's first sample",
    );

    await hub.stop();
    const downAt = Date.now();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await hub.restart();
    const upAt = Date.now();

    // Wait for the replay: the newest sample is live again and the gap is filled.
    const series = await eventually(
      async () => {
        const r = await get<SeriesResult>(
          `/api/fleets/outage/hosts/${host.id}/series?metric=cpu&from=${downAt}&to=${upAt}&step=5`,
        );
        return r.points.length >= 11 ? r : undefined;
      },
      60_000,
      "the replayed minute",
    );

    const times = series.points.map((p) => p.t);
    expect(series.tier).toBe("raw");
    // Twelve samples were taken in the minute; 5 s buckets may merge two that
    // straddle a boundary, so one fewer is the floor, and no hole is wider than one bucket.
    expect(times.length).toBeGreaterThanOrEqual(OUTAGE_MS / 5000 - 1);
    for (let i = 1; i < times.length; i++) {
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeLessThanOrEqual(10_000);
    }
    const replayed = Number(/replayed (\d+) samples/.exec(agent.output())?.[1] ?? 0);
    expect(replayed).toBeGreaterThanOrEqual(OUTAGE_MS / 5000);
  }, 180_000);
});
