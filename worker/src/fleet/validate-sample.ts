import { Code, ConnectError } from "@connectrpc/connect";
import type { Sample } from "@fleetwatch/proto/sample_pb";
import { CONTROL_CHARS, CONTROL_CHARS_MESSAGE } from "../http/text";
import {
  CONTAINER_HEALTHS,
  CONTAINER_STATES,
  type ContainerMetrics,
  type Metrics,
  type TlsCertMetrics,
} from "../metrics/types";

/** Hard limits on one sample. Anything beyond is a broken or hostile agent. */
export const SAMPLE_LIMITS = {
  futureMs: 5 * 60_000,
  /**
   * Oldest sample accepted (replay after an outage). One hour less than the
   * 24 h raw window, so every hour a late sample touches is still whole in
   * the raw window when its rollup is rewritten.
   */
  maxAgeMs: 23 * 3600_000,
  maxCores: 1024,
  maxFilesystems: 256,
  maxInterfaces: 256,
  maxTemperatures: 128,
  maxTopProcesses: 20,
  maxFailedUnits: 50,
  maxContainers: 500,
  maxTlsCerts: 20,
  maxTlsErrorLength: 512,
  maxNameLength: 256,
  maxPathLength: 1024,
} as const;

/** A sample that passed validation, in the hub's JSON form. */
export interface ValidSample {
  seq: number;
  timeMs: number;
  metrics: Metrics;
}

class Invalid extends Error {}

/**
 * A field's name for the error message. Inside lists it is a function, so
 * a valid sample (every sample but a broken agent's) builds no names: at the
 * agents' cadence those strings were a visible share of ingest CPU.
 */
type Field = string | (() => string);

function fail(field: Field, why: string): never {
  throw new Invalid(`${typeof field === "string" ? field : field()} ${why}`);
}

function finite(field: Field, v: number): number {
  if (!Number.isFinite(v)) fail(field, "must be a finite number");
  return v;
}

function nonNegative(field: Field, v: number): number {
  if (finite(field, v) < 0) fail(field, "must not be negative");
  return v;
}

/**
 * Fastest rate a sample may report: 10 TB/s, far beyond any disk or
 * interface. Bounded so the fleet's totals stay finite and every rate is
 * stored exactly at the agent's two decimals.
 */
export const MAX_RATE_BYTES_PER_S = 1e13;

function rate(field: Field, v: number): number {
  if (nonNegative(field, v) > MAX_RATE_BYTES_PER_S)
    fail(field, `must be at most ${MAX_RATE_BYTES_PER_S} bytes/s`);
  return v;
}

function percent(field: Field, v: number): number {
  if (finite(field, v) < 0 || v > 100) fail(field, "must be a percentage in 0..100");
  return v;
}

