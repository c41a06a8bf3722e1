/**
 * JSON shapes of host metrics as the hub stores, serves and broadcasts them.
 * They are the protobuf `Sample` normalised to plain numbers (64-bit
 * integers become `number`: byte counts and sequence numbers stay far below
 * 2^53). The dashboard imports these types; never re-declare them.
 */

export interface CpuMetrics {
  totalPct: number;
  userPct?: number;
  systemPct?: number;
  iowaitPct?: number;
  stealPct?: number;
  perCorePct: number[];
}

export interface LoadMetrics {
  load1: number;
  load5: number;
  load15: number;
}

export interface MemoryMetrics {
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
  cachedBytes?: number;
}

export interface SwapMetrics {
  totalBytes: number;
  usedBytes: number;
}

export interface FilesystemMetrics {
  mount: string;
  fsType: string;
  device: string;
  sizeBytes: number;
  usedBytes: number;
}

export interface DiskIoMetrics {
  readBytesPerS: number;
  writeBytesPerS: number;
}

export interface NetInterfaceMetrics {
  name: string;
  rxBytesPerS: number;
  txBytesPerS: number;
}

export interface ProcessMetrics {
  pid: number;
  name: string;
  cpuPct: number;
  memoryBytes: number;
}

export interface ProcessesMetrics {
  total: number;
  running: number;
  topCpu: ProcessMetrics[];
  topMemory: ProcessMetrics[];
}

export interface TemperatureMetrics {
  sensor: string;
  celsius: number;
}

/** Engine API container states (Docker's words; Podman's "stopped" arrives as "exited"). */
export const CONTAINER_STATES = [
  "unknown",
  "created",
  "running",
  "paused",
  "restarting",
  "removing",
  "exited",
  "dead",
] as const;
export type ContainerStateName = (typeof CONTAINER_STATES)[number];

/** From the container's HEALTHCHECK; "none" when it has none. */
export const CONTAINER_HEALTHS = ["none", "starting", "healthy", "unhealthy"] as const;
export type ContainerHealthName = (typeof CONTAINER_HEALTHS)[number];

/** One container of the host's Docker or Podman engine. Rates are absent on its first reading. */
export interface ContainerMetrics {
  name: string;
  image: string;
  state: ContainerStateName;
  health: ContainerHealthName;
  restarts: number;
  /** Percent of one core (may exceed 100). */
  cpuPct?: number;
  memUsedBytes?: number;
  memLimitBytes?: number;
  rxBytesPerS?: number;
  txBytesPerS?: number;
  readBytesPerS?: number;
  writeBytesPerS?: number;
}

/** systemd units in the "failed" state (slow cadence; absent without systemd). */
export interface SystemdMetrics {
  failedCount: number;
  /** At most 50 names, sorted; `failedCount` counts them all. */
  failedUnits: string[];
}

/**
 * A TLS certificate the host's agent checked (`--tls-check`, every 5
 * minutes; absent without checks). The series `tls.days:<name>` is `daysLeft`.
 */
export interface TlsCertMetrics {
  /** The check's name: letters, digits, `.`, `_`, `-`. */
  name: string;
  /** `host:port` the agent connected to. */
  target: string;
  /** The leaf's notAfter (Unix s); absent when no certificate was received. */
  notAfterS?: number;
  /** Days from the sample's time to notAfter, two decimals; negative once expired. */
  daysLeft?: number;
  issuerCn: string;
  subjectCn: string;
  /** Why the check failed (connection, handshake, verification); "" when the certificate verified. */
  error: string;
  /** When the agent ran the check (Unix ms). */
  checkedMs: number;
}

/** The merged metric state of a host: every group the host ever reported, latest value each. */
export interface Metrics {
  cpu?: CpuMetrics;
  load?: LoadMetrics;
  memory?: MemoryMetrics;
  swap?: SwapMetrics;
  filesystems?: FilesystemMetrics[];
  diskIo?: DiskIoMetrics;
  net?: NetInterfaceMetrics[];
  processes?: ProcessesMetrics;
  temperatures?: TemperatureMetrics[];
  uptimeS?: number;
  systemd?: SystemdMetrics;
  containers?: ContainerMetrics[];
  tlsCerts?: TlsCertMetrics[];
}

/** Static facts about a host, from the agent's `Hello`. */
export interface HostInfoView {
  hostname: string;
  machineId: string;
  os: string;
  kernel: string;
  arch: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  agentVersion: string;
  labels: Record<string, string>;
  intervalS: number;
}

/**
 * online: a sample arrived within the heartbeat deadline (3 intervals);
 * stale: the deadline passed; offline: the host was never seen streaming
 * since the hub started or it said goodbye.
 */
export type HostStatus = "online" | "stale" | "offline";

/** One host as the REST API and the live socket present it. */
export interface HostView {
  id: string;
  info: HostInfoView;
  status: HostStatus;
  /** Unix ms of the newest sample. 0 when none yet. */
  lastSeen: number;
  /** Sequence number of the newest sample. */
  lastSeq: number;
  metrics: Metrics;
}

/** Frames the hub sends on the dashboard WebSocket (`/api/fleets/:fleet/live`). */
export type LiveFrame =
  /** First frame on every connection, and after a resync request: all hosts. */
  | { type: "snapshot"; fleet: string; serverTime: number; hosts: HostView[] }
  /** Coalesced changes (<= 1 frame/s): every host that changed, whole merged state. */
  | { type: "hosts"; serverTime: number; hosts: HostView[] }
  /** Hosts that were deleted from the fleet. */
  | { type: "removed"; serverTime: number; hostIds: string[] };

/**
 * Frames a dashboard may send on the live socket: ask for a fresh snapshot,
 * or (overview protocol) subscribe to and unsubscribe from hosts' full state.
 */
export type LiveRequest =
  | { type: "resync" }
  | { type: "subscribe"; hostIds: string[] }
  | { type: "unsubscribe"; hostIds: string[] };

/** History tiers: raw 5 s samples, 1-minute and 1-hour rollups. */
export type Tier = "raw" | "1m" | "1h";

/** One point of a series: `n` samples summarised over [t, t + step). */
export interface SeriesPoint {
  t: number;
  min: number;
  avg: number;
  max: number;
  /** The newest sample in the step: raw tier only (rollups do not keep it). */
  last?: number;
}

/** `GET /api/fleets/:fleet/hosts/:host/series`. */
export interface SeriesResult {
  metric: string;
  tier: Tier;
  stepS: number;
  points: SeriesPoint[];
}

/** `GET /api/fleets/:fleet/hosts/:host/export?format=json`. */
export interface SeriesExport {
  tier: Tier;
  stepS: number;
  from: number;
  to: number;
  /** Series key -> points, in time order. */
  series: Record<string, SeriesPoint[]>;
}

/** `GET|POST /api/session`. */
export interface SessionInfo {
  fleet: string;
  role: "agent" | "viewer" | "admin";
}
