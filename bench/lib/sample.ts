import { create } from "@bufbuild/protobuf";
import { type Sample, SampleSchema } from "@fleetwatch/proto/sample_pb";

const GiB = 1024 ** 3;

/**
 * A realistic full sample of a busy 8-core server: 3 filesystems, 2
 * interfaces, top-5 processes by cpu and by memory, 4 temperatures. Values
 * have the 2 decimals the agent rounds to.
 */
export function fullSample(seq: number, timeMs = Date.now()): Sample {
  const procs = (base: number) =>
    ["postgres", "node", "nginx", "containerd", "systemd-journal"].map((name, i) => ({
      pid: 1200 + base + i * 37,
      name,
      cpuPct: 42.17 - i * 7.31,
      memoryBytes: BigInt(Math.round((1.5 - i * 0.25) * GiB)),
    }));
  return create(SampleSchema, {
    seq: BigInt(seq),
    timeMs: BigInt(timeMs),
    cpu: {
      totalPct: 37.42,
      userPct: 28.13,
      systemPct: 7.91,
      iowaitPct: 1.12,
      stealPct: 0.26,
      perCorePct: [41.2, 35.87, 38.03, 29.55, 44.1, 33.33, 36.9, 40.42],
    },
    load: { load1: 2.91, load5: 2.47, load15: 2.13 },
    memory: {
      totalBytes: BigInt(32 * GiB),
      usedBytes: 13_958_643_712n,
      availableBytes: 17_246_978_048n,
      cachedBytes: 9_663_676_416n,
    },
    swap: { totalBytes: BigInt(4 * GiB), usedBytes: 268_435_456n },
    filesystems: [
      {
        mount: "/",
        fsType: "ext4",
        device: "/dev/nvme0n1p2",
        sizeBytes: 502_468_108_288n,
        usedBytes: 187_904_819_200n,
      },
      {
        mount: "/boot",
        fsType: "vfat",
        device: "/dev/nvme0n1p1",
        sizeBytes: 535_805_952n,
        usedBytes: 6_291_456n,
      },
      {
        mount: "/var/lib/postgresql",
        fsType: "xfs",
        device: "/dev/sdb1",
        sizeBytes: 1_999_844_147_200n,
        usedBytes: 812_345_671_680n,
      },
    ],
    diskIo: { readBytesPerS: 1_843_200.5, writeBytesPerS: 7_340_032.25 },
    net: [
      { name: "eth0", rxBytesPerS: 2_457_600.75, txBytesPerS: 9_830_400.5 },
      { name: "eth1", rxBytesPerS: 131_072.25, txBytesPerS: 65_536.5 },
    ],
    processes: { total: 412, running: 3, topCpu: procs(0), topMemory: procs(5) },
    temperatures: [
      { sensor: "k10temp Tctl", celsius: 61.25 },
      { sensor: "k10temp Tccd1", celsius: 58.5 },
      { sensor: "nvme Composite", celsius: 44.85 },
      { sensor: "acpitz temp1", celsius: 27.8 },
    ],
    uptimeS: 1_209_613.42,
  });
}
