import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostView, LiveFrame } from "../../worker/src/metrics/types";
import { connectClient, info, liveClient, sample } from "./clients";
import { type Hub, startHub } from "./hub";

const AGENT = new URL("../../agent/dist/cli.js", import.meta.url).pathname;

describe("the spine: wrangler dev + real agent + dashboard socket", () => {
  let hub: Hub;
  let tokens: Awaited<ReturnType<Hub["fleet"]>>;
  const agents: ChildProcess[] = [];

  beforeAll(async () => {
    hub = await startHub();
    tokens = await hub.fleet("spine");
  });

  afterAll(async () => {
    for (const a of agents) a.kill("SIGKILL");
    await hub?.dispose();
  });

  it("acknowledges a binary Push over HTTP/1.1", async () => {
    const hello = await connectClient(hub.url, tokens.agent).hello(info("push-host"));
    const res = await connectClient(hub.url, tokens.agent, hello.hostId).push({
      samples: [sample(1), sample(2)],
    });
    expect(res.acceptedThroughSeq).toBe(2n);
  });

  it("answers a Push without a token with unauthenticated", async () => {
    const err = await connectClient(hub.url)
      .push({ samples: [sample(1)] })
      .then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    expect(err?.code).toBe(Code.Unauthenticated);
  });

  it("delivers each streamed sample to viewers while the stream is still open", async () => {
    const hello = await connectClient(hub.url, tokens.agent).hello(info("stream-host"));
    const live = await liveClient(hub.url, "spine", tokens.viewer);
    await live.waitFor((f) => f.type === "snapshot", 5000);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    async function* samples() {
      yield sample(1, 42);
      // Hold the stream open until the first sample has reached the viewer.
      await gate;
      yield sample(2, 43);
    }
    const call = connectClient(hub.url, tokens.agent, hello.hostId).stream(samples());
    await live.waitFor(
      (f) =>
        f.type === "hosts" && f.hosts.some((h) => h.id === hello.hostId && h.metrics.cpu?.totalPct === 42),
      5000,
    );
    release();
    const summary = await call;
    expect(summary.acceptedThroughSeq).toBe(2n);
    expect(summary.accepted).toBe(2);
    live.ws.close();
  });

  // How long the first frame takes is measured by `npm run bench -- --only dashboard`, not asserted here.
  it("streams a real agent's metrics to a dashboard socket, newer samples in later frames", async () => {
    const live = await liveClient(hub.url, "spine", tokens.viewer);
    await live.waitFor((f) => f.type === "snapshot", 30_000);
    const agent = spawn(
      process.execPath,
      [AGENT, "--hub", hub.url, "--interval", "1", "--label", "role=e2e"],
      {
        env: {
          ...process.env,
          FLEETWATCH_TOKEN: tokens.agent,
          FLEETWATCH_SPOOL_DIR: mkdtempSync(join(tmpdir(), "fleetwatch-spool-")),
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    agents.push(agent);
    const fromAgent = (f: LiveFrame) =>
      f.type === "hosts" ? f.hosts.find((h) => h.info.labels.role === "e2e" && h.metrics.cpu) : undefined;
    const first = fromAgent(await live.waitFor((f) => fromAgent(f) !== undefined, 45_000)) as HostView;
    expect(first.info.hostname).toBe(hostname());
    expect(first.metrics.cpu?.totalPct).toBeGreaterThanOrEqual(0);
    expect(first.metrics.cpu?.totalPct).toBeLessThanOrEqual(100);
    expect(first.metrics.memory?.totalBytes).toBeGreaterThan(0);
    expect(first.status).toBe("online");
    // The agent keeps streaming: a later frame carries a newer sample of the same host.
    await live.waitFor((f) => (fromAgent(f)?.lastSeq ?? 0) > first.lastSeq, 45_000);
    // In order: the snapshot first, then frames whose seqs for this host never go back.
    expect(live.frames[0]?.type).toBe("snapshot");
    const seqs = live.frames.flatMap((f) => {
      const h = fromAgent(f);
      return h?.id === first.id ? [h.lastSeq] : [];
    });
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    live.ws.close();
  });
});
