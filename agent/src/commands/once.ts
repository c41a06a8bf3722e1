import { create, toJsonString } from "@bufbuild/protobuf";
import { ContainerState, type Sample, SampleSchema } from "@fleetwatch/proto/sample_pb";
import { Sampler } from "../collect/sampler";
import type { TlsTarget } from "../collect/tls-certs";

/** Rate window for a one-shot sample. */
const ONCE_WINDOW_MS = 1_000;

/**
 * Takes one full sample (every group, rates over one second) and prints it:
 * the protobuf JSON form with `--json`, else a short readable summary. Needs
 * no hub and no token: the way to check what the agent sees on a host.
 */
export async function runOnce(
  json: boolean,
  containerSockets: readonly string[] = [],
  tlsTargets: readonly TlsTarget[] = [],
): Promise<number> {
  const sampler = new Sampler(1, { containerSockets, tls: { targets: tlsTargets, wait: true } });
  await sampler.prime();
  await new Promise((r) => setTimeout(r, ONCE_WINDOW_MS));
  const sample = create(SampleSchema, await sampler.take());
  process.stdout.write(
    `${json ? toJsonString(SampleSchema, sample, { prettySpaces: 2, alwaysEmitImplicit: true }) : describe(sample)}\n`,
  );
  return 0;
}

const GiB = 1024 ** 3;

function gib(v: bigint): string {
  return `${(Number(v) / GiB).toFixed(1)} GiB`;
}

function rate(v: number): string {
  if (v >= 1024 ** 2) return `${(v / 1024 ** 2).toFixed(1)} MiB/s`;
  if (v >= 1024) return `${(v / 1024).toFixed(1)} KiB/s`;
  return `${v.toFixed(0)} B/s`;
}

/** A readable multi-line summary of one sample; absent groups say so. */
export function describe(s: Sample): string {
  const lines: string[] = [];
  const row = (k: string, v: string | undefined) => lines.push(`${k.padEnd(12)} ${v ?? "(not available)"}`);
  row("cpu", s.cpu && `${s.cpu.totalPct.toFixed(1)} % (${s.cpu.perCorePct.length} cores)`);
  row("load", s.load && `${s.load.load1} ${s.load.load5} ${s.load.load15}`);
  row("memory", s.memory && `${gib(s.memory.usedBytes)} used of ${gib(s.memory.totalBytes)}`);
  row("swap", s.swap && `${gib(s.swap.usedBytes)} used of ${gib(s.swap.totalBytes)}`);
  for (const f of s.filesystems)
    row(`fs ${f.mount}`, `${gib(f.usedBytes)} used of ${gib(f.sizeBytes)} (${f.fsType})`);
  if (s.filesystems.length === 0) row("filesystems", undefined);
  row("disk io", s.diskIo && `read ${rate(s.diskIo.readBytesPerS)}, write ${rate(s.diskIo.writeBytesPerS)}`);
  for (const n of s.net) row(`net ${n.name}`, `rx ${rate(n.rxBytesPerS)}, tx ${rate(n.txBytesPerS)}`);
  if (s.net.length === 0) row("network", undefined);
  row("processes", s.processes && `${s.processes.total} total, ${s.processes.running} running`);
  for (const p of s.processes?.topCpu ?? []) row("  top cpu", `${p.name} (${p.pid}) ${p.cpuPct} %`);
  for (const t of s.temperatures) row("temp", `${t.sensor} ${t.celsius} °C`);
  if (s.temperatures.length === 0) row("temperature", undefined);
  for (const c of s.containers)
    row(`container ${c.name}`, `${ContainerState[c.state].toLowerCase()} (${c.image})`);
  for (const c of s.tlsCerts) {
    const expiry = c.notAfterS === undefined ? "" : new Date(Number(c.notAfterS) * 1000).toISOString();
    row(`tls ${c.name}`, [c.target, expiry, c.error].filter((x) => x !== "").join(" "));
  }
  row("uptime", s.uptimeS === undefined ? undefined : `${(s.uptimeS / 3600).toFixed(1)} h`);
  return lines.join("\n");
}
