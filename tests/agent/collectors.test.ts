import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { SampleSchema } from "@fleetwatch/proto/sample_pb";
import { describe, expect, it } from "vitest";
import { cpuCollector, cpuUsage, parseProcStat } from "../../agent/src/collect/cpu";
import { diskCollector, parseDiskstats } from "../../agent/src/collect/disk";
import { filesystemsCollector, parseMounts } from "../../agent/src/collect/filesystems";
import { collectHostInfo, parseOsRelease } from "../../agent/src/collect/host-info";
import { loadCollector } from "../../agent/src/collect/load";
import { memoryCollector, memoryFromMeminfo, parseMeminfo } from "../../agent/src/collect/memory";
import { InterfaceFilter, isVirtual, networkCollector, parseNetDev } from "../../agent/src/collect/network";
import { parsePidStat, processesCollector, summarizeProcesses } from "../../agent/src/collect/processes";
import { readText } from "../../agent/src/collect/read";
import { Sampler } from "../../agent/src/collect/sampler";
import { readLinuxTemperatures } from "../../agent/src/collect/temperature";
import { uptimeCollector } from "../../agent/src/collect/uptime";
import { tempDir } from "./helpers/agent-process";

const linux = process.platform === "linux";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("readText", () => {
  it("reads a file larger than its buffer whole, and the next file on its own", () => {
    const dir = tempDir();
    const big = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join("\n");
    writeFileSync(join(dir, "big"), big, "latin1");
    writeFileSync(join(dir, "small"), "7\n");
    expect(readText(join(dir, "big"))).toBe(big);
    expect(readText(join(dir, "small"))).toBe("7\n");
  });

  it("gives undefined for a file that does not exist or is a directory", () => {
    expect(readText(join(tempDir(), "missing"))).toBeUndefined();
    expect(readText(tempDir())).toBeUndefined();
  });
});

