import { monotonicMs } from "../clock";
import { collectHostInfo } from "../collect/host-info";
import { Sampler } from "../collect/sampler";
import type { AgentConfig } from "../config";
import { status } from "../log";
import { LocalHost } from "../prometheus/local-host";
import { servePrometheus } from "../prometheus/server";
import { Spool } from "../spool/spool";
import { RECONNECT_BACKOFF } from "../transport/backoff";
import { HubConnection } from "../transport/connection";
import { createHubClient } from "../transport/hub-client";
import { Wake } from "../transport/wake";
import { AGENT_VERSION } from "../version";

/** Delay from start to the first sample: long enough for meaningful rates, short enough to show up at once. */
const FIRST_SAMPLE_MS = 1_000;

/**
 * Runs the agent until SIGTERM or SIGINT: samples every interval into the
 * spool, and streams to the hub. On a signal it stops sampling, ends the
 * stream so the hub acknowledges what it got, and resolves with exit code 0.
 */
export async function runAgent(cfg: AgentConfig): Promise<number> {
  let intervalS = cfg.intervalS;
  // Started first: a port that cannot be bound stops the agent before it touches the spool.
  let local: LocalHost | undefined;
  let stopServing: (() => Promise<void>) | undefined;
  if (cfg.prometheus) {
    local = new LocalHost(await collectHostInfo(cfg.labels, intervalS));
    stopServing = await servePrometheus(local, cfg.prometheus);
    const { host, port } = cfg.prometheus;
    status(`serving Prometheus metrics at http://${host.includes(":") ? `[${host}]` : host}:${port}/metrics`);
  }
  const spool = Spool.open({ dir: cfg.spoolDir, maxBytes: cfg.spoolMaxMb * 1024 * 1024, warn: status });
  const sampler = new Sampler(Sampler.slowEveryFor(intervalS), {
    allInterfaces: cfg.allInterfaces,
    containerSockets: cfg.containerSockets,
    tls: { targets: cfg.tlsChecks },
  });
  await sampler.prime();

  const wake = new Wake();
  const connection = new HubConnection({
    client: createHubClient({ url: cfg.hub, token: cfg.token, http2: cfg.http2 }),
    hubUrl: cfg.hub,
    spool,
    hostInfo: () => collectHostInfo(cfg.labels, intervalS),
    wake,
    status,
    backoff: { ...RECONNECT_BACKOFF, capMs: cfg.retryMaxS * 1000 },
    onInterval: (s) => {
      if (s === intervalS) return;
      status(`hub asks for a ${s} s interval (was ${intervalS} s); sampling every ${s} s`);
      intervalS = s;
      sampler.slowEvery = Sampler.slowEveryFor(s);
      local?.setInterval(s);
    },
    onConnected: (hostId, info) => local?.connected(hostId, info),
  });
  status(
    `fleetwatch-agent ${AGENT_VERSION}: sampling every ${intervalS} s, spool ${spool.dir} (${spool.pending} samples pending)`,
  );

  let stopping = false;
  let busy: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let nextAt = monotonicMs() + FIRST_SAMPLE_MS;

  const tick = async () => {
    const taken = await sampler.take();
    if (stopping) return;
    const stored = spool.append(taken);
    local?.add(stored);
    wake.notify();
  };
  const schedule = () => {
    timer = setTimeout(
      () => {
        const now = monotonicMs();
        // Fixed-rate schedule: no drift; after a stall (suspend, slow NFS), skip ahead.
        nextAt = Math.max(nextAt + intervalS * 1000, now + 100);
        if (!busy) {
          busy = tick()
            .catch((e: unknown) =>
              status(`sampling failed: ${(e as Error).message}; next try in ${intervalS} s`),
            )
            .finally(() => {
              busy = undefined;
            });
        }
        schedule();
      },
      Math.max(0, nextAt - monotonicMs()),
    );
  };
  schedule();

  const running = connection.run();
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  const sig = await signalled;
  stopping = true;
  clearTimeout(timer);
  status(`${sig}: stopping`);
  // A second signal means "now".
  const hard = () => process.exit(130);
  process.once("SIGTERM", hard);
  process.once("SIGINT", hard);
  await busy;
  connection.stop();
  await Promise.all([running, stopServing?.()]);
  const left = spool.pending;
  status(left > 0 ? `stopped; ${left} unacknowledged samples stay spooled for the next start` : "stopped");
  spool.close();
  return 0;
}
