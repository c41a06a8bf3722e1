import { toBinary } from "@bufbuild/protobuf";
import { type Sample, SampleSchema } from "@fleetwatch/proto/sample_pb";
import { beforeAll, describe, expect, it } from "vitest";
import { type CorpusHost, createHost, fleetCorpus, hostSamples, type Role } from "../../bench/lib/corpus";
import { recordedSamples } from "../../bench/lib/recorded-samples";
import { validateSample } from "../../worker/src/fleet/validate-sample";

const START = Date.UTC(2026, 5, 1, 0, 0, 0);
const HOUR = 720;
const DAY = 24 * HOUR;

const twoDecimals = (x: number) => Math.round(x * 100) / 100 === x;
const distinct = (xs: readonly unknown[]) => new Set(xs).size;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] as number;

function correlation(a: number[], b: number[]): number {
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ma = mean(a);
  const mb = mean(b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((x, i) => {
    const y = (b[i] as number) - mb;
    ab += (x - ma) * y;
    aa += (x - ma) ** 2;
    bb += y * y;
  });
  return ab / Math.sqrt(aa * bb);
}

/** Averages of `f` over each hour of a day of samples. */
function hourly(samples: Sample[], f: (s: Sample) => number): number[] {
  return Array.from({ length: samples.length / HOUR }, (_, h) => {
    const xs = samples.slice(h * HOUR, (h + 1) * HOUR).map(f);
    return xs.reduce((s, x) => s + x, 0) / xs.length;
  });
}

/** Adds to `out` the field name of every number in a message that is NaN, infinite or negative. */
function badNumbers(v: unknown, field: string, out: string[]): void {
  if (typeof v === "number" || typeof v === "bigint") {
    if (!Number.isFinite(Number(v)) || v < 0) out.push(`${field}=${v}`);
  } else if (Array.isArray(v)) {
    for (const x of v) badNumbers(x, field, out);
  } else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) badNumbers(x, k, out);
  }
}

/** The agent's precision: what it rounds to 2 decimals, and the kernel units of what it passes through. */
function precisionErrors(s: Sample): string[] {
  const bad: string[] = [];
  const dec = (name: string, x: number | undefined) => {
    if (x !== undefined && !twoDecimals(x)) bad.push(`${name}=${x}`);
  };
  const unit = (name: string, x: bigint, u: bigint) => {
    if (x % u !== 0n) bad.push(`${name}=${x} not a multiple of ${u}`);
  };
  if (s.cpu) {
    const c = s.cpu;
    for (const [k, x] of Object.entries({ total: c.totalPct, user: c.userPct, system: c.systemPct }))
      dec(`cpu.${k}`, x);
    dec("cpu.iowait", c.iowaitPct);
    dec("cpu.steal", c.stealPct);
    for (const [i, x] of c.perCorePct.entries()) dec(`cpu.core${i}`, x);
  }
  if (s.load) for (const x of [s.load.load1, s.load.load5, s.load.load15]) dec("load", x);
  if (s.memory) {
    unit("memory.used", s.memory.usedBytes, 1024n);
    unit("memory.total", s.memory.totalBytes, 1024n);
    if (s.memory.cachedBytes !== undefined) unit("memory.cached", s.memory.cachedBytes, 1024n);
  }
  if (s.swap) unit("swap.used", s.swap.usedBytes, 1024n);
  for (const f of s.filesystems) {
    unit(`${f.mount}.size`, f.sizeBytes, 512n);
    unit(`${f.mount}.used`, f.usedBytes, 512n);
  }
  if (s.diskIo) for (const x of [s.diskIo.readBytesPerS, s.diskIo.writeBytesPerS]) dec("diskIo", x);
  for (const n of s.net) for (const x of [n.rxBytesPerS, n.txBytesPerS]) dec(`net.${n.name}`, x);
  for (const t of s.temperatures) dec(t.sensor, t.celsius);
  for (const p of [...(s.processes?.topCpu ?? []), ...(s.processes?.topMemory ?? [])]) {
    dec(`process ${p.name}`, p.cpuPct);
    unit(`process ${p.name}`, p.memoryBytes, 4096n);
  }
  dec("uptime", s.uptimeS);
  return bad;
}

