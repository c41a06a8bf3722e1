import { accessSync, constants, existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { SampleSchema } from "@fleetwatch/proto/sample_pb";
import { monotonicMs } from "../clock";
import { collectHostInfo } from "../collect/host-info";
import { Sampler } from "../collect/sampler";
import type { AgentConfig } from "../config";
import { createHubClient, describeError, errorCode } from "../transport/hub-client";

const HELLO_TIMEOUT_MS = 10_000;

function line(label: string, text: string): void {
  process.stdout.write(`${label.padEnd(11)} ${text}\n`);
}

/** Why a Hello failed, and what to do about it, in one line. */
export function helloAdvice(e: unknown, hub: string): string {
  const reason = describeError(e);
  switch (errorCode(e)) {
    case Code.Unauthenticated:
      return `the hub rejected the token (${reason}): check FLEETWATCH_TOKEN (or --token); it must be an agent token of your fleet`;
    case Code.PermissionDenied:
      return `the token may not ingest (${reason}): create an agent token in the dashboard and set FLEETWATCH_TOKEN`;
    case Code.InvalidArgument:
      return `the hub rejected this host's info (${reason}): fix the labels (--label / FLEETWATCH_LABELS)`;
    default:
      return `cannot reach the hub at ${hub} (${reason}): check --hub / FLEETWATCH_HUB, the network, and that the hub is running`;
  }
}

function spoolState(dir: string): { ok: boolean; text: string } {
  if (!existsSync(dir)) {
    const parent = dirname(dir);
    try {
      accessSync(existsSync(parent) ? parent : dirname(parent), constants.W_OK);
      return { ok: true, text: `${dir} (will be created)` };
    } catch {
      return { ok: false, text: `${dir} cannot be created: pass a writable --spool-dir` };
    }
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return { ok: false, text: `${dir} is not writable: fix its permissions or pass another --spool-dir` };
  }
  const bytes = readdirSync(dir)
    .filter((n) => n.endsWith(".seg"))
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  return { ok: true, text: `${dir} (${(bytes / 1024).toFixed(0)} KiB of unacknowledged samples)` };
}

/**
 * Checks everything the agent needs and prints what it found: what the
 * collectors see, the spool directory, and the hub (reachability and token,
 * by calling Hello). Returns 1 with the fix when something is wrong.
 */
export async function runDoctor(cfg: AgentConfig): Promise<number> {
  let ok = true;
  const sampler = new Sampler(1, { containerSockets: cfg.containerSockets });
  await sampler.prime();
  await new Promise((r) => setTimeout(r, 500));
  const s = create(SampleSchema, await sampler.take());
  const groups: [string, boolean][] = [
    ["cpu", !!s.cpu],
    ["load", !!s.load],
    ["memory", !!s.memory],
    ["swap", !!s.swap],
    [`filesystems(${s.filesystems.length})`, s.filesystems.length > 0],
    ["disk-io", !!s.diskIo],
    [`net(${s.net.length})`, s.net.length > 0],
    ["processes", !!s.processes],
    [`temperatures(${s.temperatures.length})`, s.temperatures.length > 0],
    ["uptime", s.uptimeS !== undefined],
    [`containers(${s.containers.length})`, s.containers.length > 0],
  ];
  line(
    "collectors",
    groups.map(([name, has]) => (has ? name : `${name.replace(/\(0\)$/, "")}: absent`)).join(", "),
  );

  const spool = spoolState(cfg.spoolDir);
  ok &&= spool.ok;
  line("spool", spool.text);

  line("hub", `${cfg.hub} over ${cfg.http2 ? "HTTP/2" : "HTTP/1.1"}`);
  const client = createHubClient({ url: cfg.hub, token: cfg.token, http2: cfg.http2 });
  const started = monotonicMs();
  try {
    const hello = await client.hello(await collectHostInfo(cfg.labels, cfg.intervalS), {
      timeoutMs: HELLO_TIMEOUT_MS,
    });
    const ms = Math.round(monotonicMs() - started);
    line(
      "hello",
      `ok in ${ms} ms: host id ${hello.hostId}, interval ${hello.intervalS || cfg.intervalS} s, stream rotation ${hello.config?.streamRotateS ?? "default"} s, max batch ${hello.config?.maxBatch ?? "default"}`,
    );
  } catch (e) {
    ok = false;
    line("hello", "FAILED");
    process.stderr.write(`${helloAdvice(e, cfg.hub)}\n`);
  }
  line("result", ok ? "all good" : "problems found (see above)");
  return ok ? 0 : 1;
}
