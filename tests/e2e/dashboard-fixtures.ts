import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { HostInfoSchema } from "@fleetwatch/proto/host_pb";
import { type Sample, SampleSchema } from "@fleetwatch/proto/sample_pb";
import { connectClient } from "./clients";

const AGENT = new URL("../../agent/dist/cli.js", import.meta.url).pathname;

/** A real agent process and what it printed. */
export interface AgentProcess {
  proc: ChildProcess;
  output: () => string;
  stop: () => void;
}

/** Starts a real agent (`agent/dist/cli.js`, built by `npm run build`) with its own spool. */
export function spawnAgent(hub: string, token: string, args: string[] = []): AgentProcess {
  const proc = spawn(process.execPath, [AGENT, "--hub", hub, ...args], {
    env: {
      ...process.env,
      FLEETWATCH_TOKEN: token,
      FLEETWATCH_SPOOL_DIR: mkdtempSync(join(tmpdir(), "fleetwatch-spool-")),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const collect = (d: Buffer) => {
    out += d.toString();
  };
  proc.stdout?.on("data", collect);
  proc.stderr?.on("data", collect);
  return { proc, output: () => out, stop: () => void proc.kill("SIGKILL") };
}

/** Shape of a synthetic host's load; values are percentages. */
export interface Load {
  cpu: number;
  mem: number;
  disk: number;
}

const GIB = 1024 ** 3;

/**
 * A sample with every metric group a real agent sends, for hosts simulated
 * through the Connect API (hundreds of them, or one with a hostile name).
 */
export function richSample(seq: number, timeMs: number, load: Load): Sample {
  const memTotal = 16 * GIB;
  const diskSize = 200 * GIB;
  const cpu = Math.min(100, Math.max(0, load.cpu));
  return create(SampleSchema, {
    seq: BigInt(seq),
    timeMs: BigInt(timeMs),
    cpu: {
      totalPct: cpu,
      userPct: cpu * 0.7,
      systemPct: cpu * 0.25,
      iowaitPct: cpu * 0.05,
      stealPct: 0,
      perCorePct: [cpu, Math.min(100, cpu * 1.2), cpu * 0.8, cpu],
    },
    load: { load1: (cpu / 100) * 4, load5: (cpu / 100) * 3.6, load15: (cpu / 100) * 3.2 },
    memory: {
      totalBytes: BigInt(memTotal),
      usedBytes: BigInt(Math.round((memTotal * load.mem) / 100)),
      availableBytes: BigInt(Math.round(memTotal * (1 - load.mem / 100))),
      cachedBytes: BigInt(2 * GIB),
    },
    swap: { totalBytes: BigInt(2 * GIB), usedBytes: BigInt(Math.round(0.1 * GIB)) },
    filesystems: [
      {
        mount: "/",
        fsType: "ext4",
        device: "/dev/vda1",
        sizeBytes: BigInt(diskSize),
        usedBytes: BigInt(Math.round((diskSize * load.disk) / 100)),
      },
    ],
    diskIo: { readBytesPerS: 40_000 + cpu * 9_000, writeBytesPerS: 120_000 + cpu * 20_000 },
    net: [{ name: "eth0", rxBytesPerS: 200_000 + cpu * 30_000, txBytesPerS: 80_000 + cpu * 12_000 }],
    processes: {
      total: 180 + Math.round(cpu),
      running: 1 + Math.round(cpu / 25),
      topCpu: [
        { pid: 812, name: "node", cpuPct: cpu * 0.6, memoryBytes: BigInt(420 * 1024 ** 2) },
        { pid: 97, name: "postgres", cpuPct: cpu * 0.2, memoryBytes: BigInt(1229 * 1024 ** 2) },
      ],
      topMemory: [
        { pid: 97, name: "postgres", cpuPct: cpu * 0.2, memoryBytes: BigInt(1229 * 1024 ** 2) },
        { pid: 812, name: "node", cpuPct: cpu * 0.6, memoryBytes: BigInt(420 * 1024 ** 2) },
      ],
    },
    uptimeS: 86_400 * 12,
  });
}

/** A host simulated over the Connect API: `hello` once, then `push` samples. */
export class SyntheticHost {
  id = "";
  #seq = 0;
  readonly hub: string;
  readonly token: string;
  readonly hostname: string;
  readonly labels: Record<string, string>;

  constructor(hub: string, token: string, hostname: string, labels: Record<string, string> = {}) {
    this.hub = hub;
    this.token = token;
    this.hostname = hostname;
    this.labels = labels;
  }

  async hello(): Promise<this> {
    const info = create(HostInfoSchema, {
      hostname: this.hostname,
      machineId: `m-${this.hostname}`,
      os: "Debian GNU/Linux 12",
      kernel: "6.1.0-18-amd64",
      arch: "x64",
      cpuModel: "AMD EPYC 7B13",
      cores: 4,
      memoryBytes: BigInt(16 * GIB),
      agentVersion: "0.1.0",
      labels: this.labels,
      intervalS: 5,
    });
    this.id = (await connectClient(this.hub, this.token).hello(info)).hostId;
    return this;
  }

  /** Pushes one sample per load, spaced `stepMs` apart and ending now. */
  async push(loads: Load[], stepMs = 5000): Promise<void> {
    const now = Date.now();
    const samples = loads.map((l, i) => richSample(++this.#seq, now - (loads.length - 1 - i) * stepMs, l));
    const client = connectClient(this.hub, this.token, this.id);
    for (let i = 0; i < samples.length; i += 1000) await client.push({ samples: samples.slice(i, i + 1000) });
  }
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