describe("parsers", () => {
  it("computes CPU shares from two /proc/stat readings", () => {
    const a = parseProcStat(
      "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\ncpu1 50 0 25 400 25 0 0 0 0 0\n",
    );
    const b = parseProcStat(
      "cpu  200 0 100 1500 100 0 0 100 0 0\ncpu0 150 0 50 700 50 0 0 50 0 0\ncpu1 50 0 50 800 50 0 0 50 0 0\n",
    );
    const cpu = cpuUsage(a as never, b as never);
    expect(cpu).toMatchObject({ totalPct: 25, userPct: 10, systemPct: 5, iowaitPct: 5, stealPct: 10 });
    expect(cpu?.perCorePct).toEqual([35, 15]);
  });

  it("gives no CPU usage when the counters went backwards", () => {
    const a = parseProcStat("cpu  200 0 100 1500 100 0 0 0 0 0\n");
    const b = parseProcStat("cpu  100 0 50 800 50 0 0 0 0 0\n");
    expect(cpuUsage(a as never, b as never)).toBeUndefined();
  });

  it("reads memory, cache and swap from /proc/meminfo", () => {
    const part = memoryFromMeminfo(
      parseMeminfo(
        "MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    600 kB\nBuffers:  10 kB\nCached:          300 kB\nSReclaimable:     50 kB\nSwapTotal:       200 kB\nSwapFree:        150 kB\n",
      ),
    );
    expect(part.memory).toMatchObject({
      totalBytes: 1024000n,
      availableBytes: 614400n,
      usedBytes: 409600n,
      cachedBytes: 358400n,
    });
    expect(part.swap).toMatchObject({ totalBytes: 204800n, usedBytes: 51200n });
  });

  it("counts whole physical disks only, not partitions or loop devices", () => {
    const text = [
      "   8       0 sda 100 0 1000 0 50 0 2000 0 0 0 0",
      "   8       1 sda1 100 0 1000 0 50 0 2000 0 0 0 0",
      "   7       0 loop0 9 0 9999 0 9 0 9999 0 0 0 0",
      " 253       0 dm-0 9 0 9999 0 9 0 9999 0 0 0 0",
    ].join("\n");
    expect(parseDiskstats(text, new Set(["sda", "loop0", "dm-0"]))).toEqual({
      readBytes: 512_000,
      writeBytes: 1_024_000,
    });
    expect(parseDiskstats(text, undefined)).toEqual({ readBytes: 512_000, writeBytes: 1_024_000 });
  });

  it("skips loopback in /proc/net/dev", () => {
    const text =
      "Inter-| Receive | Transmit\n face |bytes packets\n    lo: 500 5 0 0 0 0 0 0 500 5 0 0 0 0 0 0\n  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n";
    expect(parseNetDev(text)).toEqual([{ name: "eth0", rxBytes: 1000, txBytes: 2000 }]);
  });

  it("keeps real filesystems and an overlay root, skips pseudo filesystems and bind mounts", () => {
    const text = [
      "overlay / overlay rw 0 0",
      "proc /proc proc rw 0 0",
      "tmpfs /run tmpfs rw 0 0",
      "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0",
      "/dev/sda1 /data ext4 rw 0 0",
      "/dev/sda1 /srv/bind ext4 rw 0 0",
      "/dev/sdb1 /mnt/my\\040disk xfs rw 0 0",
      "squashfs /snap/core squashfs ro 0 0",
    ].join("\n");
    expect(parseMounts(text).map((m) => m.mount)).toEqual(["/", "/data", "/mnt/my disk"]);
  });

  it("parses /proc/[pid]/stat even when the name holds spaces and parentheses", () => {
    const p = parsePidStat(
      "42 (my (odd) proc) R 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 12345 1000000 300 18446744073709551615",
    );
    expect(p).toEqual({
      pid: 42,
      name: "my (odd) proc",
      state: "R",
      cpuTicks: 300,
      startTicks: 12345,
      rssPages: 300,
    });
  });

  it("ranks processes by CPU over the window and by memory", () => {
    const procs = [
      { pid: 1, name: "init", state: "S", cpuTicks: 1000, startTicks: 1, rssPages: 10 },
      { pid: 2, name: "busy", state: "R", cpuTicks: 600, startTicks: 5, rssPages: 5 },
      { pid: 3, name: "new\nline", state: "S", cpuTicks: 50, startTicks: 900, rssPages: 1000 },
    ];
    const prev = new Map([
      ["1/1", 990],
      ["2/5", 100],
    ]);
    const p = summarizeProcesses(procs, prev, 10, 4096);
    expect(p.total).toBe(3);
    expect(p.running).toBe(1);
    expect(p.topCpu?.map((x) => [x.name, x.cpuPct])).toEqual([
      ["busy", 50],
      ["new?line", 5],
      ["init", 1],
    ]);
    expect(p.topMemory?.[0]).toMatchObject({ pid: 3, memoryBytes: 4096000n });
  });

  it("reads hwmon sensors with their labels and skips implausible values", () => {
    const root = tempDir();
    const chip = join(root, "hwmon", "hwmon0");
    mkdirSync(chip, { recursive: true });
    mkdirSync(join(root, "thermal"), { recursive: true });
    writeFileSync(join(chip, "name"), "coretemp\n");
    writeFileSync(join(chip, "temp1_input"), "45500\n");
    writeFileSync(join(chip, "temp1_label"), "Package id 0\n");
    writeFileSync(join(chip, "temp2_input"), "0\n");
    expect(readLinuxTemperatures(root)).toEqual([{ sensor: "coretemp Package id 0", celsius: 45.5 }]);
  });

  it("reads the pretty OS name from os-release", () => {
    expect(parseOsRelease('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')).toBe(
      "Debian GNU/Linux 12 (bookworm)",
    );
  });
});

