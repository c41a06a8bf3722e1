import { create } from "@bufbuild/protobuf";
import { HostInfoSchema } from "@fleetwatch/proto/host_pb";
import { SampleSchema } from "@fleetwatch/proto/sample_pb";
import { describe, expect, it } from "vitest";
import { LocalHost } from "../../agent/src/prometheus/local-host";

const T0 = 1_800_000_000_000;
const info = create(HostInfoSchema, {
  hostname: "web-1",
  os: "Debian 12",
  memoryBytes: 8n * 1024n ** 3n,
  labels: { env: "prod" },
  intervalS: 5,
});
const root = { mount: "/", fsType: "ext4", device: "/dev/sda1", sizeBytes: 100n, usedBytes: 40n };

describe("LocalHost", () => {
  it("shows the host info and metrics with 64-bit integers as numbers", () => {
    const local = new LocalHost(info);
    local.add(
      create(SampleSchema, { seq: 7n, timeMs: BigInt(T0), memory: { totalBytes: 8n, usedBytes: 3n } }),
    );
    const view = local.view(T0);
    expect(view.info).toMatchObject({
      hostname: "web-1",
      memoryBytes: 8 * 1024 ** 3,
      labels: { env: "prod" },
    });
    expect(view.metrics.memory).toEqual({ totalBytes: 8, usedBytes: 3, availableBytes: 0 });
    expect(view).toMatchObject({ lastSeen: T0, lastSeq: 7, status: "online" });
  });

  it("keeps a group from an earlier sample until a sample carries it again", () => {
    const local = new LocalHost(info);
    local.add(
      create(SampleSchema, { seq: 1n, timeMs: BigInt(T0), cpu: { totalPct: 10 }, filesystems: [root] }),
    );
    local.add(create(SampleSchema, { seq: 2n, timeMs: BigInt(T0 + 5000), cpu: { totalPct: 20 } }));
    const { metrics } = local.view(T0 + 5000);
    expect(metrics.cpu?.totalPct).toBe(20);
    expect(metrics.filesystems).toEqual([
      { mount: "/", fsType: "ext4", device: "/dev/sda1", sizeBytes: 100, usedBytes: 40 },
    ]);
  });

  it("turns stale after three intervals without a sample, counting the interval the hub set", () => {
    const local = new LocalHost(info);
    local.add(create(SampleSchema, { seq: 1n, timeMs: BigInt(T0) }));
    expect(local.view(T0 + 15_000).status).toBe("online");
    expect(local.view(T0 + 15_001).status).toBe("stale");
    local.setInterval(10);
    expect(local.view(T0 + 20_000).status).toBe("online");
  });

  it("is offline with no sample yet, and takes the host id from the hub's Hello answer", () => {
    const local = new LocalHost(info);
    expect(local.view(T0)).toMatchObject({ id: "", status: "offline", lastSeen: 0 });
    local.connected("h_42", create(HostInfoSchema, { ...info, hostname: "web-1b" }));
    expect(local.view(T0)).toMatchObject({ id: "h_42", info: { hostname: "web-1b" } });
  });
});