function optPercent(field: Field, v: number | undefined): number | undefined {
  return v === undefined ? undefined : percent(field, v);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function bytes(field: Field, v: bigint): number {
  if (v < 0n || v > MAX_SAFE) fail(field, "is out of range");
  return Number(v);
}

/**
 * Names seen valid before: a host sends the same mounts, interfaces and
 * process names sample after sample, so each is checked once. Bounded.
 */
const validNames = new Set<string>();
const VALID_NAMES_LIMIT = 50_000;

function name(field: Field, v: string, max: number = SAMPLE_LIMITS.maxNameLength): string {
  if (v.length > 0 && v.length <= SAMPLE_LIMITS.maxNameLength && validNames.has(v)) return v;
  if (v.length === 0) fail(field, "must not be empty");
  if (v.length > max) fail(field, `must be at most ${max} characters`);
  if (CONTROL_CHARS.test(v)) fail(field, CONTROL_CHARS_MESSAGE);
  if (v.length <= SAMPLE_LIMITS.maxNameLength) {
    if (validNames.size >= VALID_NAMES_LIMIT) validNames.clear();
    validNames.add(v);
  }
  return v;
}

function list<T>(field: Field, items: T[], max: number): T[] {
  if (items.length > max) fail(field, `has ${items.length} entries; at most ${max} are accepted`);
  return items;
}

/**
 * Checks one sample against the wire rules (DESIGN.md "Limits and validation")
 * and converts it to the hub's JSON form. Throws `invalid_argument` naming
 * the first bad field; nothing of a bad sample is stored.
 */
export function validateSample(s: Sample, now: number): ValidSample {
  try {
    return convert(s, now);
  } catch (e) {
    if (e instanceof Invalid) {
      throw new ConnectError(`sample seq ${s.seq}: ${e.message}`, Code.InvalidArgument);
    }
    throw e;
  }
}

/** Per-core percentages, from the compact hundredths when the agent sent those. */
function perCore(c: NonNullable<Sample["cpu"]>): number[] {
  if (c.perCoreCenti.length > 0) {
    if (c.perCorePct.length > 0) fail("cpu.per_core_centi", "must not be sent with cpu.per_core_pct");
    return list("cpu.per_core_centi", c.perCoreCenti, SAMPLE_LIMITS.maxCores).map((v, i) =>
      v <= 10_000
        ? v / 100
        : fail(() => `cpu.per_core_centi[${i}]`, "must be a percentage in hundredths, 0..10000"),
    );
  }
  return list("cpu.per_core_pct", c.perCorePct, SAMPLE_LIMITS.maxCores).map((v, i) =>
    v >= 0 && v <= 100 ? v : percent(() => `cpu.per_core_pct[${i}]`, v),
  );
}

/** Most CPU a container may use: every core of the largest host, in percent of one core. */
const MAX_CONTAINER_CPU_PCT = SAMPLE_LIMITS.maxCores * 100;

function enumName<T>(field: Field, names: readonly T[], v: number): T {
  const n = names[v];
  if (n === undefined) fail(field, `is not a known value (${v})`);
  return n;
}

/** Containers: unique names (they name series), states and health from the enums, rates bounded. */
function containers(list_: Sample["containers"]): ContainerMetrics[] {
  const seen = new Set<string>();
  return list("containers", list_, SAMPLE_LIMITS.maxContainers).map((c, i) => {
    const f = (k: string) => () => `containers[${i}].${k}`;
    const out: ContainerMetrics = {
      name: name(f("name"), c.name),
      image: name(f("image"), c.image, SAMPLE_LIMITS.maxPathLength),
      state: enumName(f("state"), CONTAINER_STATES, c.state),
      health: enumName(f("health"), CONTAINER_HEALTHS, c.health),
      restarts: c.restartCount,
    };
    if (seen.has(out.name)) fail(f("name"), `"${out.name}" appears twice; container names must be unique`);
    seen.add(out.name);
    if (c.cpuPct !== undefined) {
      if (nonNegative(f("cpu_pct"), c.cpuPct) > MAX_CONTAINER_CPU_PCT)
        fail(f("cpu_pct"), `must be at most ${MAX_CONTAINER_CPU_PCT} (percent of one core)`);
      out.cpuPct = c.cpuPct;
    }
    if (c.memoryUsedBytes !== undefined) out.memUsedBytes = bytes(f("memory_used_bytes"), c.memoryUsedBytes);
    if (c.memoryLimitBytes !== undefined)
      out.memLimitBytes = bytes(f("memory_limit_bytes"), c.memoryLimitBytes);
    if (c.rxBytesPerS !== undefined) out.rxBytesPerS = rate(f("rx_bytes_per_s"), c.rxBytesPerS);
    if (c.txBytesPerS !== undefined) out.txBytesPerS = rate(f("tx_bytes_per_s"), c.txBytesPerS);
    if (c.readBytesPerS !== undefined) out.readBytesPerS = rate(f("read_bytes_per_s"), c.readBytesPerS);
    if (c.writeBytesPerS !== undefined) out.writeBytesPerS = rate(f("write_bytes_per_s"), c.writeBytesPerS);
    return out;
  });
}

/** A TLS check's name: it names the series `tls.days:<name>` and a Prometheus label value. */
const TLS_CHECK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** 9999-12-31T23:59:59Z, the last time X.509 can express. */
const MAX_NOT_AFTER_S = 253_402_300_799n;
const DAY_MS = 86_400_000;

/** TLS certificates: unique check names, plausible times; days left counted from the sample's time. */
function tlsCerts(items: Sample["tlsCerts"], timeMs: number): TlsCertMetrics[] {
  const seen = new Set<string>();
  return list("tls_certs", items, SAMPLE_LIMITS.maxTlsCerts).map((c, i) => {
    const f = (k: string) => () => `tls_certs[${i}].${k}`;
    if (!TLS_CHECK_NAME.test(c.name))
      fail(f("name"), "must be 1-64 letters, digits, . _ - (starting with a letter or digit)");
    if (seen.has(c.name)) fail(f("name"), `"${c.name}" appears twice; TLS check names must be unique`);
    seen.add(c.name);
    if (c.checkedMs <= 0n || Number(c.checkedMs) > timeMs + SAMPLE_LIMITS.futureMs)
      fail(f("checked_ms"), "must be a time before the sample's");
    const out: TlsCertMetrics = {
      name: c.name,
      target: name(f("target"), c.target),
      issuerCn: c.issuerCn === "" ? "" : name(f("issuer_cn"), c.issuerCn),
      subjectCn: c.subjectCn === "" ? "" : name(f("subject_cn"), c.subjectCn),
      error: c.error === "" ? "" : name(f("error"), c.error, SAMPLE_LIMITS.maxTlsErrorLength),
      checkedMs: Number(c.checkedMs),
    };
    if (c.notAfterS !== undefined) {
      if (c.notAfterS <= 0n || c.notAfterS > MAX_NOT_AFTER_S) fail(f("not_after_s"), "is out of range");
      out.notAfterS = Number(c.notAfterS);
      out.daysLeft = Math.round((out.notAfterS * 1000 - timeMs) / (DAY_MS / 100)) / 100;
    }
    return out;
  });
}

function convert(s: Sample, now: number): ValidSample {
  if (s.seq < 1n || s.seq > MAX_SAFE) fail("seq", "must be a positive integer");
  if (s.timeMs <= 0n || s.timeMs > MAX_SAFE) fail("time_ms", "is out of range");
  const timeMs = Number(s.timeMs);
  if (timeMs > now + SAMPLE_LIMITS.futureMs) fail("time_ms", "is more than 5 minutes in the future");
  if (timeMs < now - SAMPLE_LIMITS.maxAgeMs) fail("time_ms", "is older than the 23 h replay window");

  const m: Metrics = {};
  if (s.cpu) {
    const c = s.cpu;
    m.cpu = {
      totalPct: percent("cpu.total_pct", c.totalPct),
      perCorePct: perCore(c),
    };
    const user = optPercent("cpu.user_pct", c.userPct);
    const system = optPercent("cpu.system_pct", c.systemPct);
    const iowait = optPercent("cpu.iowait_pct", c.iowaitPct);
    const steal = optPercent("cpu.steal_pct", c.stealPct);
    if (user !== undefined) m.cpu.userPct = user;
    if (system !== undefined) m.cpu.systemPct = system;
    if (iowait !== undefined) m.cpu.iowaitPct = iowait;
    if (steal !== undefined) m.cpu.stealPct = steal;
  }
  if (s.load) {
    m.load = {
      load1: nonNegative("load.load1", s.load.load1),
      load5: nonNegative("load.load5", s.load.load5),
      load15: nonNegative("load.load15", s.load.load15),
    };
  }
  if (s.memory) {
    const mem = s.memory;
    m.memory = {
      totalBytes: bytes("memory.total_bytes", mem.totalBytes),
      usedBytes: bytes("memory.used_bytes", mem.usedBytes),
      availableBytes: bytes("memory.available_bytes", mem.availableBytes),
    };
    if (m.memory.availableBytes > m.memory.totalBytes) fail("memory.available_bytes", "exceeds total_bytes");
    if (m.memory.usedBytes > m.memory.totalBytes) fail("memory.used_bytes", "exceeds total_bytes");
    if (mem.cachedBytes !== undefined) m.memory.cachedBytes = bytes("memory.cached_bytes", mem.cachedBytes);
  }
  if (s.swap) {
    m.swap = {
      totalBytes: bytes("swap.total_bytes", s.swap.totalBytes),
      usedBytes: bytes("swap.used_bytes", s.swap.usedBytes),
    };
    // The swap percentage is used / total: more used than total is no percentage.
    if (m.swap.usedBytes > m.swap.totalBytes) fail("swap.used_bytes", "exceeds total_bytes");
  }
  if (s.filesystems.length > 0) {
    m.filesystems = list("filesystems", s.filesystems, SAMPLE_LIMITS.maxFilesystems).map((f, i) => {
      const size = bytes(() => `filesystems[${i}].size_bytes`, f.sizeBytes);
      const used = bytes(() => `filesystems[${i}].used_bytes`, f.usedBytes);
      if (used > size) fail(() => `filesystems[${i}].used_bytes`, "exceeds size_bytes");
      return {
        mount: name(() => `filesystems[${i}].mount`, f.mount, SAMPLE_LIMITS.maxPathLength),
        fsType: f.fsType === "" ? "" : name(() => `filesystems[${i}].fs_type`, f.fsType),
        device:
          f.device === ""
            ? ""
            : name(() => `filesystems[${i}].device`, f.device, SAMPLE_LIMITS.maxPathLength),
        sizeBytes: size,
        usedBytes: used,
      };
    });
  }
  if (s.diskIo) {
    m.diskIo = {
      readBytesPerS: rate("disk_io.read_bytes_per_s", s.diskIo.readBytesPerS),
      writeBytesPerS: rate("disk_io.write_bytes_per_s", s.diskIo.writeBytesPerS),
    };
  }
  if (s.net.length > 0) {
    m.net = list("net", s.net, SAMPLE_LIMITS.maxInterfaces).map((n, i) => ({
      name: name(() => `net[${i}].name`, n.name),
      rxBytesPerS: rate(() => `net[${i}].rx_bytes_per_s`, n.rxBytesPerS),
      txBytesPerS: rate(() => `net[${i}].tx_bytes_per_s`, n.txBytesPerS),
    }));
  }
  if (s.processes) {
    const p = s.processes;
    const proc = (field: string) => (x: (typeof p.topCpu)[number], i: number) => ({
      pid: x.pid,
      name: name(() => `${field}[${i}].name`, x.name),
      cpuPct: nonNegative(() => `${field}[${i}].cpu_pct`, x.cpuPct),
      memoryBytes: bytes(() => `${field}[${i}].memory_bytes`, x.memoryBytes),
    });
    m.processes = {
      total: p.total,
      running: p.running,
      topCpu: list("processes.top_cpu", p.topCpu, SAMPLE_LIMITS.maxTopProcesses).map(
        proc("processes.top_cpu"),
      ),
      topMemory: list("processes.top_memory", p.topMemory, SAMPLE_LIMITS.maxTopProcesses).map(
        proc("processes.top_memory"),
      ),
    };
  }
  if (s.temperatures.length > 0) {
    m.temperatures = list("temperatures", s.temperatures, SAMPLE_LIMITS.maxTemperatures).map((t, i) => {
      const c = finite(() => `temperatures[${i}].celsius`, t.celsius);
      if (c < -273.15 || c > 1000) fail(() => `temperatures[${i}].celsius`, "is not a plausible temperature");
      return { sensor: name(() => `temperatures[${i}].sensor`, t.sensor), celsius: c };
    });
  }
  if (s.uptimeS !== undefined) m.uptimeS = nonNegative("uptime_s", s.uptimeS);
  if (s.systemd) {
    const sd = s.systemd;
    const units = list("systemd.failed_units", sd.failedUnits, SAMPLE_LIMITS.maxFailedUnits);
    if (sd.failedCount < units.length) fail("systemd.failed_count", "is less than the names sent");
    m.systemd = {
      failedCount: sd.failedCount,
      failedUnits: units.map((u, i) => name(() => `systemd.failed_units[${i}]`, u)),
    };
  }
  if (s.containers.length > 0) m.containers = containers(s.containers);
  if (s.tlsCerts.length > 0) m.tlsCerts = tlsCerts(s.tlsCerts, timeMs);
  return { seq: Number(s.seq), timeMs, metrics: m };
}
