import type { MessageInitShape } from "@bufbuild/protobuf";
import { ContainerHealth, type ContainerSchema, ContainerState } from "@fleetwatch/proto/sample_pb";
import { EngineError, engineGet, findEngineSocket, mapLimited } from "./engine-api";
import { cleanName, round2 } from "./read";
import type { Collector } from "./types";

/**
 * Containers through the Engine API (Docker, or Podman's compatible API):
 * shapes per https://docs.docker.com/reference/api/engine/version/v1.41/
 * (`ContainerList`, `ContainerInspect`, `ContainerStats`). Parsing and rate
 * maths are plain functions; the collector is a thin shell around them.
 */

/** At most this many containers per sample (the hub's limit); running ones first. */
export const MAX_CONTAINERS = 500;
/** Engine requests in flight at once: the daemon answers a one-shot stats call in up to a second. */
const CONCURRENCY = 8;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {};
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** One row of `GET /containers/json?all=1`. */
export interface ListedContainer {
  id: string;
  name: string;
  image: string;
  state: ContainerState;
  health: ContainerHealth;
  /** The list's human status ("Up 3 seconds (healthy)"). */
  status: string;
}

const STATES: Record<string, ContainerState> = {
  created: ContainerState.CREATED,
  running: ContainerState.RUNNING,
  paused: ContainerState.PAUSED,
  restarting: ContainerState.RESTARTING,
  removing: ContainerState.REMOVING,
  exited: ContainerState.EXITED,
  dead: ContainerState.DEAD,
  // Podman's own words for a container that ran and stopped, and one being configured.
  stopped: ContainerState.EXITED,
  configured: ContainerState.CREATED,
};

/**
 * Health as the list's status text shows it: "(healthy)", "(unhealthy)",
 * "(health: starting)". Cheaper than an inspect per container.
 */
export function healthFromStatus(status: string): ContainerHealth {
  if (status.includes("(unhealthy)")) return ContainerHealth.UNHEALTHY;
  if (status.includes("(healthy)")) return ContainerHealth.HEALTHY;
  if (status.includes("(health: starting)")) return ContainerHealth.STARTING;
  return ContainerHealth.NONE;
}

