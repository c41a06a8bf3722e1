import { Code, ConnectError } from "@connectrpc/connect";
import type { HostInfo } from "@fleetwatch/proto/host_pb";
import { CONTROL_CHARS, CONTROL_CHARS_MESSAGE } from "../http/text";
import type { HostInfoView } from "../metrics/types";

export const HOST_INFO_LIMITS = {
  maxHostname: 253,
  maxField: 256,
  maxLabels: 32,
  maxLabelKey: 64,
  maxLabelValue: 256,
} as const;

const LABEL_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function bad(message: string): never {
  throw new ConnectError(`host info: ${message}`, Code.InvalidArgument);
}

function text(field: string, v: string, max: number = HOST_INFO_LIMITS.maxField): string {
  if (v.length > max) bad(`${field} must be at most ${max} characters`);
  if (CONTROL_CHARS.test(v)) bad(`${field} ${CONTROL_CHARS_MESSAGE}`);
  return v;
}

/** Validates `Hello`'s HostInfo and converts it to JSON form. */
export function validateHostInfo(h: HostInfo): HostInfoView {
  const hostname = text("hostname", h.hostname.trim(), HOST_INFO_LIMITS.maxHostname);
  if (hostname === "") bad("hostname must not be empty");
  const labels: Record<string, string> = {};
  const entries = Object.entries(h.labels);
  if (entries.length > HOST_INFO_LIMITS.maxLabels)
    bad(`at most ${HOST_INFO_LIMITS.maxLabels} labels are accepted`);
  for (const [k, v] of entries) {
    if (k.length > HOST_INFO_LIMITS.maxLabelKey || !LABEL_KEY.test(k)) {
      bad(`label key "${k.slice(0, 64)}" must match ${LABEL_KEY.source} (at most 64 characters)`);
    }
    labels[k] = text(`label ${k}`, v, HOST_INFO_LIMITS.maxLabelValue);
  }
  if (h.memoryBytes > BigInt(Number.MAX_SAFE_INTEGER)) bad("memory_bytes is out of range");
  if (h.intervalS > 3600) bad("interval_s must be at most 3600");
  return {
    hostname,
    machineId: text("machine_id", h.machineId),
    os: text("os", h.os),
    kernel: text("kernel", h.kernel),
    arch: text("arch", h.arch),
    cpuModel: text("cpu_model", h.cpuModel),
    cores: h.cores,
    memoryBytes: Number(h.memoryBytes),
    agentVersion: text("agent_version", h.agentVersion),
    labels,
    intervalS: h.intervalS,
  };
}
