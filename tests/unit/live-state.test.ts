import { describe, expect, it } from "vitest";
import { mergeMetrics } from "../../worker/src/fleet/merge";
import { hostStatus, OFFLINE_AFTER_MS } from "../../worker/src/fleet/status";
import { diskPct, flattenMetrics, memoryPct, parseSeriesKey } from "../../worker/src/metrics/catalog";
import type { Metrics } from "../../worker/src/metrics/types";

const full: Metrics = {
  cpu: { totalPct: 20, perCorePct: [10, 30] },
  memory: { totalBytes: 1000, usedBytes: 600, availableBytes: 250 },
  filesystems: [
    { mount: "/", fsType: "ext4", device: "sda1", sizeBytes: 200, usedBytes: 50 },
    { mount: "/data", fsType: "xfs", device: "sdb1", sizeBytes: 100, usedBytes: 95 },
  ],
  net: [
    { name: "eth0", rxBytesPerS: 100, txBytesPerS: 10 },
    { name: "eth1", rxBytesPerS: 50, txBytesPerS: 5 },
  ],
};

describe("mergeMetrics", () => {
  it("replaces the groups a sample carries and keeps the others", () => {
    const merged = mergeMetrics(full, { cpu: { totalPct: 90, perCorePct: [] } });
    expect(merged.cpu?.totalPct).toBe(90);
    expect(merged.filesystems).toBe(full.filesystems);
    expect(merged.memory).toBe(full.memory);
  });
});

describe("flattenMetrics", () => {
  it("names every series by the catalog and sums interfaces", () => {
    const flat = flattenMetrics(full);
    expect(flat).toMatchObject({
      cpu: 20,
      "cpu.core:1": 30,
      mem: 75,
      "disk:/": 25,
      "disk:/data": 95,
      "net.rx:eth1": 50,
      "net.rx": 150,
      "net.tx": 15,
    });
    expect(flat.load1).toBeUndefined();
  });

  it("every produced key parses back to a catalog series", () => {
    for (const key of Object.keys(flattenMetrics(full))) expect(parseSeriesKey(key), key).toBeDefined();
  });

  it("rejects unknown series and instances on plain series", () => {
    expect(parseSeriesKey("bogus")).toBeUndefined();
    expect(parseSeriesKey("load1:x")).toBeUndefined();
    expect(parseSeriesKey("disk:")).toBeUndefined();
    expect(parseSeriesKey("disk:/var")).toEqual({ name: "disk", instance: "/var" });
  });
});

describe("dashboard percentages", () => {
  it("uses total minus available for memory", () => {
    expect(memoryPct(full)).toBe(75);
  });
  it("uses the root filesystem for disk", () => {
    expect(diskPct(full)).toBe(25);
    expect(diskPct({ filesystems: full.filesystems?.slice(1) ?? [] })).toBe(95);
  });
});

describe("hostStatus", () => {
  const now = 1_000_000_000;
  it("is online within three intervals", () => expect(hostStatus(now - 14_000, 5, now)).toBe("online"));
  it("is stale after three missed intervals", () => expect(hostStatus(now - 16_000, 5, now)).toBe("stale"));
  it("is offline when never seen", () => expect(hostStatus(0, 5, now)).toBe("offline"));
  it("is offline after the raw window", () =>
    expect(hostStatus(now - OFFLINE_AFTER_MS - 1, 5, now)).toBe("offline"));
});
