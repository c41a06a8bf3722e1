import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, ensureBuilt, startAgent, tempDir, until } from "./helpers/agent-process";
import { FakeHub } from "./helpers/fake-hub";
import { expectContiguous, hubOutage } from "./helpers/outage";

const running: AgentProcess[] = [];
const hubs: FakeHub[] = [];

beforeAll(ensureBuilt);
afterEach(async () => {
  for (const a of running.splice(0)) a.child.kill("SIGKILL");
  for (const h of hubs.splice(0)) await h.stop();
});

async function hub(opts: ConstructorParameters<typeof FakeHub>[0] = {}): Promise<FakeHub> {
  const h = await new FakeHub(opts).start();
  hubs.push(h);
  return h;
}

function agent(h: FakeHub, spool: string, extra: Record<string, string> = {}): AgentProcess {
  const a = startAgent([], {
    FLEETWATCH_HUB: h.url,
    FLEETWATCH_TOKEN: h.token,
    FLEETWATCH_INTERVAL: "1",
    FLEETWATCH_SPOOL_DIR: spool,
    FLEETWATCH_RETRY_MAX_S: "2",
    ...extra,
  });
  running.push(a);
  return a;
}

function ackedThrough(spool: string): bigint {
  return BigInt(readFileSync(join(spool, "acked"), "utf8").trim());
}

describe("agent against a real Connect hub", () => {
  it("says Hello with host info and streams samples carrying metrics", async () => {
    const h = await hub();
    const a = agent(h, tempDir(), { FLEETWATCH_LABELS: "env=test,role=ci" });
    await a.waitFor("connected to");
    await until(() => h.samples.size >= 3, "3 samples");
    expect(h.hellos[0]?.labels).toEqual({ env: "test", role: "ci" });
    expect(h.hellos[0]?.intervalS).toBe(1);
    expect(h.hellos[0]?.cores).toBeGreaterThan(0);
    expect(a.stderr()).toContain(`connected to ${h.url} as h-`);
    const s = h.samples.get(h.seqs()[0] as bigint);
    expect(s?.cpu?.totalPct).toBeGreaterThanOrEqual(0);
    expect(s?.memory?.totalBytes).toBeGreaterThan(0n);
    expect(s?.filesystems.length).toBeGreaterThan(0);
    expect(h.streams).toBe(1);
    expectContiguous(h.seqs());
  });

  it("sends per-core percentages as hundredths to a hub that reads them, as doubles to one that does not", async () => {
    const compact = await hub({ wireFeatures: ["cpu.per_core_centi"] });
    const older = await hub();
    agent(compact, tempDir());
    agent(older, tempDir());
    const withCores = (h: FakeHub) =>
      [...h.samples.values()].filter(
        (s) => (s.cpu?.perCoreCenti.length ?? 0) + (s.cpu?.perCorePct.length ?? 0) > 0,
      );
    await until(
      () => withCores(compact).length >= 2 && withCores(older).length >= 2,
      "samples with per-core values",
    );
    for (const s of withCores(compact)) {
      expect(s.cpu?.perCorePct).toEqual([]);
      for (const v of s.cpu?.perCoreCenti ?? []) expect(v).toBeLessThanOrEqual(10_000);
    }
    for (const s of withCores(older)) expect(s.cpu?.perCoreCenti).toEqual([]);
    const cores = withCores(older)[0]?.cpu?.perCorePct.length;
    expect(withCores(compact)[0]?.cpu?.perCoreCenti.length).toBe(cores);
  });

  it("loses no sample while the hub is down for 15 s and replays them in order", async () => {
    const h = await hub();
    const a = agent(h, tempDir());
    const { downAt, upAt } = await hubOutage(h, a, 15_000);
    const seqs = h.seqs();
    expectContiguous(seqs);
    const during = seqs.filter((s) => {
      const t = Number(h.samples.get(s)?.timeMs);
      return t > downAt && t < upAt;
    });
    expect(during.length).toBeGreaterThanOrEqual(12);
  });

  it("delivers spooled samples after kill -9 and a restart", async () => {
    const spool = tempDir();
    const h = await hub();
    const first = agent(h, spool);
    await until(() => h.samples.size >= 2, "first samples");
    await h.stop();
    await new Promise((r) => setTimeout(r, 4_000));
    first.child.kill("SIGKILL");
    await first.exited;
    const lastSent = h.seqs().at(-1) as bigint;
    await h.start();
    const second = agent(h, spool);
    await second.waitFor(/replayed \d+ samples/);
    await until(() => h.samples.size >= 2 + 3 + 2, "spooled and new samples");
    const seqs = h.seqs();
    expectContiguous(seqs);
    // The samples taken while the hub was down, before the kill, arrived.
    expect(seqs.filter((s) => s > lastSent).length).toBeGreaterThanOrEqual(3);
  });

  it("acknowledges at rotation and on SIGTERM, then exits 0 with an empty spool", async () => {
    const spool = tempDir();
    const h = await hub({ streamRotateS: 2 });
    const a = agent(h, spool);
    await until(() => h.streams >= 2, "a rotated stream");
    expect(ackedThrough(spool)).toBeGreaterThanOrEqual(h.seqs()[0] as bigint);
    await until(() => h.samples.size >= 4, "more samples");
    a.child.kill("SIGTERM");
    expect(await a.exited).toBe(0);
    expect(ackedThrough(spool)).toBe(h.seqs().at(-1));
    expect(a.stderr()).toMatch(/stopped$/m);
  });

  it("drops a sample the hub rejects as invalid and keeps everything else", async () => {
    const spool = tempDir();
    const probe = await hub();
    const a0 = agent(probe, spool);
    await until(() => probe.samples.size >= 1, "a first sample");
    a0.child.kill("SIGTERM");
    await a0.exited;
    const next = (probe.seqs().at(-1) as bigint) + 1n;
    await probe.stop();

    const h = await hub({ rejectSeqs: [next + 1n] });
    const a = agent(h, spool);
    await a.waitFor(`hub rejected sample ${next + 1n}`);
    await until(() => h.seqs().some((s) => s > next + 2n), "samples after the bad one");
    const seqs = h.seqs().filter((s) => s <= next + 3n);
    expect(seqs).toEqual([next, next + 2n, next + 3n]);
    expect(a.stderr()).toContain("dropped it from the spool");
  });

  it("keeps retrying slowly with a clear message when the token is wrong", async () => {
    const h = await hub();
    const a = startAgent([], {
      FLEETWATCH_HUB: h.url,
      FLEETWATCH_TOKEN: "wrong-token",
      FLEETWATCH_INTERVAL: "1",
      FLEETWATCH_SPOOL_DIR: tempDir(),
    });
    running.push(a);
    await a.waitFor(
      /hub rejected the agent token \(unauthenticated: .*\): check FLEETWATCH_TOKEN; retrying in 60 s/,
    );
    expect(a.child.exitCode).toBeNull();
  });
});
