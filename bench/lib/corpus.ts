// A seeded corpus of realistic host samples, for benchmarks of storage
// density and ingest: a constant sample compresses to nothing and proves
// nothing, so every series here varies the way a real host's does.
//
// Same seed and same calls give the same samples (mulberry32, never
// Math.random). Each host simulates what the kernel exposes (jiffies, kB,
// blocks, sectors, byte counters, millidegrees) and turns it into a `Sample`
// with the agent's own functions (agent/src/collect: cpuUsage,
// memoryFromMeminfo, summarizeProcesses, RateTracker, round2), so precision,
// rounding, clamping and grouping are the agent's by construction, not by a
// second copy of its rules. bench/data/agent-samples.bin holds real samples
// to compare against (bench/lib/recorded-samples.ts).
//
// What each series does, and why:
//
// Roles. A host is web, db, batch, cache or idle (bastion/utility), on a
// cloud VM (steal time, no sensors) or bare metal (sensors, no steal), with
// 2..32 cores. The role sets the level and shape of every series below, and
// the cron jobs that run on it (logrotate, nightly backup, ETL, Redis
// snapshots, apt), because in a real fleet most variation comes from what a
// host does and when.
//
// CPU. Busy fraction = (role base + a daily sine, peaking at a per-host
// hour in its users' local time, + running jobs) x log-space
// Ornstein-Uhlenbeck noise (tau 5 min) + bursts. Bursts arrive as a Poisson
// process and decay exponentially (traffic spikes, heavy queries). Cores get
// log-normal multipliers around the total (wider when idle: an idle
// machine's cores are spiky) and a fixed bias (core 0 takes interrupts).
// Each core's window is counted in whole jiffies (USER_HZ 100: about 500 per
// core per 5 s), split into user/system/steal/iowait/idle and passed through
// the agent's cpuUsage: total = user + system + steal, iowait counts as idle,
// per-core values step by about 0.2 %.
//
// Steal (VMs). A small baseline plus rare noisy-neighbour episodes (about
// one a day, 10-60 min of 3-12 %), as seen on shared cloud hardware.
//
// Load. The kernel's own fixed-point calc_load (EXP_1/5/15 = 1884/2014/2037,
// one update per LOAD_FREQ of 5.004 s) over a run queue drawn each update
// from the busy cores plus tasks blocked on I/O; printed with the kernel's
// 2-decimal rounding. Between two 5 s samples there is now and then no
// update, so a value repeats exactly, as on a real host.
//
// Memory (kB, as /proc/meminfo). Used (total - available) reverts slowly to
// a role level (OU, tau 30 min) plus job allocations and, on web hosts, a
// leak that a deploy/restart (about once a day) gives back; allocator churn
// moves it by a few MB every sample. Page cache grows with disk traffic up to
// what used memory leaves free (the kernel then evicts), and drops a few
// times a day (large files deleted, memory pressure). Swap (on about 40 %
// of hosts, most of them metal) is mostly constant and changes a few times a
// day, more often under memory pressure.
//
// Filesystems. Sizes are constant; used blocks grow with the writes that
// land on each mount (a small, varying fraction stays: logs, table growth,
// job output), and drop at cleanups: daily logrotate at local midnight, a
// rare database vacuum, batch scratch removed after a job, an operator when a
// disk passes ~93 %. /boot never changes. Reported in whole blocks (4 KiB,
// 512 B for vfat), as statfs gives them.
//
// Disk I/O and network. Log-normal rates (sigma ~1.1 for disks, ~0.7 for
// links) scaled by current activity, with rare spikes of ~10x, counted as
// whole sectors or bytes and turned into rates by the agent's RateTracker over
// the real elapsed time. Many windows read nothing (served from cache). The
// primary interface carries the traffic; a private interface a share of it;
// an unplugged port (eno3) stays at 0; docker0 and tailscale0 carry a few
// bytes of ARP and keepalives now and then.
//
// Temperatures (metal). Each sensor follows its source with a first-order
// lag (cores 20 s, package 40 s, NVMe 5 min on disk activity, ACPI zone
// 30 min on the room) plus sensor noise, quantised as the hwmon driver does:
// coretemp 1 C, k10temp 0.125 C, NVMe whole Kelvin (44.85), ACPI 0.1 C.
//
// Processes. Long-lived services per role (nginx workers, node apps,
// postgres backends, redis, containerd, journald, the agent itself) share the
// busy jiffies by weights that wander (log-OU), so the top-5 order shuffles;
// jobs bring their own processes (pg_dump, gzip, python3, ffmpeg,
// redis-rdb-bgsave) for their duration; short-lived tools (curl, sh, cron
// python3 scripts, du, an operator's ssh session) come and go; kernel threads and small daemons fill the count and now and
// then take a jiffy. The count drifts; running is 1 (the agent) plus a small
// Poisson draw from the busy cores. New processes take new pids from a
// counter that advances with the host's fork rate, as Linux assigns them.
//
// Cadence. Filesystems and processes are sent only on the agent's slow ticks
// (the first sample, then every Sampler.slowEveryFor(interval) samples: 6 at
// 5 s); every other group on every sample. The first sample's rates cover
// the 1 s since the agent primed its counters, as the agent's do.
//
// Uptime grows with the clock from a random boot (1 h to 120 days before the
// first sample). Not modelled: reboots, counter resets, hot-plugged devices,
// weekly cycles, containers' veth interfaces.
//
// Plain Node 22 (type stripping): no TS-only syntax, explicit .ts imports
// (agent sources need bench/lib/resolve-ts.ts, as every bench runs with).
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type HostInfo, HostInfoSchema } from "@fleetwatch/proto/host_pb";
import { type NetInterfaceSchema, type Sample, SampleSchema } from "@fleetwatch/proto/sample_pb";
import { type CpuReading, type CpuTimes, cpuUsage } from "../../agent/src/collect/cpu.ts";
import { memoryFromMeminfo } from "../../agent/src/collect/memory.ts";
import { type ProcStat, summarizeProcesses, TOP_N } from "../../agent/src/collect/processes.ts";
import { RateTracker } from "../../agent/src/collect/rate.ts";
import { round2 } from "../../agent/src/collect/read.ts";
import { Sampler } from "../../agent/src/collect/sampler.ts";
import type { SamplePart } from "../../agent/src/collect/types.ts";
import { AGENT_VERSION } from "../../agent/src/version.ts";

/** What a host does; shapes its load, memory, disks, network and processes. */
export type Role = "web" | "db" | "batch" | "cache" | "idle";
/** Cloud VM (steal time, no sensors) or bare metal (sensors, no steal). */
export type Platform = "vm" | "metal";

/** Overrides for {@link createHost}; anything left out is drawn from the seed. */
export interface HostOptions {
  role?: Role;
  platform?: Platform;
  /** 2..32. */
  cores?: number;
  hostname?: string;
  /** The agent's sampling interval: sets the slow-group cadence as the agent does. Default 5. */
  intervalS?: number;
  /** Hours east of UTC where the host's users live (its daily peak follows their day). */
  utcOffsetH?: number;
  /** Seconds since boot at the first sample. */
  uptimeS?: number;
}

/** One simulated host. */
export interface CorpusHost {
  readonly seed: number;
  readonly hostname: string;
  readonly role: Role;
  readonly platform: Platform;
  readonly cores: number;
  readonly intervalS: number;
  readonly mounts: readonly string[];
  readonly interfaces: readonly string[];
  readonly sensors: readonly string[];
  /** What the agent sends in `Hello`. */
  hostInfo(): HostInfo;
  /**
   * The sample the agent sends at `timeMs`. Calls must come in increasing
   * time (the host's state moves forward); the first call is the agent's
   * first sample, with the slow groups.
   */
  sample(seq: number | bigint, timeMs: number): Sample;
}

// ---------------------------------------------------------------- randomness

/** mulberry32: 32 bits of state, fast, and plenty for synthetic data (not for secrets). */
class Rng {
  #a: number;

