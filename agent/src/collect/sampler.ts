import { monotonicMs } from "../clock";
import { containersCollector } from "./containers";
import { cpuCollector } from "./cpu";
import { diskCollector } from "./disk";
import { filesystemsCollector } from "./filesystems";
import { loadCollector } from "./load";
import { memoryCollector } from "./memory";
import { networkCollector } from "./network";
import { processesCollector } from "./processes";
import { systemdCollector } from "./systemd";
import { temperatureCollector } from "./temperature";
import { type TlsTarget, tlsCertsCollector } from "./tls-certs";
import type { Collector, SamplePart } from "./types";
import { uptimeCollector } from "./uptime";

/** How often the expensive groups (filesystems, processes, failed systemd units) are collected, in seconds. */
export const SLOW_PERIOD_S = 30;

/** A sample's metrics plus when they were taken. */
export type TakenSample = SamplePart & { timeMs: bigint };

/**
 * Runs all collectors once per tick. Filesystems and processes (a statfs per
 * mount, a read per process) are collected on the first tick and then every
 * `slowEvery` ticks; the hub keeps their last value in between, as it merges
 * partial samples group by group.
 */
export class Sampler {
  #fast: Collector[];
  #slow: Collector[] = [filesystemsCollector(), processesCollector(), systemdCollector()];
  #slowEvery = 1;
  #tick = 0;

  /**
   * `slowEvery`: collect the slow groups every this many ticks (1 = every
   * tick). `allInterfaces`: also idle virtual interfaces (ifb, veth, ...).
   * `containerSockets`: Engine API sockets for the containers group (a slow
   * group too; none or empty: no containers). `tls`: targets whose
   * certificates are checked every 5 minutes and sent with the slow groups;
   * `wait` makes a sample wait for a running check (one-shot samples).
   */
  constructor(
    slowEvery: number,
    opts: {
      allInterfaces?: boolean;
      containerSockets?: readonly string[];
      tls?: { targets: readonly TlsTarget[]; wait?: boolean };
    } = {},
  ) {
    this.slowEvery = slowEvery;
    if (opts.containerSockets?.length) this.#slow.push(containersCollector(opts.containerSockets));
    if (opts.tls?.targets.length)
      this.#slow.push(tlsCertsCollector(opts.tls.targets, { wait: opts.tls.wait }));
    this.#fast = [
      cpuCollector(),
      loadCollector(),
      memoryCollector(),
      diskCollector(),
      networkCollector({ allInterfaces: opts.allInterfaces }),
      temperatureCollector(),
      uptimeCollector(),
    ];
  }

  /** Collect the slow groups every this many ticks. */
  get slowEvery(): number {
    return this.#slowEvery;
  }

  set slowEvery(n: number) {
    this.#slowEvery = Math.max(1, Math.floor(n));
  }

  /** Slow-group cadence for a sampling interval: about every {@link SLOW_PERIOD_S}. */
  static slowEveryFor(intervalS: number): number {
    return Math.max(1, Math.round(SLOW_PERIOD_S / intervalS));
  }

  /**
   * Reads every counter once without emitting, so the first real sample
   * already carries rates (CPU, disk, network, per-process CPU).
   */
  async prime(): Promise<void> {
    const atMs = monotonicMs();
    await Promise.all([...this.#fast, ...this.#slow].map((c) => c(atMs)));
  }

  /** Collects one sample. Groups whose collector failed or has nothing are absent. */
  async take(): Promise<TakenSample> {
    const withSlow = this.#tick % this.#slowEvery === 0;
    this.#tick++;
    const atMs = monotonicMs();
    const timeMs = BigInt(Date.now());
    const collectors = withSlow ? [...this.#fast, ...this.#slow] : this.#fast;
    const parts = await Promise.all(collectors.map((c) => c(atMs).catch(() => ({}))));
    return Object.assign({ timeMs }, ...parts) as TakenSample;
  }
}