describe.runIf(linux)("collectors on this Linux host", () => {
  it("report CPU between 0 and 100 %, absent on the first read", async () => {
    const c = cpuCollector();
    expect(await c(performance.now())).toEqual({});
    await sleep(200);
    const { cpu } = await c(performance.now());
    expect(cpu?.totalPct).toBeGreaterThanOrEqual(0);
    expect(cpu?.totalPct).toBeLessThanOrEqual(100);
    expect(cpu?.perCorePct?.length).toBeGreaterThan(0);
    for (const v of cpu?.perCorePct ?? []) expect(v).toBeGreaterThanOrEqual(0);
  });

  it("report memory with total > 0 and available <= total", async () => {
    const { memory } = await memoryCollector()(0);
    expect(memory?.totalBytes).toBeGreaterThan(0n);
    expect(memory?.availableBytes).toBeLessThanOrEqual(memory?.totalBytes as bigint);
  });

  it("find a filesystem for /", async () => {
    const { filesystems } = await filesystemsCollector()(0);
    const root = filesystems?.find((f) => f.mount === "/");
    expect(root?.sizeBytes).toBeGreaterThan(0n);
    expect(root?.usedBytes).toBeLessThanOrEqual(root?.sizeBytes as bigint);
    expect(filesystems?.some((f) => ["proc", "sysfs", "tmpfs", "cgroup"].includes(f.fsType as string))).toBe(
      false,
    );
  });

  it("give network and disk rates only from the second read on, never negative, never loopback", async () => {
    const net = networkCollector();
    const disk = diskCollector();
    expect(await net(performance.now())).toEqual({});
    expect(await disk(performance.now())).toEqual({});
    await sleep(300);
    const now = performance.now();
    const n = await net(now);
    for (const i of n.net ?? []) {
      expect(i.name).not.toBe("lo");
      expect(i.rxBytesPerS).toBeGreaterThanOrEqual(0);
      expect(i.txBytesPerS).toBeGreaterThanOrEqual(0);
    }
    const d = await disk(now);
    if (d.diskIo) expect(d.diskIo.readBytesPerS).toBeGreaterThanOrEqual(0);
  });

  it("count processes and list at most 5 top processes", async () => {
    const c = processesCollector();
    await c(performance.now());
    await sleep(300);
    const { processes } = await c(performance.now());
    expect(processes?.total).toBeGreaterThan(1);
    expect(processes?.topMemory?.length).toBeGreaterThan(0);
    expect(processes?.topMemory?.length).toBeLessThanOrEqual(5);
    for (const p of processes?.topCpu ?? []) expect(p.cpuPct).toBeGreaterThanOrEqual(0);
  });

  it("report load and uptime", async () => {
    const { load } = await loadCollector()(0);
    expect(load?.load1).toBeGreaterThanOrEqual(0);
    const { uptimeS } = await uptimeCollector()(0);
    expect(uptimeS).toBeGreaterThan(0);
  });

  it("describe the host for Hello", async () => {
    const info = await collectHostInfo({ env: "test" }, 5);
    expect(info.hostname.length).toBeGreaterThan(0);
    expect(info.cores).toBeGreaterThan(0);
    expect(info.memoryBytes).toBeGreaterThan(0n);
    expect(info.labels).toEqual({ env: "test" });
    expect(info.agentVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("sample every group after priming, then the slow groups only every Nth tick", async () => {
    const sampler = new Sampler(3);
    await sampler.prime();
    await sleep(100);
    // Spend CPU in this process, so at least one process has ticks in the window.
    for (const until = Date.now() + 80; Date.now() < until; );
    const first = create(SampleSchema, await sampler.take());
    expect(first.cpu).toBeDefined();
    expect(first.diskIo ?? first.net.length).toBeTruthy();
    expect(first.filesystems.length).toBeGreaterThan(0);
    expect(first.processes?.topCpu.length).toBeGreaterThan(0);
    // CPU counters tick at 100 Hz: back-to-back reads can see no time pass, and then CPU is rightly absent.
    await sleep(200);
    const second = create(SampleSchema, await sampler.take());
    expect(second.filesystems).toHaveLength(0);
    expect(second.processes).toBeUndefined();
    expect(second.cpu).toBeDefined();
  });
});

describe("network interfaces in a sample", () => {
  const totals = (name: string, rxBytes: number, txBytes = 0) => ({ name, rxBytes, txBytes });

  it("leaves out virtual interfaces until they carry traffic, then keeps them", () => {
    const f = new InterfaceFilter();
    // First look: NICs pass; ifb0, an idle veth and docker0 are held back.
    expect(["eth0", "ifb0", "veth1a2b", "docker0"].filter((n) => f.keep(totals(n, 100)))).toEqual(["eth0"]);
    // The veth starts carrying a container's traffic; ifb0 and docker0 stay idle.
    expect(f.keep(totals("ifb0", 100))).toBe(false);
    expect(f.keep(totals("veth1a2b", 5100))).toBe(true);
    expect(f.keep(totals("docker0", 100))).toBe(false);
    // Once shown, a quiet virtual interface keeps its series rather than flapping.
    expect(f.keep(totals("veth1a2b", 5100))).toBe(true);
  });

  it("keeps every interface when asked to", () => {
    const f = new InterfaceFilter(true);
    expect(["ifb0", "ifb1", "veth9", "enp1s0"].every((n) => f.keep(totals(n, 0)))).toBe(true);
  });

  it("tells runtime-made interfaces from NICs by name", () => {
    expect(
      ["ifb0", "veth3f", "docker0", "br-1234", "virbr0", "cni0", "flannel.1", "cali12", "tun0"].every(
        isVirtual,
      ),
    ).toBe(true);
    expect(["eth0", "enp1s0", "ens5", "wlan0", "eno1", "bond0", "wg0"].some(isVirtual)).toBe(false);
  });
});