/** Parses `GET /containers/json?all=1`; rows without an id are skipped. */
export function parseContainerList(body: unknown): ListedContainer[] {
  if (!Array.isArray(body)) return [];
  const out: ListedContainer[] = [];
  for (const raw of body) {
    const c = obj(raw);
    const id = str(c.Id);
    if (id === "") continue;
    const names = Array.isArray(c.Names) ? c.Names : [];
    const name = str(names[0]).replace(/^\//, "") || id.slice(0, 12);
    const status = str(c.Status);
    out.push({
      id,
      name: cleanName(name),
      image: cleanName(str(c.Image), 1024) || "?",
      state: STATES[str(c.State).toLowerCase()] ?? ContainerState.UNSPECIFIED,
      health: healthFromStatus(status),
      status,
    });
  }
  return out;
}

/** `RestartCount` of `GET /containers/{id}/json`. */
export function parseRestartCount(body: unknown): number {
  const n = num(obj(body).RestartCount);
  return n !== undefined && n >= 0 ? Math.min(n, 2 ** 32 - 1) : 0;
}

/**
 * Whether a listed container may have restarted since the previous
 * collection, so its restart count is read again: it is not up, or up for
 * seconds only ("Up 12 seconds", "Up Less than a second"). Containers up for
 * minutes keep their last count: one inspect each per collection would
 * dominate the cost on a host with many containers.
 */
export function mayHaveRestarted(c: ListedContainer): boolean {
  return !c.status.startsWith("Up ") || /second/i.test(c.status);
}

/** The counters of one `GET /containers/{id}/stats?stream=false&one-shot=true`. */
export interface StatsReading {
  /** When the daemon read them (Unix ms). */
  readMs: number;
  /** Container CPU time, ns. */
  cpuNs: number;
  /** Host CPU time of all cores, ns. */
  systemNs: number;
  onlineCpus: number;
  memUsedBytes?: number;
  memLimitBytes?: number;
  /** Sums over the container's interfaces; undefined without a network (`--network none`). */
  rxBytes?: number;
  txBytes?: number;
  readBytes: number;
  writeBytes: number;
}

/**
 * Memory as `docker stats` shows it: usage minus the inactive page cache
 * (`total_inactive_file` on cgroup v1, `inactive_file` on v2), see
 * calculateMemUsageUnixNoCache in docker/cli.
 */
export function memoryUsed(mem: Json): number | undefined {
  const usage = num(mem.usage);
  if (usage === undefined) return undefined;
  const stats = obj(mem.stats);
  const v1 = num(stats.total_inactive_file);
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = num(stats.inactive_file);
  if (v2 !== undefined && v2 < usage) return usage - v2;
  return usage;
}

/** Parses one stats answer; undefined for a container that is not running (no CPU counters). */
export function parseStats(body: unknown): StatsReading | undefined {
  const s = obj(body);
  const cpu = obj(s.cpu_stats);
  const cpuNs = num(obj(cpu.cpu_usage).total_usage);
  const systemNs = num(cpu.system_cpu_usage);
  const readMs = Date.parse(str(s.read));
  if (cpuNs === undefined || systemNs === undefined || !Number.isFinite(readMs)) return undefined;
  const perCpu = obj(cpu.cpu_usage).percpu_usage;
  const onlineCpus = num(cpu.online_cpus) ?? (Array.isArray(perCpu) ? perCpu.length : 1);
  const mem = obj(s.memory_stats);
  const out: StatsReading = { readMs, cpuNs, systemNs, onlineCpus, readBytes: 0, writeBytes: 0 };
  const used = memoryUsed(mem);
  if (used !== undefined) out.memUsedBytes = used;
  const limit = num(mem.limit);
  if (limit !== undefined && limit > 0) out.memLimitBytes = limit;
  if (s.networks !== undefined && s.networks !== null) {
    let rx = 0;
    let tx = 0;
    for (const n of Object.values(obj(s.networks))) {
      rx += num(obj(n).rx_bytes) ?? 0;
      tx += num(obj(n).tx_bytes) ?? 0;
    }
    out.rxBytes = rx;
    out.txBytes = tx;
  }
  // cgroup v1 says "Read"/"Write", v2 "read"/"write"; an empty or null list is no IO yet.
  const io = obj(s.blkio_stats).io_service_bytes_recursive;
  for (const e of Array.isArray(io) ? io : []) {
    const op = str(obj(e).op).toLowerCase();
    const v = num(obj(e).value) ?? 0;
    if (op === "read") out.readBytes += v;
    else if (op === "write") out.writeBytes += v;
  }
  return out;
}

/** What two consecutive readings of one container give. */
export interface ContainerRates {
  cpuPct?: number;
  rxBytesPerS?: number;
  txBytesPerS?: number;
  readBytesPerS?: number;
  writeBytesPerS?: number;
}

const perSecond = (prev: number | undefined, cur: number | undefined, seconds: number) =>
  prev === undefined || cur === undefined || cur < prev ? undefined : round2((cur - prev) / seconds);

/**
 * CPU in percent of one core, as `docker stats` computes it
 * (cpu_delta / system_delta * online_cpus * 100), and byte rates, between
 * two readings. Empty without a previous reading, when no time passed, or
 * when a counter went backwards (the container restarted).
 */
export function containerRates(prev: StatsReading | undefined, cur: StatsReading): ContainerRates {
  if (!prev) return {};
  const seconds = (cur.readMs - prev.readMs) / 1000;
  const systemDelta = cur.systemNs - prev.systemNs;
  const cpuDelta = cur.cpuNs - prev.cpuNs;
  if (!(seconds > 0) || !(systemDelta > 0) || cpuDelta < 0) return {};
  const out: ContainerRates = { cpuPct: round2((cpuDelta / systemDelta) * cur.onlineCpus * 100) };
  const rx = perSecond(prev.rxBytes, cur.rxBytes, seconds);
  const tx = perSecond(prev.txBytes, cur.txBytes, seconds);
  const read = perSecond(prev.readBytes, cur.readBytes, seconds);
  const write = perSecond(prev.writeBytes, cur.writeBytes, seconds);
  if (rx !== undefined) out.rxBytesPerS = rx;
  if (tx !== undefined) out.txBytesPerS = tx;
  if (read !== undefined) out.readBytesPerS = read;
  if (write !== undefined) out.writeBytesPerS = write;
  return out;
}

type ContainerInit = MessageInitShape<typeof ContainerSchema>;

/** The wire form of one container from its list row, restart count, reading and rates. */
export function containerMessage(
  c: ListedContainer,
  restartCount: number,
  reading: StatsReading | undefined,
  rates: ContainerRates,
): ContainerInit {
  const out: ContainerInit = {
    name: c.name,
    image: c.image,
    state: c.state,
    health: c.health,
    restartCount,
    ...rates,
  };
  if (reading?.memUsedBytes !== undefined) out.memoryUsedBytes = BigInt(reading.memUsedBytes);
  if (reading?.memLimitBytes !== undefined) out.memoryLimitBytes = BigInt(reading.memLimitBytes);
  return out;
}

/**
 * The `containers` group. `sockets`: engine sockets to try, first existing
 * wins (looked up again each time, so an engine started later is found); none
 * = no group, and no error. Stats are read for running containers only.
 */
export function containersCollector(sockets: readonly string[]): Collector {
  const last = new Map<string, StatsReading>();
  const restarts = new Map<string, number>();
  let warned = "";
  return async () => {
    const socket = findEngineSocket(sockets);
    if (socket === undefined) return {};
    let listed: ListedContainer[];
    try {
      listed = parseContainerList(await engineGet(socket, "/containers/json?all=1"));
    } catch (e) {
      // One line per distinct failure (permission denied on the socket is the usual one), not one per tick.
      const why = e instanceof Error ? e.message : String(e);
      if (why !== warned) {
        warned = why;
        console.error(
          `containers: cannot list through ${socket} (${why}); give the agent access to the socket`,
        );
      }
      return {};
    }
    warned = "";
    listed.sort(
      (a, b) =>
        Number(b.state === ContainerState.RUNNING) - Number(a.state === ContainerState.RUNNING) ||
        a.name.localeCompare(b.name),
    );
    if (listed.length > MAX_CONTAINERS) listed.length = MAX_CONTAINERS;
    const containers = await mapLimited(listed, CONCURRENCY, async (c) => {
      let count = restarts.get(c.id);
      if (count === undefined || mayHaveRestarted(c)) {
        count = await engineGet(socket, `/containers/${c.id}/json`).then(parseRestartCount, () => count ?? 0);
        restarts.set(c.id, count);
      }
      let reading: StatsReading | undefined;
      if (c.state === ContainerState.RUNNING) {
        reading = await engineGet(socket, `/containers/${c.id}/stats?stream=false&one-shot=true`).then(
          parseStats,
          (e: unknown) => (e instanceof EngineError ? undefined : Promise.reject(e)),
        );
      }
      const rates = reading ? containerRates(last.get(c.id), reading) : {};
      if (reading) last.set(c.id, reading);
      else last.delete(c.id);
      return containerMessage(c, count, reading, rates);
    }).catch(() => undefined);
    if (!containers) return {};
    const seen = new Set(listed.map((c) => c.id));
    for (const id of [...last.keys(), ...restarts.keys()]) {
      if (!seen.has(id)) {
        last.delete(id);
        restarts.delete(id);
      }
    }
    return containers.length > 0 ? { containers } : {};
  };
}