  constructor(seed: number) {
    this.#a = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#a = (this.#a + 0x6d2b79f5) | 0;
    let t = Math.imul(this.#a ^ (this.#a >>> 15), 1 | this.#a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hi: number): number {
    return Math.floor(this.range(lo, hi + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  exp(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Log-normal with the given median. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    for (let p = this.next(); p > limit; p *= this.next()) k++;
    return k;
  }

  /** Rounds up with probability equal to the fraction: unbiased integer counts. */
  round(x: number): number {
    return Math.floor(x + this.next());
  }
}

/** Mixes two integers into a well-spread 32-bit seed (murmur3 finaliser). */
function mixSeed(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Exact Ornstein-Uhlenbeck step: reverts to `mean` with time constant `tauS`; `sd` is the stationary spread. */
function ou(rng: Rng, x: number, mean: number, tauS: number, sd: number, dtS: number): number {
  const k = Math.exp(-dtS / tauS);
  return mean + (x - mean) * k + sd * Math.sqrt(1 - k * k) * rng.normal();
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

// ------------------------------------------------------------------ profiles

type Range = readonly [number, number];

interface ServiceSpec {
  name: string;
  count: (cores: number) => number;
  /** Relative share of the host's busy time. */
  weight?: number;
  /** Or a fixed cost in percent of one core. */
  pct?: number;
  memMB?: Range;
  /** Or memory as a fraction of MemTotal (split over `count`). */
  memFrac?: Range;
}

interface JobSpec {
  name: string;
  everyH: 1 | 24;
  /** Local start time within the period, in minutes (host adds up to `spreadMin`). */
  atMin: number;
  spreadMin: number;
  durationS: Range;
  /** Added busy fraction of the host while running. */
  cpu: Range;
  memFrac: number;
  readBps: number;
  writeBps: number;
  txBps: number;
  rxBps: number;
  /** Processes (name, how many per 8 cores at least 1). */
  procs: readonly (readonly [string, number])[];
  /** Fraction of the job's writes left on the data mount; `cleanup` of it removed at the end. */
  keep: number;
  cleanup: number;
}

interface MiscSpec {
  name: string;
  perHour: number;
  lifetimeS: number;
  pct: number;
  memMB: number;
}

interface Profile {
  share: number;
  cores: readonly number[];
  memGiBPerCore: readonly number[];
  cpuBase: Range;
  cpuDiurnal: Range;
  peakHour: Range;
  burstsPerH: number;
  burstHeight: number;
  burstTauS: number;
  userShare: number;
  iowait: number;
  memUsed: Range;
  leakPerDay: number;
  restartsPerDay: number;
  readBps: number;
  writeBps: number;
  readZero: number;
  writeZero: number;
  rxBps: number;
  txBps: number;
  procs: number;
  procsPerCore: number;
  forksPerS: number;
  data?: { mount: string; fsType: string; gb: Range; keep: number; vacuumsPerDay: number };
  services: readonly ServiceSpec[];
  jobs: readonly JobSpec[];
  misc: readonly MiscSpec[];
}

const COMMON_SERVICES: readonly ServiceSpec[] = [
  { name: "systemd", count: () => 1, pct: 0.02, memMB: [9, 14] },
  { name: "systemd-journal", count: () => 1, pct: 0.15, memMB: [30, 120] },
  { name: "sshd", count: () => 1, pct: 0, memMB: [7, 9] },
  { name: "cron", count: () => 1, pct: 0, memMB: [2, 3] },
  { name: "rsyslogd", count: () => 1, pct: 0.03, memMB: [4, 9] },
  // The agent: a Node process.
  { name: "node", count: () => 1, pct: 0.2, memMB: [45, 60] },
];

const LOGROTATE: JobSpec = {
  name: "logrotate",
  everyH: 24,
  atMin: 0,
  spreadMin: 2,
  durationS: [20, 120],
  cpu: [0.01, 0.04],
  memFrac: 0,
  readBps: 4e6,
  writeBps: 1.5e6,
  txBps: 0,
  rxBps: 0,
  procs: [
    ["logrotate", 1],
    ["gzip", 1],
  ],
  keep: 0,
  cleanup: 0,
};

const MISC: readonly MiscSpec[] = [
  { name: "bash", perHour: 0.3, lifetimeS: 1200, pct: 0.05, memMB: 5 },
  { name: "sshd", perHour: 0.3, lifetimeS: 1200, pct: 0.02, memMB: 9 },
  { name: "curl", perHour: 6, lifetimeS: 8, pct: 3, memMB: 12 },
  { name: "sh", perHour: 10, lifetimeS: 4, pct: 1, memMB: 2 },
  // Cron scripts and an operator's disk usage check.
  { name: "python3", perHour: 1, lifetimeS: 90, pct: 25, memMB: 60 },
  { name: "du", perHour: 0.2, lifetimeS: 120, pct: 30, memMB: 4 },
];

const PROFILES: Record<Role, Profile> = {
  web: {
    share: 0.4,
    cores: [2, 4, 4, 8, 8, 16],
    memGiBPerCore: [2, 4],
    cpuBase: [0.03, 0.08],
    cpuDiurnal: [0.12, 0.4],
    peakHour: [13, 20],
    burstsPerH: 4,
    burstHeight: 0.12,
    burstTauS: 45,
    userShare: 0.74,
    iowait: 0.003,
    memUsed: [0.22, 0.4],
    leakPerDay: 0.08,
    restartsPerDay: 1,
    readBps: 8e3,
    writeBps: 3.5e5,
    readZero: 0.6,
    writeZero: 0.05,
    rxBps: 3e5,
    txBps: 1.5e6,
    procs: 150,
    procsPerCore: 8,
    forksPerS: 2,
    services: [
      { name: "nginx", count: () => 1, pct: 0, memMB: [6, 10] },
      { name: "nginx", count: (c) => Math.min(c, 8), weight: 0.06, memMB: [25, 70] },
      { name: "node", count: (c) => Math.max(2, c / 2), weight: 0.2, memFrac: [0.12, 0.25] },
      { name: "containerd", count: () => 1, pct: 0.4, memMB: [40, 60] },
      { name: "dockerd", count: () => 1, pct: 0.2, memMB: [70, 110] },
    ],
    jobs: [LOGROTATE],
    misc: MISC,
  },
  db: {
    share: 0.15,
    cores: [4, 8, 16, 16, 32],
    memGiBPerCore: [4, 8],
    cpuBase: [0.05, 0.12],
    cpuDiurnal: [0.08, 0.3],
    peakHour: [10, 16],
    burstsPerH: 2,
    burstHeight: 0.25,
    burstTauS: 120,
    userShare: 0.66,
    iowait: 0.04,
    memUsed: [0.45, 0.7],
    leakPerDay: 0,
    restartsPerDay: 0,
    readBps: 1.5e6,
    writeBps: 3e6,
    readZero: 0.05,
    writeZero: 0.01,
    rxBps: 8e5,
    txBps: 2.5e6,
    procs: 160,
    procsPerCore: 4,
    forksPerS: 0.5,
    data: { mount: "/var/lib/postgresql", fsType: "xfs", gb: [500, 4000], keep: 0.03, vacuumsPerDay: 0.4 },
    services: [
      // postmaster, background writers, then the client backends.
      { name: "postgres", count: () => 6, weight: 0.01, memFrac: [0.02, 0.05] },
      { name: "postgres", count: (c) => 4 + c * 1.5, weight: 0.15, memFrac: [0.2, 0.35] },
      { name: "pgbouncer", count: () => 1, weight: 0.03, memMB: [10, 40] },
    ],
    jobs: [
      LOGROTATE,
      {
        name: "backup",
        everyH: 24,
        atMin: 180,
        spreadMin: 60,
        durationS: [1200, 3600],
        cpu: [0.08, 0.2],
        memFrac: 0.01,
        readBps: 4e7,
        writeBps: 1e5,
        txBps: 2.5e7,
        rxBps: 2e5,
        procs: [
          ["pg_dump", 1],
          ["gzip", 1],
        ],
        keep: 0,
        cleanup: 0,
      },
    ],
    misc: [...MISC, { name: "psql", perHour: 0.5, lifetimeS: 300, pct: 0.5, memMB: 11 }],
  },
  batch: {
    share: 0.15,
    cores: [4, 8, 16, 32],
    memGiBPerCore: [2, 4],
    cpuBase: [0.01, 0.04],
    cpuDiurnal: [0, 0.06],
    peakHour: [10, 16],
    burstsPerH: 1,
    burstHeight: 0.35,
    burstTauS: 300,
    userShare: 0.85,
    iowait: 0.02,
    memUsed: [0.08, 0.18],
    leakPerDay: 0,
    restartsPerDay: 0,
    readBps: 5e4,
    writeBps: 1e5,
    readZero: 0.5,
    writeZero: 0.2,
    rxBps: 4e4,
    txBps: 2e4,
    procs: 190,
    procsPerCore: 6,
    forksPerS: 5,
    data: { mount: "/data", fsType: "xfs", gb: [1000, 8000], keep: 0, vacuumsPerDay: 0 },
    services: [
      { name: "celery", count: () => 1, weight: 0.05, memMB: [120, 300] },
      { name: "containerd", count: () => 1, pct: 0.4, memMB: [40, 60] },
    ],
    jobs: [
      LOGROTATE,
      {
        name: "etl",
        everyH: 24,
        atMin: 60,
        spreadMin: 90,
        durationS: [2400, 7200],
        cpu: [0.55, 0.85],
        memFrac: 0.4,
        readBps: 6e7,
        writeBps: 3e7,
        txBps: 5e6,
        rxBps: 2e7,
        procs: [
          ["python3", 4],
          ["java", 1],
        ],
        keep: 0.3,
        cleanup: 0.7,
      },
      {
        name: "transcode",
        everyH: 1,
        atMin: 5,
        spreadMin: 40,
        durationS: [180, 900],
        cpu: [0.2, 0.5],
        memFrac: 0.08,
        readBps: 2e7,
        writeBps: 1.5e7,
        txBps: 1e6,
        rxBps: 1.5e7,
        procs: [
          ["ffmpeg", 2],
          ["python3", 1],
        ],
        keep: 0.5,
        cleanup: 0.9,
      },
    ],
    misc: [...MISC, { name: "rsync", perHour: 0.5, lifetimeS: 600, pct: 15, memMB: 20 }],
  },
  cache: {
    share: 0.1,
    cores: [2, 4, 8],
    memGiBPerCore: [8, 16],
    cpuBase: [0.03, 0.08],
    cpuDiurnal: [0.08, 0.25],
    peakHour: [13, 20],
    burstsPerH: 3,
    burstHeight: 0.1,
    burstTauS: 30,
    userShare: 0.55,
    iowait: 0.002,
    memUsed: [0.55, 0.8],
    leakPerDay: 0,
    restartsPerDay: 0,
    readBps: 2e3,
    writeBps: 6e4,
    readZero: 0.8,
    writeZero: 0.3,
    rxBps: 1.5e6,
    txBps: 5e6,
    procs: 110,
    procsPerCore: 4,
    forksPerS: 0.3,
    services: [{ name: "redis-server", count: () => 1, weight: 0.8, memFrac: [0.45, 0.7] }],
    jobs: [
      LOGROTATE,
      {
        name: "snapshot",
        everyH: 1,
        atMin: 0,
        spreadMin: 59,
        durationS: [20, 120],
        cpu: [0.05, 0.15],
        memFrac: 0.05,
        readBps: 0,
        writeBps: 8e7,
        txBps: 0,
        rxBps: 0,
        // Redis names its fork so; comm keeps 15 characters.
        procs: [["redis-rdb-bgsav", 1]],
        keep: 0,
        cleanup: 0,
      },
    ],
    misc: MISC,
  },
  idle: {
    share: 0.2,
    cores: [2, 2, 4],
    memGiBPerCore: [2, 4],
    cpuBase: [0.004, 0.02],
    cpuDiurnal: [0, 0.02],
    peakHour: [9, 17],
    burstsPerH: 0.6,
    burstHeight: 0.3,
    burstTauS: 20,
    userShare: 0.6,
    iowait: 0.001,
    memUsed: [0.08, 0.2],
    leakPerDay: 0,
    restartsPerDay: 0,
    readBps: 1e3,
    writeBps: 2.5e4,
    readZero: 0.85,
    writeZero: 0.35,
    rxBps: 3e3,
    txBps: 2e3,
    procs: 105,
    procsPerCore: 5,
    forksPerS: 0.2,
    services: [
      { name: "tailscaled", count: () => 1, pct: 0.1, memMB: [30, 50] },
      { name: "fail2ban-server", count: () => 1, pct: 0.05, memMB: [20, 35] },
    ],
    jobs: [
      LOGROTATE,
      {
        name: "apt",
        everyH: 24,
        atMin: 360,
        spreadMin: 60,
        durationS: [60, 480],
        cpu: [0.15, 0.4],
        memFrac: 0.05,
        readBps: 3e6,
        writeBps: 5e6,
        txBps: 5e4,
        rxBps: 2e6,
        procs: [
          ["apt-get", 1],
          ["unattended-upgr", 1],
        ],
        keep: 0,
        cleanup: 0,
      },
    ],
    misc: MISC,
  },
};

const ROLES = Object.keys(PROFILES) as Role[];

// Small daemons; with kernel threads (named per core and per device) they
// fill the process count and, now and then, take a jiffy.
const DAEMONS = [
  "dbus-daemon",
  "systemd-logind",
  "systemd-udevd",
  "systemd-network",
  "systemd-resolve",
  "chronyd",
  "irqbalance",
  "polkitd",
  "agetty",
  "multipathd",
  "containerd-shim",
  "snapd",
];
/** Kernel threads have no user memory. */
const KERNEL_THREAD = /^(kworker|ksoftirqd|rcu_|migration|cpuhp|kswapd|jbd2|xfsaild)/;

const CPU_MODELS = {
  intel: ["Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz"],
  amd: ["AMD EPYC 7R13 Processor", "AMD EPYC 7443P 24-Core Processor"],
};
const OSES = [
  ["Ubuntu 22.04.4 LTS", "5.15.0-105-generic"],
  ["Ubuntu 24.04.1 LTS", "6.8.0-45-generic"],
  ["Debian GNU/Linux 12 (bookworm)", "6.1.0-25-amd64"],
  ["Rocky Linux 9.4 (Blue Onyx)", "5.14.0-427.22.1.el9_4.x86_64"],
] as const;

// ----------------------------------------------------------- a host's layout

interface MountSpec {
  mount: string;
  fsType: string;
  device: string;
  bsize: number;
  blocks: number;
  /** Share of the host's disk writes that lands here, and the fraction of it that stays. */
  writeShare: number;
  keep: number;
  rotates: boolean;
  vacuumsPerDay: number;
}

type IfaceKind = "primary" | "private" | "quiet" | "dead";

interface SensorSpec {
  sensor: string;
  source: "cpu" | "core" | "disk" | "room";
  core: number;
  idleC: number;
  /** Degrees added at full load. */
  gainC: number;
  tauS: number;
  /** Driver resolution in millidegrees; 0 means whole Kelvin (NVMe). */
  stepMilli: number;
}

interface Spec {
  role: Role;
  platform: Platform;
  profile: Profile;
  hostname: string;
  cores: number;
  vendor: "intel" | "amd";
  cpuModel: string;
  os: string;
  kernel: string;
  intervalS: number;
  utcOffsetH: number;
  peakHour: number;
  cpuBase: number;
  cpuDiurnal: number;
  memTotalKb: number;
  swapTotalKb: number;
  memUsed: number;
  mounts: MountSpec[];
  ifaces: { name: string; kind: IfaceKind; share: number }[];
  sensors: SensorSpec[];
  coreBias: number[];
  jobs: { spec: JobSpec; atMin: number }[];
  /** Kernel threads of this host's devices (jbd2, xfsaild). */
  deviceThreads: string[];
  uptimeS: number;
  pidMax: number;
}

function weightedRole(rng: Rng): Role {
  let r = rng.next();
  for (const role of ROLES) {
    r -= PROFILES[role].share;
    if (r < 0) return role;
  }
  return "web";
}

function blocksOf(bytes: number, bsize: number): number {
  return Math.floor(bytes / bsize);
}

function makeSpec(seed: number, opts: HostOptions): Spec {
  const rng = new Rng(mixSeed(seed, 1));
  const role = opts.role ?? weightedRole(rng);
  const p = PROFILES[role];
  const platform = opts.platform ?? (rng.chance(0.7) ? "vm" : "metal");
  const cores = clamp(Math.round(opts.cores ?? rng.pick(p.cores)), 2, 32);
  const vendor = rng.chance(0.5) ? "intel" : "amd";
  const [os, kernel] = rng.pick(OSES);
  const GiB_KB = 1024 * 1024;
  // MemTotal is what is left after the firmware and kernel take their part.
  const physicalKb = cores * rng.pick(p.memGiBPerCore) * GiB_KB;
  const memTotalKb = Math.floor(physicalKb * rng.range(0.955, 0.975));
  // A swap partition of 2^n GiB shows one page less (its header).
  const swapTotalKb = rng.chance(platform === "metal" ? 0.7 : 0.3) ? rng.pick([2, 4, 8]) * GiB_KB - 4 : 0;

  const disk = platform === "vm" ? rng.pick(["nvme0n1", "vda", "sda"]) : rng.pick(["nvme0n1", "sda"]);
  const part = (n: number) => (disk.startsWith("nvme") ? `/dev/${disk}p${n}` : `/dev/${disk}${n}`);
  const rootGb = platform === "vm" ? rng.pick([20, 30, 50, 80, 100, 200]) : rng.pick([240, 480, 960]);
  const rootBytes = rootGb * 1e9 * rng.range(0.96, 0.985);
  const mounts: MountSpec[] = [
    {
      mount: "/",
      fsType: os.startsWith("Rocky") ? "xfs" : "ext4",
      device: part(1),
      bsize: 4096,
      blocks: blocksOf(rootBytes, 4096),
      writeShare: p.data ? 0.15 : 1,
      keep: rng.range(0.005, 0.03),
      rotates: true,
      vacuumsPerDay: 0,
    },
    {
      mount: "/boot/efi",
      fsType: "vfat",
      device: part(15),
      bsize: 512,
      blocks: blocksOf(rng.pick([104_634_368, 535_805_952]), 512),
      writeShare: 0,
      keep: 0,
      rotates: false,
      vacuumsPerDay: 0,
    },
  ];
  if (p.data) {
    mounts.push({
      mount: p.data.mount,
      fsType: p.data.fsType,
      device: disk.startsWith("nvme") ? "/dev/nvme1n1" : `/dev/${disk.slice(0, -1)}b1`,
      bsize: 4096,
      blocks: blocksOf(rng.range(p.data.gb[0], p.data.gb[1]) * 1e9, 4096),
      writeShare: 0.85,
      keep: p.data.keep,
      rotates: false,
      vacuumsPerDay: p.data.vacuumsPerDay,
    });
  }

  const primary = platform === "vm" ? rng.pick(["eth0", "ens5", "enp1s0"]) : rng.pick(["eno1", "enp65s0f0"]);
  const ifaces: Spec["ifaces"] = [{ name: primary, kind: "primary", share: 1 }];
  if (rng.chance(0.3))
    ifaces.push({ name: platform === "vm" ? "ens6" : "eno2", kind: "private", share: 0.2 });
  if (platform === "metal" && rng.chance(0.6)) ifaces.push({ name: "eno3", kind: "dead", share: 0 });
  if ((role === "web" || role === "batch") && rng.chance(0.5))
    ifaces.push({ name: "docker0", kind: "quiet", share: 0 });
  if (rng.chance(0.15)) ifaces.push({ name: "tailscale0", kind: "quiet", share: 0 });

  const sensors: SensorSpec[] = [];
  if (platform === "metal") {
    const room = rng.range(20, 28);
    sensors.push({
      sensor: "acpitz temp1",
      source: "room",
      core: 0,
      idleC: room + 2,
      gainC: 0,
      tauS: 1800,
      stepMilli: 100,
    });
    if (disk.startsWith("nvme"))
      sensors.push({
        sensor: "nvme Composite",
        source: "disk",
        core: 0,
        idleC: room + rng.range(10, 16),
        gainC: rng.range(8, 15),
        tauS: 300,
        stepMilli: 0,
      });
    const idle = room + rng.range(10, 16);
    const gain = rng.range(35, 50);
    if (vendor === "intel") {
      sensors.push({
        sensor: "coretemp Package id 0",
        source: "cpu",
        core: 0,
        idleC: idle + 2,
        gainC: gain,
        tauS: 40,
        stepMilli: 1000,
      });
      for (let c = 0; c < Math.min(4, cores / 2); c++)
        sensors.push({
          sensor: `coretemp Core ${c}`,
          source: "core",
          core: c,
          idleC: idle + rng.range(-2, 2),
          gainC: gain,
          tauS: 20,
          stepMilli: 1000,
        });
    } else {
      sensors.push(
        {
          sensor: "k10temp Tctl",
          source: "cpu",
          core: 0,
          idleC: idle + 3,
          gainC: gain,
          tauS: 20,
          stepMilli: 125,
        },
        {
          sensor: "k10temp Tccd1",
          source: "cpu",
          core: 0,
          idleC: idle,
          gainC: gain,
          tauS: 20,
          stepMilli: 125,
        },
      );
    }
  }

  const utcOffsetH = opts.utcOffsetH ?? rng.pick([-8, -5, 0, 1, 1, 2, 5.5, 8, 9]);
  const uptimeS = opts.uptimeS ?? 3600 * Math.exp(rng.range(0, Math.log(24 * 120)));
  const cpuModel = rng.pick(CPU_MODELS[vendor]);
  const id = rng.int(0, 0xffff).toString(16).padStart(4, "0");
  return {
    role,
    platform,
    profile: p,
    hostname: opts.hostname ?? `${role}-${id}`,
    cores,
    vendor,
    cpuModel,
    os,
    kernel,
    intervalS: opts.intervalS ?? 5,
    utcOffsetH,
    peakHour: rng.range(p.peakHour[0], p.peakHour[1]),
    cpuBase: rng.range(p.cpuBase[0], p.cpuBase[1]),
    cpuDiurnal: rng.range(p.cpuDiurnal[0], p.cpuDiurnal[1]),
    memTotalKb,
    swapTotalKb,
    memUsed: rng.range(p.memUsed[0], p.memUsed[1]),
    mounts,
    ifaces,
    sensors,
    // Core 0 takes most interrupts; the others differ a little by what is pinned where.
    coreBias: Array.from({ length: cores }, (_, i) => (i === 0 ? 1.15 : rng.range(0.9, 1.05))),
    jobs: p.jobs.map((spec) => ({ spec, atMin: spec.atMin + rng.range(0, spec.spreadMin) })),
    // comm keeps 15 characters.
    deviceThreads: mounts
      .filter((m) => m.fsType !== "vfat")
      .map((m) =>
        `${m.fsType === "xfs" ? "xfsaild/" : "jbd2/"}${m.device.slice(5)}${m.fsType === "xfs" ? "" : "-8"}`.slice(
          0,
          15,
        ),
      ),
    uptimeS,
    pidMax: rng.chance(0.8) ? 4_194_304 : 32_768,
  };
}

// ---------------------------------------------------------------- simulation

const USER_HZ = 100;
/** Fixed-point load average, as kernel/sched/loadavg.c computes it. */
const FSHIFT = 11;
const FIXED_1 = 1 << FSHIFT;
const LOAD_EXP = [1884, 2014, 2037] as const;
/** LOAD_FREQ = 5 * HZ + 1 jiffies at HZ 250. */
const LOAD_FREQ_MS = 5004;
/** The agent primes its counters this long before its first sample (agent/src/commands/run.ts). */
const PRIME_MS = 1000;
const PAGE = 4096;

function calcLoad(load: number, exp: number, active: number): number {
  let next = load * exp + active * (FIXED_1 - exp);
  if (active >= load) next += FIXED_1 - 1;
  return Math.floor(next / FIXED_1);
}

/** /proc/loadavg's "%lu.%02lu" with the kernel's FIXED_1/200 rounding, read back as the agent reads it. */
function showLoad(x: number): number {
  const v = x + Math.floor(FIXED_1 / 200);
  const frac = Math.floor(((v & (FIXED_1 - 1)) * 100) / FIXED_1);
  return Number(`${v >> FSHIFT}.${String(frac).padStart(2, "0")}`);
}

interface Proc {
  pid: number;
  name: string;
  startTicks: number;
  cpuTicks: number;
  rssPages: number;
  memTarget: number;
  /** Share of busy time (services), or a fixed percent of one core. */
  weight: number;
  pct: number;
  logNoise: number;
  kind: "service" | "app" | "job" | "misc" | "filler";
  endMs: number;
  /** cpuTicks at the previous scan, if the process existed then. */
  seenTicks: number | undefined;
}

interface JobRun {
  spec: JobSpec;
  endMs: number;
  cpu: number;
  /** Bytes of output it has left on the data mount so far. */
  kept: number;
  procs: Proc[];
}

interface Burst {
  height: number;
  tauS: number;
}

class SimHost implements CorpusHost {
  readonly seed: number;
  readonly #s: Spec;
  readonly #rng: Rng;
  readonly #slowEvery: number;
  #tick = 0;
  #lastMs: number | undefined;
  #bootMs = 0;

  // CPU
  #noise = 0;
  #bursts: Burst[] = [];
  #stealEpisodeEnd = 0;
  #stealLevel = 0;
  #busyFrac = 0;
  #coreBusy: number[] = [];
  // Load, fixed point
  #load = [0, 0, 0];
  #loadUpdates = 0;
  // Memory, kB
  #usedKb = 0;
  #leakKb = 0;
  #cacheKb = 0;
  #buffersKb = 0;
  #swapUsedKb = 0;
  // Disks and network: cumulative counters, as the kernel keeps them
  #readSectors = 0;
  #writeSectors = 0;
  #rx: number[] = [];
  #tx: number[] = [];
  #rates = new RateTracker();
  #fsUsedBytes: number[] = [];
  #fsSinceRotate: number[] = [];
  #ioActivity = 1;
  // Sensors, degrees
  #temps: number[] = [];
  // Processes
  #procs: Proc[] = [];
  #jobs: JobRun[] = [];
  #nextPid = 0;
  #procTarget = 0;
  #busyTicksSinceScan = 0;
  #prevScanMs = 0;
  /** The fillers' largest memory (it never changes), kept while the filler set does not. */
  #fillerTopMemory: Proc[] | undefined;

  constructor(seed: number, opts: HostOptions) {
    this.seed = seed;
    this.#s = makeSpec(seed, opts);
    this.#rng = new Rng(mixSeed(seed, 2));
    this.#slowEvery = Sampler.slowEveryFor(this.#s.intervalS);
  }

  get hostname(): string {
    return this.#s.hostname;
  }
  get role(): Role {
    return this.#s.role;
  }
  get platform(): Platform {
    return this.#s.platform;
  }
  get cores(): number {
    return this.#s.cores;
  }
  get intervalS(): number {
    return this.#s.intervalS;
  }
  get mounts(): readonly string[] {
    return this.#s.mounts.map((m) => m.mount);
  }
  get interfaces(): readonly string[] {
    return this.#s.ifaces.map((i) => i.name);
  }
  get sensors(): readonly string[] {
    return this.#s.sensors.map((t) => t.sensor);
  }

  hostInfo(): HostInfo {
    const s = this.#s;
    return create(HostInfoSchema, {
      hostname: s.hostname,
      machineId: (this.seed >>> 0).toString(16).padStart(32, "0"),
      os: s.os,
      kernel: s.kernel,
      arch: "x64",
      cpuModel: s.cpuModel,
      cores: s.cores,
      memoryBytes: BigInt(s.memTotalKb * 1024),
      agentVersion: AGENT_VERSION,
      labels: { role: s.role, env: "prod" },
      intervalS: s.intervalS,
    });
  }

  sample(seq: number | bigint, timeMs: number): Sample {
    if (this.#lastMs === undefined) this.#start(timeMs - PRIME_MS);
    const last = this.#lastMs as number;
    if (!(timeMs > last)) throw new Error(`sample times must increase: ${timeMs} after ${last}`);
    const dtS = (timeMs - last) / 1000;
    this.#lastMs = timeMs;
    const slow = this.#tick % this.#slowEvery === 0;
    this.#tick++;

    this.#advanceJobs(last, timeMs);
    this.#advanceCpuTarget(timeMs, dtS);
    const io = this.#diskIo(timeMs, dtS);
    const part: SamplePart = {
      cpu: this.#cpu(last, timeMs, io.activity),
      load: this.#loadAvg(timeMs),
      ...this.#memory(timeMs, dtS, io.bytes),
      diskIo: io.part,
      net: this.#net(timeMs, dtS),
      uptimeS: round2((timeMs - this.#bootMs) / 1000),
    };
    const temperatures = this.#temperatures(dtS);
    if (temperatures.length > 0) part.temperatures = temperatures;
    this.#growFilesystems(timeMs, dtS, io.writeBytes, io.jobKept);
    if (slow) {
      part.filesystems = this.#filesystems();
      part.processes = this.#processes(timeMs);
    }
    return create(SampleSchema, { ...part, seq: BigInt(seq), timeMs: BigInt(Math.round(timeMs)) });
  }

  // The host as it is when the agent primes its counters: everything at its steady state.
  #start(atMs: number): void {
    const s = this.#s;
    const rng = this.#rng;
    this.#lastMs = atMs;
    this.#bootMs = atMs - s.uptimeS * 1000;
    this.#busyFrac = this.#cpuTarget(atMs);
    for (let i = 0; i < 3; i++) this.#load[i] = Math.round(s.cores * this.#busyFrac * FIXED_1);
    this.#loadUpdates = Math.floor((atMs - this.#bootMs) / LOAD_FREQ_MS);
    this.#usedKb = s.memTotalKb * s.memUsed;
    this.#leakKb = s.profile.leakPerDay > 0 ? rng.range(0, s.profile.leakPerDay) * s.memTotalKb : 0;
    this.#buffersKb = s.memTotalKb * rng.range(0.005, 0.02);
    this.#cacheKb = (s.memTotalKb - this.#usedKb) * rng.range(0.3, 0.8);
    this.#swapUsedKb = s.swapTotalKb > 0 && rng.chance(0.6) ? 4 * rng.int(0, s.swapTotalKb / 40) : 0;
    this.#readSectors = rng.int(1e6, 1e9);
    this.#writeSectors = rng.int(1e6, 1e9);
    this.#rx = s.ifaces.map(() => rng.int(1e6, 1e12));
    this.#tx = s.ifaces.map(() => rng.int(1e6, 1e12));
    this.#readCounters(atMs);
    this.#fsUsedBytes = s.mounts.map(
      (m) => m.blocks * m.bsize * (m.writeShare > 0 ? rng.range(0.15, 0.7) : 0.01),
    );
    this.#fsSinceRotate = s.mounts.map(() => 0);
    this.#temps = s.sensors.map((t) => t.idleC + t.gainC * this.#busyFrac);
    this.#coreBusy = s.coreBias.map(() => this.#busyFrac);
    this.#nextPid = rng.int(2000, Math.min(s.pidMax - 1000, 400_000));
    this.#procTarget = s.profile.procs + s.profile.procsPerCore * s.cores;
    this.#startProcesses(atMs);
    this.#markScanned(atMs);
  }

  // ----- CPU

  #localHour(timeMs: number): number {
    const h = (timeMs / 3_600_000 + this.#s.utcOffsetH) % 24;
    return h < 0 ? h + 24 : h;
  }

  /** Busy fraction without noise or bursts: base + daily cycle + running jobs. */
  #cpuTarget(timeMs: number): number {
    const s = this.#s;
    const day = 0.5 * (1 + Math.cos((2 * Math.PI * (this.#localHour(timeMs) - s.peakHour)) / 24));
    const jobs = this.#jobs.reduce((sum, j) => sum + j.cpu, 0);
    return s.cpuBase + s.cpuDiurnal * day + jobs;
  }

  #advanceCpuTarget(timeMs: number, dtS: number): void {
    const s = this.#s;
    const p = s.profile;
    const rng = this.#rng;
    for (const b of this.#bursts) b.height *= Math.exp(-dtS / b.tauS);
    this.#bursts = this.#bursts.filter((b) => b.height > 0.002);
    for (let n = rng.poisson((p.burstsPerH * dtS) / 3600); n > 0; n--)
      this.#bursts.push({ height: rng.exp(p.burstHeight), tauS: rng.logNormal(p.burstTauS, 0.6) });
    const target = this.#cpuTarget(timeMs);
    // Multiplicative (log-space) noise: as large at night as its level allows, never below zero.
    this.#noise = ou(rng, this.#noise, 0, 300, 0.25, dtS);
    const bursts = this.#bursts.reduce((sum, b) => sum + b.height, 0);
    this.#busyFrac = clamp(target * Math.exp(this.#noise - 0.031) + bursts, 0.002, 0.97);
    if (s.platform === "vm") {
      if (timeMs > this.#stealEpisodeEnd && rng.chance(dtS / 86_400)) {
        this.#stealEpisodeEnd = timeMs + rng.range(600, 3600) * 1000;
        this.#stealLevel = rng.range(0.03, 0.12);
      }
      if (timeMs > this.#stealEpisodeEnd) this.#stealLevel = 0.002 + 0.004 * this.#busyFrac;
    }
  }

  /** Jiffies of each core in the window, split as /proc/stat counts them, through the agent's cpuUsage. */
  #cpu(fromMs: number, toMs: number, ioActivity: number): SamplePart["cpu"] {
    const s = this.#s;
    const rng = this.#rng;
    const u = this.#busyFrac;
    const spread = 0.15 + 0.5 * (1 - u);
    const zero: CpuTimes = { user: 0, system: 0, idle: 0, iowait: 0, steal: 0, other: 0 };
    const cores: CpuTimes[] = [];
    const total: CpuTimes = { ...zero };
    let busyTicks = 0;
    s.coreBias.forEach((bias, i) => {
      // Each core's jiffy counter ticks at its own phase: 499..501 per 5 s.
      const phase = (i * 0.618) % 1;
      const at = (ms: number) => Math.floor(((ms - this.#bootMs) * USER_HZ) / 1000 + phase);
      const all = at(toMs) - at(fromMs);
      const steal = Math.min(all, rng.round(all * this.#stealLevel * rng.logNormal(1, 0.3)));
      const coreU = clamp(u * bias * Math.exp(spread * rng.normal() - (spread * spread) / 2), 0, 1);
      this.#coreBusy[i] = coreU;
      const busy = Math.min(all - steal, rng.round(all * coreU));
      const user = Math.min(busy, rng.round(busy * s.profile.userShare * rng.range(0.9, 1.1)));
      const wait = s.profile.iowait * Math.sqrt(ioActivity) * rng.logNormal(1, 0.5);
      const iowait = Math.min(all - steal - busy, rng.round((all - steal - busy) * clamp(wait, 0, 0.6)));
      const t: CpuTimes = {
        user,
        system: busy - user,
        idle: all - steal - busy - iowait,
        iowait,
        steal,
        other: 0,
      };
      cores.push(t);
      busyTicks += busy;
      total.user += t.user;
      total.system += t.system;
      total.idle += t.idle;
      total.iowait = (total.iowait ?? 0) + iowait;
      total.steal = (total.steal ?? 0) + steal;
    });
    this.#busyTicksSinceScan += busyTicks;
    const prev: CpuReading = { total: zero, cores: cores.map(() => zero) };
    return cpuUsage(prev, { total, cores });
  }

  // ----- Load

  #loadAvg(toMs: number): SamplePart["load"] {
    const s = this.#s;
    const rng = this.#rng;
    const updates = Math.floor((toMs - this.#bootMs) / LOAD_FREQ_MS);
    // After a long gap the averages have long converged: a few hundred updates are enough.
    const n = Math.min(updates - this.#loadUpdates, 400);
    this.#loadUpdates = updates;
    for (let k = 0; k < n; k++) {
      const running = rng.poisson(s.cores * this.#busyFrac * 1.05);
      const blocked = rng.poisson(s.cores * s.profile.iowait * this.#ioActivity);
      const active = (running + blocked) * FIXED_1;
      this.#load = this.#load.map((l, i) => calcLoad(l, LOAD_EXP[i] as number, active));
    }
    const [l1, l5, l15] = this.#load as [number, number, number];
    return { load1: showLoad(l1), load5: showLoad(l5), load15: showLoad(l15) };
  }

  // ----- Memory

  #memory(timeMs: number, dtS: number, ioBytes: number): SamplePart {
    const s = this.#s;
    const p = s.profile;
    const rng = this.#rng;
    const total = s.memTotalKb;
    if (p.leakPerDay > 0) {
      this.#leakKb += (total * p.leakPerDay * dtS) / 86_400;
      if (rng.chance((p.restartsPerDay * dtS) / 86_400)) this.#restartApps(timeMs);
    }
    const jobs = this.#jobs.reduce((sum, j) => sum + j.spec.memFrac, 0);
    const mean = total * s.memUsed + this.#leakKb + total * jobs;
    this.#usedKb = clamp(ou(rng, this.#usedKb, mean, 1800, total * 0.015, dtS), total * 0.03, total * 0.95);
    this.#buffersKb = clamp(
      ou(rng, this.#buffersKb, total * 0.01, 3600, total * 0.002, dtS),
      1024,
      total * 0.03,
    );
    const minFree = Math.max(65_536, total * 0.015);
    // Page cache: grows with what is read and written, evicted when used memory needs the room.
    this.#cacheKb += ((ioBytes * 0.3) / 1024) * rng.range(0.5, 1.5);
    if (rng.chance((3 * dtS) / 86_400)) this.#cacheKb *= rng.range(0.3, 0.8);
    const room = total - this.#usedKb - this.#buffersKb - minFree;
    if (this.#cacheKb > room) this.#cacheKb = room * rng.range(0.97, 1);
    this.#cacheKb = Math.max(total * 0.01, this.#cacheKb);
    // Allocator churn: a few MB either way every sample.
    const usedKb = Math.round(this.#usedKb + rng.normal() * Math.min(8192, total * 0.0005));
    const cacheKb = Math.round(this.#cacheKb + rng.normal() * 256);
    const buffersKb = Math.round(this.#buffersKb);
    const availableKb = total - usedKb;
    const freeKb = Math.max(0, availableKb - cacheKb - buffersKb);
    if (s.swapTotalKb > 0) {
      const pressure = this.#usedKb / total > 0.8 ? 5 : 1;
      if (rng.chance((2 * pressure * dtS) / 86_400)) {
        const pages = rng.int(1, 50_000);
        const up = rng.chance(pressure > 1 ? 0.85 : 0.6);
        this.#swapUsedKb = clamp(this.#swapUsedKb + (up ? 4 : -4) * pages, 0, s.swapTotalKb);
      }
    }
    const cachedKb = Math.round(cacheKb * 0.92);
    const kb = (v: number) => v * 1024;
    const info = new Map<string, number>([
      ["MemTotal", kb(total)],
      ["MemFree", kb(freeKb)],
      ["MemAvailable", kb(availableKb)],
      ["Buffers", kb(buffersKb)],
      ["Cached", kb(cachedKb)],
      ["SReclaimable", kb(cacheKb - cachedKb)],
      ["SwapTotal", kb(s.swapTotalKb)],
      ["SwapFree", kb(s.swapTotalKb - this.#swapUsedKb)],
    ]);
    return memoryFromMeminfo(info);
  }

  // ----- Disks

  #diskIo(
    timeMs: number,
    dtS: number,
  ): {
    part: SamplePart["diskIo"];
    bytes: number;
    writeBytes: number;
    jobKept: number;
    activity: number;
  } {
    const s = this.#s;
    const p = s.profile;
    const rng = this.#rng;
    const typical = s.cpuBase + s.cpuDiurnal / 2;
    const activity = clamp((this.#busyFrac / typical) ** 0.8, 0.1, 10);
    this.#ioActivity = activity;
    const spike = () => (rng.chance(0.004) ? rng.logNormal(10, 0.7) : 1);
    const draw = (median: number, zero: number) =>
      rng.chance(zero * (activity > 1 ? 1 / activity : 1))
        ? 0
        : rng.logNormal(median, 1.1) * activity * spike();
    let read = draw(p.readBps, p.readZero);
    let write = draw(p.writeBps, p.writeZero);
    let jobKept = 0;
    for (const j of this.#jobs) {
      read += rng.logNormal(j.spec.readBps, 0.4);
      const w = rng.logNormal(j.spec.writeBps, 0.4);
      write += w;
      j.kept += w * dtS * j.spec.keep;
      jobKept += w * dtS * j.spec.keep;
    }
    // Whole pages, counted in 512-byte sectors.
    const readSectors = 8 * rng.round((read * dtS) / 4096);
    const writeSectors = 8 * rng.round((write * dtS) / 4096);
    this.#readSectors += readSectors;
    this.#writeSectors += writeSectors;
    const r = this.#rates.rate("read", this.#readSectors * 512, timeMs);
    const w = this.#rates.rate("write", this.#writeSectors * 512, timeMs);
    const part =
      r === undefined || w === undefined
        ? undefined
        : { readBytesPerS: round2(r), writeBytesPerS: round2(w) };
    return {
      part,
      bytes: (readSectors + writeSectors) * 512,
      writeBytes: writeSectors * 512,
      jobKept,
      activity: activity * (1 + this.#jobs.length),
    };
  }

  // Counters at the prime, so the first sample has rates as the agent's does.
  #readCounters(atMs: number): void {
    this.#rates.rate("read", this.#readSectors * 512, atMs);
    this.#rates.rate("write", this.#writeSectors * 512, atMs);
    this.#s.ifaces.forEach((f, i) => {
      this.#rates.rate(`${f.name}/rx`, this.#rx[i] as number, atMs);
      this.#rates.rate(`${f.name}/tx`, this.#tx[i] as number, atMs);
    });
  }

  /** `jobKept`: output of running jobs, which lands on the data mount. */
  #growFilesystems(timeMs: number, dtS: number, writeBytes: number, jobKept: number): void {
    const s = this.#s;
    const rng = this.#rng;
    const lastMs = timeMs - dtS * 1000;
    const midnight = Math.floor(this.#localDays(timeMs)) > Math.floor(this.#localDays(lastMs));
    s.mounts.forEach((m, i) => {
      if (m.writeShare === 0) return;
      const size = m.blocks * m.bsize;
      let used = this.#fsUsedBytes[i] as number;
      const grow = writeBytes * m.writeShare * m.keep * rng.logNormal(1, 0.5);
      // Temp files come and go: now and then a little is freed.
      const freed = rng.chance(0.05) ? rng.exp(grow * 8 + 65_536) : 0;
      used += grow - freed + (m.mount === s.profile.data?.mount ? jobKept : 0);
      this.#fsSinceRotate[i] = (this.#fsSinceRotate[i] as number) + grow;
      if (m.rotates && midnight) {
        used -= (this.#fsSinceRotate[i] as number) * rng.range(0.6, 0.95);
        this.#fsSinceRotate[i] = 0;
      }
      if (m.vacuumsPerDay > 0 && rng.chance((m.vacuumsPerDay * dtS) / 86_400))
        used *= 1 - rng.range(0.001, 0.01);
      if (used > size * 0.93) used *= 1 - rng.range(0.05, 0.2);
      this.#fsUsedBytes[i] = clamp(used, size * 0.001, size);
    });
  }

  #localDays(timeMs: number): number {
    return (timeMs / 3_600_000 + this.#s.utcOffsetH) / 24;
  }

  #filesystems(): SamplePart["filesystems"] {
    return this.#s.mounts.map((m, i) => {
      const usedBlocks = Math.floor((this.#fsUsedBytes[i] as number) / m.bsize);
      // Used as df(1) counts it: blocks - bfree, in whole blocks.
      return {
        mount: m.mount,
        device: m.device,
        fsType: m.fsType,
        sizeBytes: BigInt(m.blocks * m.bsize),
        usedBytes: BigInt(Math.min(m.blocks, usedBlocks) * m.bsize),
      };
    });
  }

  // ----- Network

  #net(timeMs: number, dtS: number): SamplePart["net"] {
    const s = this.#s;
    const p = s.profile;
    const rng = this.#rng;
    const a = this.#ioActivity;
    const shared = rng.logNormal(1, 0.5);
    const spike = rng.chance(0.004) ? rng.logNormal(10, 0.7) : 1;
    let jobRx = 0;
    let jobTx = 0;
    for (const j of this.#jobs) {
      jobRx += rng.logNormal(j.spec.rxBps, 0.4);
      jobTx += rng.logNormal(j.spec.txBps, 0.4);
    }
    const out: MessageInitShape<typeof NetInterfaceSchema>[] = [];
    s.ifaces.forEach((f, i) => {
      let rx = 0;
      let tx = 0;
      if (f.kind === "primary" || f.kind === "private") {
        const scale = f.share * a * shared * spike;
        rx = (rng.logNormal(p.rxBps, 0.5) * scale + jobRx * f.share) * dtS;
        tx = (rng.logNormal(p.txBps, 0.5) * scale + jobTx * f.share) * dtS;
      } else if (f.kind === "quiet" && rng.chance(0.2)) {
        // ARP, neighbour discovery, keepalives.
        rx = rng.int(42, 600);
        tx = rng.chance(0.3) ? rng.int(42, 200) : 0;
      }
      this.#rx[i] = (this.#rx[i] as number) + Math.round(rx);
      this.#tx[i] = (this.#tx[i] as number) + Math.round(tx);
      const r = this.#rates.rate(`${f.name}/rx`, this.#rx[i] as number, timeMs);
      const t = this.#rates.rate(`${f.name}/tx`, this.#tx[i] as number, timeMs);
      if (r !== undefined && t !== undefined)
        out.push({ name: f.name, rxBytesPerS: round2(r), txBytesPerS: round2(t) });
    });
    return out;
  }

  // ----- Temperatures

  #temperatures(dtS: number): NonNullable<SamplePart["temperatures"]> {
    const rng = this.#rng;
    return this.#s.sensors.map((t, i) => {
      const load =
        t.source === "cpu"
          ? this.#busyFrac
          : t.source === "core"
            ? (this.#coreBusy[t.core] ?? 0)
            : t.source === "disk"
              ? clamp(Math.log10(1 + this.#ioActivity), 0, 1)
              : 0;
      const target = t.idleC + t.gainC * load;
      const cur =
        (this.#temps[i] as number) + (target - (this.#temps[i] as number)) * (1 - Math.exp(-dtS / t.tauS));
      this.#temps[i] = cur;
      const reading = cur + rng.normal() * (t.source === "room" ? 0.05 : 0.4);
      // What the driver writes to tempN_input, in millidegrees.
      const milli =
        t.stepMilli === 0
          ? Math.round(reading + 273.15) * 1000 - 273_150
          : Math.round((reading * 1000) / t.stepMilli) * t.stepMilli;
      return { sensor: t.sensor, celsius: round2(milli / 1000) };
    });
  }

  // ----- Jobs

  #advanceJobs(fromMs: number, toMs: number): void {
    const rng = this.#rng;
    const ended = this.#jobs.filter((j) => j.endMs <= toMs);
    for (const j of ended) this.#endJob(j);
    this.#jobs = this.#jobs.filter((j) => j.endMs > toMs);
    const minute = (ms: number) => ms / 60_000 + this.#s.utcOffsetH * 60;
    for (const { spec, atMin } of this.#s.jobs) {
      const period = spec.everyH * 60;
      const due = Math.floor((minute(toMs) - atMin) / period) > Math.floor((minute(fromMs) - atMin) / period);
      if (!due || this.#jobs.some((j) => j.spec === spec)) continue;
      const run: JobRun = {
        spec,
        endMs: toMs + rng.range(spec.durationS[0], spec.durationS[1]) * 1000,
        cpu: rng.range(spec.cpu[0], spec.cpu[1]),
        kept: 0,
        procs: [],
      };
      for (const [name, per8] of spec.procs) {
        const n = Math.max(1, Math.round((per8 * this.#s.cores) / 8));
        for (let k = 0; k < n; k++) {
          const memKb = (this.#s.memTotalKb * spec.memFrac) / spec.procs.length / n;
          run.procs.push(this.#spawn(name, "job", toMs, 0, 0, memKb * 1024, run.endMs));
        }
      }
      this.#jobs.push(run);
    }
  }

  #endJob(j: JobRun): void {
    // The job removes its scratch files.
    const data = this.#s.mounts.findIndex((m) => m.mount === this.#s.profile.data?.mount);
    if (data >= 0) {
      const removed = j.kept * j.spec.cleanup * this.#rng.range(0.8, 1);
      this.#fsUsedBytes[data] = Math.max(0, (this.#fsUsedBytes[data] as number) - removed);
    }
    this.#procs = this.#procs.filter((p) => !j.procs.includes(p));
  }

  // ----- Processes

  #spawn(
    name: string,
    kind: Proc["kind"],
    atMs: number,
    weight: number,
    pct: number,
    memBytes: number,
    endMs = Number.POSITIVE_INFINITY,
  ): Proc {
    const s = this.#s;
    const pid = this.#nextPid;
    // Linux wraps pids back to 300 (RESERVED_PIDS).
    this.#nextPid = pid + 1 >= s.pidMax ? 300 : pid + 1;
    const memTarget = Math.round(memBytes / PAGE);
    const p: Proc = {
      pid,
      name,
      startTicks: Math.max(0, Math.floor(((atMs - this.#bootMs) * USER_HZ) / 1000)),
      cpuTicks: 0,
      rssPages: Math.round(memTarget * this.#rng.range(0.3, 1)),
      memTarget,
      weight,
      pct,
      logNoise: 0,
      kind,
      endMs,
      seenTicks: undefined,
    };
    this.#procs.push(p);
    return p;
  }

  #startProcesses(atMs: number): void {
    const s = this.#s;
    const rng = this.#rng;
    // Services started with the system: small pids, start ticks near boot.
    const pid = this.#nextPid;
    this.#nextPid = rng.int(300, 1200);
    const startedMs = this.#bootMs + rng.range(3000, 30_000);
    for (const svc of [...COMMON_SERVICES, ...s.profile.services]) {
      const n = Math.max(1, Math.round(svc.count(s.cores)));
      for (let k = 0; k < n; k++) {
        const mem = svc.memFrac
          ? (rng.range(svc.memFrac[0], svc.memFrac[1]) * s.memTotalKb * 1024) / n
          : rng.range(...(svc.memMB ?? [5, 10])) * 1048576;
        const p = this.#spawn(
          svc.name,
          svc.name === "node" && svc.memFrac ? "app" : "service",
          startedMs,
          svc.weight ?? 0,
          svc.pct ?? 0,
          mem,
        );
        p.rssPages = p.memTarget;
        p.cpuTicks = rng.int(0, 1e7);
      }
      this.#nextPid += rng.int(1, 40);
    }
    this.#nextPid = pid;
    this.#fillProcesses(atMs);
  }

  /** Kernel threads and small daemons make up the rest of the process count. */
  #fillProcesses(atMs: number): void {
    const rng = this.#rng;
    const target = Math.round(this.#procTarget);
    let others = 0;
    for (const p of this.#procs) if (p.kind !== "filler") others++;
    let fillers = this.#procs.length - others;
    while (others + fillers < target) {
      const name = this.#fillerName();
      const mem = KERNEL_THREAD.test(name) ? 0 : rng.range(1, 20) * 1048576;
      const p = this.#spawn(name, "filler", atMs, 0, 0, mem);
      p.rssPages = p.memTarget;
      fillers++;
      this.#fillerTopMemory = undefined;
    }
    while (others + fillers > target && fillers > 0) {
      const i = this.#procs.findLastIndex((p) => p.kind === "filler");
      this.#procs.splice(i, 1);
      fillers--;
      this.#fillerTopMemory = undefined;
    }
  }

  #fillerName(): string {
    const rng = this.#rng;
    const core = rng.int(0, this.#s.cores - 1);
    const r = rng.next();
    if (r < 0.3) return `kworker/${core}:${rng.int(0, 3)}${rng.chance(0.3) ? "H" : ""}`;
    if (r < 0.45) return `${rng.pick(["ksoftirqd", "migration", "cpuhp"])}/${core}`;
    if (r < 0.55) return `kworker/u${2 * this.#s.cores}:${rng.int(0, 9)}`;
    if (r < 0.6) return rng.pick(["rcu_preempt", "kswapd0", ...this.#s.deviceThreads]);
    return rng.pick(DAEMONS);
  }

  /** A deploy: the app processes restart with new pids and give their leaked memory back. */
  #restartApps(atMs: number): void {
    this.#leakKb = 0;
    for (const p of this.#procs.filter((q) => q.kind === "app")) {
      this.#procs.splice(this.#procs.indexOf(p), 1);
      const fresh = this.#spawn(p.name, "app", atMs, p.weight, p.pct, p.memTarget * PAGE);
      fresh.rssPages = Math.round(p.memTarget * 0.4);
    }
  }

  #markScanned(atMs: number): void {
    for (const p of this.#procs) p.seenTicks = p.cpuTicks;
    this.#prevScanMs = atMs;
  }

  #processes(timeMs: number): SamplePart["processes"] {
    const s = this.#s;
    const rng = this.#rng;
    const elapsedS = (timeMs - this.#prevScanMs) / 1000;
    // Forks since the last scan move the pid counter; short-lived tools come and go.
    this.#nextPid += rng.poisson(s.profile.forksPerS * elapsedS);
    if (this.#nextPid >= s.pidMax) this.#nextPid = 300 + (this.#nextPid - s.pidMax);
    this.#procs = this.#procs.filter((p) => p.endMs > timeMs);
    for (const m of s.profile.misc) {
      for (let n = rng.poisson((m.perHour * elapsedS) / 3600); n > 0; n--) {
        const born = timeMs - rng.range(0, elapsedS * 1000);
        const end = born + rng.exp(m.lifetimeS) * 1000;
        if (end > timeMs)
          this.#spawn(m.name, "misc", born, 0, m.pct * rng.logNormal(1, 0.5), m.memMB * 1048576, end);
      }
    }
    this.#procTarget = ou(
      rng,
      this.#procTarget,
      s.profile.procs + s.profile.procsPerCore * s.cores,
      3600,
      0.03 * (s.profile.procs + s.profile.procsPerCore * s.cores),
      elapsedS,
    );
    this.#fillProcesses(timeMs);

    // Share this window's busy jiffies: fixed costs first, then jobs by their load, services by weight.
    let busy = this.#busyTicksSinceScan;
    this.#busyTicksSinceScan = 0;
    const give = (p: Proc, ticks: number) => {
      const t = Math.max(0, Math.min(busy, Math.round(ticks)));
      p.cpuTicks += t;
      busy -= t;
    };
    for (const p of this.#procs) if (p.pct > 0) give(p, rng.round(p.pct * elapsedS * rng.logNormal(1, 0.3)));
    const jobCpu = this.#jobs.reduce((sum, j) => sum + j.cpu, 0);
    const jobShare = Math.min(0.95, jobCpu / Math.max(this.#busyFrac, jobCpu, 1e-6));
    const jobBudget = busy * jobShare;
    for (const j of this.#jobs)
      for (const p of j.procs)
        give(p, rng.round(((jobBudget * j.cpu) / jobCpu / j.procs.length) * rng.logNormal(1, 0.3)));
    const fillerBudget = busy * 0.06;
    const services = this.#procs.filter((p) => p.weight > 0);
    for (const p of services) p.logNoise = ou(rng, p.logNoise, 0, 900, 0.5, elapsedS);
    const weights = services.map((p) => p.weight * Math.exp(p.logNoise));
    const sum = weights.reduce((a, b) => a + b, 0);
    const serviceBudget = busy - fillerBudget;
    for (const [i, p] of services.entries())
      give(p, rng.round((serviceBudget * (weights[i] as number)) / sum));
    const fillers = this.#procs.filter((p) => p.kind === "filler");
    for (let left = rng.round(fillerBudget); left > 0 && fillers.length > 0; ) {
      const t = Math.min(left, rng.int(1, 30));
      give(rng.pick(fillers), t);
      left -= t;
    }
    for (const p of this.#procs) {
      if (p.memTarget === 0 || p.kind === "filler") continue;
      const drift = p.kind === "app" ? 1 + this.#leakKb / Math.max(1, this.#s.memTotalKb * 0.2) : 1;
      p.rssPages = Math.max(
        1,
        Math.round(ou(rng, p.rssPages, p.memTarget * drift, 1800, p.memTarget * 0.05, elapsedS)),
      );
    }

    // Running: the agent itself (it is reading /proc), plus whatever else is on a CPU.
    const running = Math.min(this.#procs.length, 1 + rng.poisson(s.cores * this.#busyFrac * 0.5));
    const agent = this.#procs.find((p) => p.name === "node" && p.kind === "service");
    const runningSet = new Set<Proc>(agent ? [agent] : []);
    while (runningSet.size < running) runningSet.add(rng.pick(this.#procs));
    // Only processes that can reach a top list go through the agent's summary
    // (idle kernel threads and daemons change nothing there but the counts):
    // the same lists from a fraction of the work.
    this.#fillerTopMemory ??= fillers.sort((a, b) => b.rssPages - a.rssPages).slice(0, TOP_N);
    const candidates = new Set(this.#fillerTopMemory);
    for (const p of this.#procs)
      if (p.kind !== "filler" || p.cpuTicks !== (p.seenTicks ?? 0)) candidates.add(p);
    const prevTicks = new Map<string, number>();
    const stats: ProcStat[] = [];
    for (const p of candidates) {
      if (p.seenTicks !== undefined) prevTicks.set(`${p.pid}/${p.startTicks}`, p.seenTicks);
      stats.push({
        pid: p.pid,
        name: p.name,
        state: runningSet.has(p) ? "R" : "S",
        cpuTicks: p.cpuTicks,
        startTicks: p.startTicks,
        rssPages: p.rssPages,
      });
    }
    const out = summarizeProcesses(stats, prevTicks, elapsedS, PAGE);
    this.#markScanned(timeMs);
    return { ...out, total: this.#procs.length, running: runningSet.size };
  }
}

/** A simulated host; everything not in `opts` is drawn from `seed`. */
export function createHost(seed: number, opts: HostOptions = {}): CorpusHost {
  return new SimHost(seed >>> 0, opts);
}

/**
 * A fleet of `hosts` hosts with roles in realistic proportions (web 40 %,
 * idle 20 %, db 15 %, batch 15 %, cache 10 %), most in one region's time zone.
 */
export function fleetCorpus(hosts: number, seed: number): CorpusHost[] {
  const rng = new Rng(mixSeed(seed, 0xf1ee7));
  const home = rng.pick([-8, -5, 0, 1, 2, 8, 9]);
  const away = rng.pick([-5, 1, 5.5, 8]);
  const counts = new Map<Role, number>();
  return Array.from({ length: hosts }, (_, i) => {
    const role = weightedRole(rng);
    const n = (counts.get(role) ?? 0) + 1;
    counts.set(role, n);
    return createHost(mixSeed(seed, i), {
      role,
      hostname: `${role}-${String(n).padStart(hosts > 99 ? 3 : 2, "0")}`,
      utcOffsetH: rng.chance(0.8) ? home : away,
    });
  });
}

/** How {@link hostSamples} spaces and numbers samples. */
export interface SeriesOptions {
  intervalS?: number;
  /** Seq of the first sample; default `startMs + 1`, as a fresh agent spool starts from the clock. */
  firstSeq?: bigint;
  /**
   * Timer lateness in ms, as the agent's fixed-rate schedule has (it never
   * accumulates); `false` for exact multiples of the interval.
   */
  jitter?: boolean;
}

/**
 * `count` consecutive samples of `host` from `startMs`, every `intervalS`
 * (default the host's, 5 s), with consecutive seqs. Advances the host: call
 * again with a later start to continue the same series.
 */
export function hostSamples(
  host: CorpusHost,
  count: number,
  startMs: number,
  opts: SeriesOptions = {},
): Sample[] {
  const intervalMs = (opts.intervalS ?? host.intervalS) * 1000;
  const jitter = opts.jitter ?? true;
  const rng = new Rng(mixSeed(host.seed, Math.floor(startMs / 1000)));
  const first = opts.firstSeq ?? BigInt(startMs) + 1n;
  const out: Sample[] = [];
  for (let i = 0; i < count; i++) {
    // As recorded (bench/data/agent-samples.bin): 94 % within 2 ms of the grid, the rest up to ~20 ms late.
    const late = jitter ? (rng.chance(0.06) ? rng.int(3, 20) : rng.int(0, 2)) : 0;
    out.push(host.sample(first + BigInt(i), startMs + i * intervalMs + late));
  }
  return out;
}
