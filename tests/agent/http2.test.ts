import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, ensureBuilt, startAgent, tempDir } from "./helpers/agent-process";
import { FakeHub, type FakeHubOptions } from "./helpers/fake-hub";
import { expectContiguous, hubOutage } from "./helpers/outage";
import { selfSignedCert } from "./helpers/self-signed-cert";

const running: AgentProcess[] = [];
const hubs: FakeHub[] = [];
let tls: { key: string; cert: string; certFile: string };

beforeAll(async () => {
  await ensureBuilt();
  // A throwaway certificate for 127.0.0.1, trusted by the agent through NODE_EXTRA_CA_CERTS.
  const { key, cert } = selfSignedCert("127.0.0.1");
  const certFile = join(tempDir("fw-tls-"), "cert.pem");
  writeFileSync(certFile, cert);
  tls = { key, cert, certFile };
});

afterEach(async () => {
  for (const a of running.splice(0)) a.child.kill("SIGKILL");
  for (const h of hubs.splice(0)) await h.stop();
});

async function hub(http2: FakeHubOptions["http2"]): Promise<FakeHub> {
  const h = await new FakeHub({ http2 }).start();
  hubs.push(h);
  return h;
}

function agent(h: FakeHub, extra: Record<string, string> = {}, args: string[] = []): AgentProcess {
  const a = startAgent(args, {
    FLEETWATCH_HUB: h.url,
    FLEETWATCH_TOKEN: h.token,
    FLEETWATCH_INTERVAL: "1",
    FLEETWATCH_SPOOL_DIR: tempDir(),
    FLEETWATCH_RETRY_MAX_S: "2",
    ...extra,
  });
  running.push(a);
  return a;
}

/** Streams, survives a 4 s hub outage, and leaves no gap in the seqs. */
async function survivesOutage(h: FakeHub, a: AgentProcess): Promise<void> {
  await a.waitFor("connected to");
  await hubOutage(h, a, 4_000);
  expectContiguous(h.seqs());
  expect(h.seqs().length).toBeGreaterThanOrEqual(8);
}

describe("agent over HTTP/2", () => {
  it("streams to an https hub over HTTP/2, the production default, and replays an outage", async () => {
    const h = await hub({ key: tls.key, cert: tls.cert });
    // No --http2: an https:// hub gets HTTP/2 by default.
    const a = agent(h, { NODE_EXTRA_CA_CERTS: tls.certFile });
    await survivesOutage(h, a);
    expect(a.stderr()).toContain(`connected to ${h.url}`);
  });

  it("speaks cleartext HTTP/2 when asked with --http2", async () => {
    const h = await hub(true);
    const a = agent(h, {}, ["--http2"]);
    await survivesOutage(h, a);
  });

  it("refuses a hub whose certificate it cannot verify, with the reason", async () => {
    const h = await hub({ key: tls.key, cert: tls.cert });
    const a = agent(h);
    await a.waitFor(/hub unreachable: .*(self-signed|certificate)/i);
    expect(h.samples.size).toBe(0);
  });
});
