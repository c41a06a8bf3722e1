import { type LiveHost, overviewInfo, summaryOf } from "../../worker/src/metrics/summary";
import type { HostView } from "../../worker/src/metrics/types";
import type { RuleView } from "../src/lib/alerts-api";

/** A host with sensible defaults; override what a test is about. */
export function host(id: string, over: Partial<HostView> = {}, metrics: HostView["metrics"] = {}): HostView {
  return {
    id,
    status: "online",
    lastSeen: 1_700_000_000_000,
    lastSeq: 1,
    info: {
      hostname: id,
      machineId: `m-${id}`,
      os: "Debian 12",
      kernel: "6.1.0",
      arch: "x64",
      cpuModel: "Test CPU",
      cores: 4,
      memoryBytes: 8 * 1024 ** 3,
      agentVersion: "0.1.0",
      labels: {},
      intervalS: 5,
    },
    metrics: {
      cpu: { totalPct: 10, perCorePct: [10, 10, 10, 10] },
      memory: { totalBytes: 100, usedBytes: 30, availableBytes: 70 },
      filesystems: [{ mount: "/", fsType: "ext4", device: "/dev/sda1", sizeBytes: 100, usedBytes: 20 }],
      ...metrics,
    },
    ...over,
  };
}

/** A host as the overview holds it (see `host`), its summary computed as the hub computes it. */
export function liveHost(
  id: string,
  over: Partial<HostView> = {},
  metrics: HostView["metrics"] = {},
): LiveHost {
  const h = host(id, over, metrics);
  return {
    id: h.id,
    info: overviewInfo(h.info),
    status: h.status,
    lastSeen: h.lastSeen,
    summary: summaryOf(h),
  };
}

/** A stored, enabled, fleet-wide rule (cpu above 50 %, warning); override what a test is about. */
export function rule(over: Partial<RuleView> = {}): RuleView {
  return {
    id: "rule_1",
    name: "Hot",
    metric: "cpu",
    aggregation: "avg",
    windowS: 60,
    comparator: ">",
    threshold: 50,
    clearThreshold: 50,
    forS: 0,
    severity: "warning",
    repeatS: 0,
    enabled: true,
    hostMatch: "*",
    labelMatch: {},
    builtin: null,
    createdAt: 1,
    updatedAt: 1,
    ...over,
  };
}
