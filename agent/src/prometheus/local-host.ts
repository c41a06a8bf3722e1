import type { HostInfo } from "@fleetwatch/proto/host_pb";
import type { Sample } from "@fleetwatch/proto/sample_pb";
import { hostStatus } from "../../../worker/src/fleet/status";
import {
  CONTAINER_HEALTHS,
  CONTAINER_STATES,
  type ContainerMetrics,
  type HostInfoView,
  type HostView,
  type Metrics,
} from "../../../worker/src/metrics/types";

/** A protobuf message as the hub's JSON views hold it: 64-bit integers as numbers, no `$typeName`. */
type Plain<T> = T extends bigint
  ? number
  : T extends readonly (infer U)[]
    ? Plain<U>[]
    : T extends object
      ? { [K in keyof T as K extends "$typeName" ? never : K]: Plain<T[K]> }
      : T;

/** Converts a message the way the hub's views type it (byte counts stay far below 2^53). */
function plain<T>(v: T): Plain<T> {
  if (typeof v === "bigint") return Number(v) as Plain<T>;
  if (Array.isArray(v)) return v.map(plain) as Plain<T>;
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== "$typeName" && x !== undefined) out[k] = plain(x);
    return out as Plain<T>;
  }
  return v as Plain<T>;
}

type Group = keyof Metrics;

/** A wire container as the hub names its fields (state and health as words, restarts). */
function containerView(c: Plain<Sample["containers"][number]>): ContainerMetrics {
  const { state, health, restartCount, memoryUsedBytes, memoryLimitBytes, ...rest } = c;
  const out: ContainerMetrics = {
    ...rest,
    state: CONTAINER_STATES[state] ?? "unknown",
    health: CONTAINER_HEALTHS[health] ?? "none",
    restarts: restartCount,
  };
  if (memoryUsedBytes !== undefined) out.memUsedBytes = memoryUsedBytes;
  if (memoryLimitBytes !== undefined) out.memLimitBytes = memoryLimitBytes;
  return out;
}

/**
 * This host as the hub shows it, for the local Prometheus endpoint: samples
 * are merged the same way (each metric group keeps its latest value, so
 * filesystems and processes, collected every ~30 s, stay between their
 * samples), and the view has the hub's shape, so the hub's exposition
 * renders it with the same metric names and labels.
 */
export class LocalHost {
  #id = "";
  #info: HostInfoView;
  #metrics: Metrics = {};
  #lastSeen = 0;
  #lastSeq = 0;

  constructor(info: HostInfo) {
    this.#info = plain(info);
  }

  /** The id the hub gave this host in its last Hello answer. */
  connected(hostId: string, info: HostInfo): void {
    this.#id = hostId;
    this.#info = plain(info);
  }

  /** The sampling interval changed (the hub asked for another): staleness is counted in intervals. */
  setInterval(intervalS: number): void {
    this.#info = { ...this.#info, intervalS };
  }

  /** Merges one sample; groups it does not carry keep their previous value. */
  add(sample: Sample): void {
    const { seq, timeMs, containers, ...rest } = plain(sample);
    // Typed as the hub's Metrics: a proto change the views do not follow fails here.
    const groups: Metrics = { ...rest, containers: containers.map(containerView) };
    for (const group of Object.keys(groups) as Group[]) {
      const value = groups[group];
      // Repeated groups are empty, not absent, in a sample that skipped them.
      if (Array.isArray(value) && value.length === 0) continue;
      Object.assign(this.#metrics, { [group]: value });
    }
    // As the hub merges (worker/src/fleet/merge.ts): slow groups without containers mean none now.
    if (groups.processes !== undefined && containers.length === 0) delete this.#metrics.containers;
    this.#lastSeen = timeMs;
    this.#lastSeq = seq;
  }

  /** The host with its status as of `now` (Unix ms). */
  view(now: number): HostView {
    return {
      id: this.#id,
      info: this.#info,
      status: hostStatus(this.#lastSeen, this.#info.intervalS, now),
      lastSeen: this.#lastSeen,
      lastSeq: this.#lastSeq,
      metrics: this.#metrics,
    };
  }
}