const ROLES: Role[] = ["web", "db", "batch", "cache", "idle"];
const days = new Map<Role, { host: CorpusHost; samples: Sample[] }>();

beforeAll(() => {
  // One day at 5 s of a host of each role; db and batch on bare metal (sensors), the rest on VMs.
  ROLES.forEach((role, i) => {
    const host = createHost(100 + i, { role, platform: role === "db" || role === "batch" ? "metal" : "vm" });
    days.set(role, { host, samples: hostSamples(host, DAY, START) });
  });
}, 120_000);

function day(role: Role): { host: CorpusHost; samples: Sample[] } {
  return days.get(role) as { host: CorpusHost; samples: Sample[] };
}

describe("corpus", () => {
  it("gives the same samples for the same seed", () => {
    const a = hostSamples(createHost(7), 400, START).map((s) => toBinary(SampleSchema, s));
    const b = hostSamples(createHost(7), 400, START).map((s) => toBinary(SampleSchema, s));
    expect(b).toEqual(a);
  });

  it("gives different hosts and samples for different seeds", () => {
    const a = hostSamples(createHost(7, { role: "web" }), 100, START);
    const b = hostSamples(createHost(8, { role: "web" }), 100, START);
    expect(b.map((s) => s.cpu?.totalPct)).not.toEqual(a.map((s) => s.cpu?.totalPct));
    expect(b.map((s) => s.memory?.usedBytes)).not.toEqual(a.map((s) => s.memory?.usedBytes));
  });

  it("makes a fleet of every role with unique hostnames, the same for the same seed", () => {
    const fleet = fleetCorpus(60, 3);
    expect(distinct(fleet.map((h) => h.hostname))).toBe(60);
    expect(new Set(fleet.map((h) => h.role))).toEqual(new Set(ROLES));
    for (const h of fleet) expect(h.cores).toBeGreaterThanOrEqual(2);
    for (const h of fleet) expect(h.cores).toBeLessThanOrEqual(32);
    expect(fleetCorpus(60, 3).map((h) => `${h.hostname}/${h.cores}`)).toEqual(
      fleet.map((h) => `${h.hostname}/${h.cores}`),
    );
    expect(fleetCorpus(60, 4).map((h) => h.role)).not.toEqual(fleet.map((h) => h.role));
  });

  it("passes the hub's validation on every sample of a day, for every role", () => {
    const refused: string[] = [];
    for (const role of ROLES) {
      for (const s of day(role).samples) {
        try {
          validateSample(s, Number(s.timeMs));
        } catch (e) {
          refused.push(`${role}: ${(e as Error).message}`);
        }
      }
    }
    expect(refused.slice(0, 5)).toEqual([]);
  });

  it("has no NaN, infinity or negative number anywhere", () => {
    for (const role of ROLES) {
      const bad: string[] = [];
      for (const s of day(role).samples) badNumbers(s, "sample", bad);
      expect(bad.slice(0, 5), role).toEqual([]);
    }
  });

  it("keeps cpu percentages in 0..100 for the total, each core, and a split that adds up", () => {
    const bad: string[] = [];
    for (const role of ROLES) {
      const { host, samples } = day(role);
      for (const s of samples) {
        const c = s.cpu;
        if (!c) throw new Error("cpu missing");
        const parts = [c.totalPct, c.userPct, c.systemPct, c.iowaitPct, c.stealPct, ...c.perCorePct];
        if (parts.some((x) => x === undefined || x < 0 || x > 100)) bad.push(`${role}: ${parts}`);
        if (c.perCorePct.length !== host.cores) bad.push(`${role}: ${c.perCorePct.length} cores`);
        // iowait is idle time to the agent: busy = user + system + steal.
        const split = (c.userPct ?? 0) + (c.systemPct ?? 0) + (c.stealPct ?? 0);
        if (Math.abs(split - c.totalPct) > 0.03) bad.push(`${role}: split ${split} of ${c.totalPct}`);
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it("keeps used memory, swap and disks within their totals", () => {
    const bad: string[] = [];
    for (const role of ROLES) {
      for (const s of day(role).samples) {
        const m = s.memory;
        if (!m) throw new Error("memory missing");
        if (m.usedBytes + m.availableBytes !== m.totalBytes) bad.push(`${role}: used + available`);
        if ((m.cachedBytes ?? 0n) > m.availableBytes) bad.push(`${role}: cached > available`);
        if ((s.swap?.usedBytes ?? 0n) > (s.swap?.totalBytes ?? 0n)) bad.push(`${role}: swap`);
        for (const f of s.filesystems) if (f.usedBytes > f.sizeBytes) bad.push(`${role}: ${f.mount}`);
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it("sends filesystems and processes only on the agent's slow ticks, the rest on every sample", () => {
    const { samples } = day("db");
    const slowTicks = samples.map((_, i) => i % 6 === 0);
    expect(samples.map((s) => s.filesystems.length > 0)).toEqual(slowTicks);
    expect(samples.map((s) => s.processes !== undefined)).toEqual(slowTicks);
    const fast = (s: Sample) =>
      Boolean(s.cpu && s.load && s.memory && s.swap && s.diskIo && s.uptimeS !== undefined) &&
      s.net.length > 0 &&
      s.temperatures.length > 0;
    expect(samples.every(fast)).toBe(true);
    // At a 10 s interval the agent collects them every 3rd sample (about every 30 s).
    const slow = hostSamples(createHost(5, { intervalS: 10 }), 12, START).map(
      (s) => s.filesystems.length > 0,
    );
    expect(slow).toEqual([true, false, false, true, false, false, true, false, false, true, false, false]);
  });

  it("follows the slow cadence of the real agent's recording", () => {
    const recorded = recordedSamples();
    expect(recorded.length).toBeGreaterThanOrEqual(120);
    const first = recorded.findIndex((s) => s.filesystems.length > 0);
    expect(recorded.map((s) => s.filesystems.length > 0)).toEqual(
      recorded.map((_, i) => i >= first && (i - first) % 6 === 0),
    );
  });

  it("rounds every value as the agent does, like the real agent's recording", () => {
    for (const role of ROLES) {
      const bad = day(role).samples.flatMap(precisionErrors);
      expect(bad.slice(0, 5), role).toEqual([]);
    }
    expect(recordedSamples().flatMap(precisionErrors).slice(0, 5)).toEqual([]);
  });

  it("varies every fast series within an hour", () => {
    const hour = day("web").samples.slice(10 * HOUR, 11 * HOUR);
    expect(distinct(hour.map((s) => s.cpu?.totalPct))).toBeGreaterThan(100);
    expect(distinct(hour.map((s) => s.cpu?.perCorePct[0]))).toBeGreaterThan(50);
    expect(distinct(hour.map((s) => s.memory?.usedBytes))).toBeGreaterThan(100);
    expect(distinct(hour.map((s) => s.memory?.cachedBytes))).toBeGreaterThan(100);
    expect(distinct(hour.map((s) => s.load?.load1))).toBeGreaterThan(20);
    expect(distinct(hour.map((s) => s.net[0]?.rxBytesPerS))).toBeGreaterThan(100);
    expect(distinct(hour.map((s) => s.diskIo?.writeBytesPerS))).toBeGreaterThan(50);
  });

  it("follows a daily cycle: cpu, load and temperature peak together", () => {
    const { samples } = day("db");
    const cpu = hourly(samples, (s) => s.cpu?.totalPct ?? 0);
    expect(Math.max(...cpu)).toBeGreaterThan(1.5 * Math.min(...cpu));
    expect(
      correlation(
        cpu,
        hourly(samples, (s) => s.load?.load15 ?? 0),
      ),
    ).toBeGreaterThan(0.8);
    const sensor = samples[0]?.temperatures.findIndex((t) => t.sensor !== "acpitz temp1") ?? -1;
    expect(
      correlation(
        cpu,
        hourly(samples, (s) => s.temperatures[sensor]?.celsius ?? 0),
      ),
    ).toBeGreaterThan(0.8);
  });

  it("fills disks by small varying amounts and frees space at cleanups, with constant sizes", () => {
    for (const role of ["web", "db"] as const) {
      const fs = day(role).samples.filter((s) => s.filesystems.length > 0);
      const root = fs.map((s) => Number(s.filesystems[0]?.usedBytes));
      const steps = root.slice(1).map((x, i) => x - (root[i] as number));
      expect(distinct(root)).toBeGreaterThan(100);
      expect(distinct(steps)).toBeGreaterThan(50);
      expect(Math.min(...steps)).toBeLessThan(0);
      expect(distinct(fs.map((s) => s.filesystems[0]?.sizeBytes))).toBe(1);
      // /boot/efi never changes.
      expect(distinct(fs.map((s) => s.filesystems[1]?.usedBytes))).toBe(1);
    }
  });

  it("changes its top processes over a day", () => {
    for (const role of ROLES) {
      const scans = day(role).samples.flatMap((s) => (s.processes ? [s.processes] : []));
      const tops = scans.map((p) => p.topCpu.map((x) => `${x.name}:${x.pid}`).join(","));
      expect(distinct(tops), role).toBeGreaterThan(50);
      expect(distinct(scans.flatMap((p) => p.topCpu.map((x) => x.name))), role).toBeGreaterThan(4);
      expect(distinct(scans.map((p) => p.total)), role).toBeGreaterThan(5);
      expect(scans.every((p) => p.running >= 1 && p.topMemory.length === 5)).toBe(true);
    }
  });

  it("has heavy-tailed traffic on the main interface and silence on idle ones", () => {
    const { host, samples } = day("web");
    const rx = samples.map((s) => s.net[0]?.rxBytesPerS ?? 0);
    expect(quantile(rx, 0.99)).toBeGreaterThan(3 * median(rx));
    const quiet = createHost(21, { role: "batch", platform: "metal" });
    const fleet = [...fleetCorpus(40, 9), quiet, host];
    const idle = fleet.find((h) => h.interfaces.some((n) => /^(docker0|eno3|tailscale0)$/.test(n)));
    if (!idle) throw new Error("no host with an idle interface");
    const i = idle.interfaces.findIndex((n) => /^(docker0|eno3|tailscale0)$/.test(n));
    const idleRx = hostSamples(idle, HOUR, START).map((s) => s.net[i]?.rxBytesPerS ?? 0);
    expect(median(idleRx)).toBeLessThan(100);
  });

  it("advances uptime with the clock", () => {
    const samples = day("cache").samples;
    const first = samples[0] as Sample;
    const drift = samples.map((s) =>
      Math.abs((s.uptimeS ?? 0) - (first.uptimeS ?? 0) - Number(s.timeMs - first.timeMs) / 1000),
    );
    expect(Math.max(...drift)).toBeLessThan(0.02);
  });

  it("spaces samples by the interval with timer lateness, and numbers them consecutively", () => {
    const samples = hostSamples(createHost(11), 500, START);
    expect(samples.map((s) => s.seq - BigInt(START))).toEqual(samples.map((_, i) => BigInt(i + 1)));
    const late = samples.map((s, i) => Number(s.timeMs) - START - i * 5000);
    expect(Math.min(...late)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...late)).toBeLessThan(50);
    expect(distinct(late)).toBeGreaterThan(2);
    const exact = hostSamples(createHost(11), 3, START, { jitter: false, firstSeq: 1n });
    expect(exact.map((s) => [s.seq, s.timeMs])).toEqual([
      [1n, BigInt(START)],
      [2n, BigInt(START + 5000)],
      [3n, BigInt(START + 10_000)],
    ]);
  });

  it("continues a host's series across calls and refuses to go back in time", () => {
    const host = createHost(12);
    const a = hostSamples(host, 10, START, { jitter: false });
    const b = hostSamples(host, 10, START + 50_000, { jitter: false, firstSeq: 11n });
    expect((b[0]?.uptimeS ?? 0) - (a[9]?.uptimeS ?? 0)).toBeCloseTo(5, 1);
    expect(() => host.sample(21n, START)).toThrow(/must increase/);
  });
});
