/**
 * The JSON a typical Python collector sends for the same host and instant:
 * a dict built from psutil's own field names and shapes (named tuples as
 * dicts, per-disk and per-nic maps), posted with `requests.post(json=...)`.
 * Counters are cumulative, as psutil returns them; the collector sends them
 * raw and lets the server compute rates.
 */
export function psutilPayload(timeS: number): Record<string, unknown> {
  const proc = (base: number) =>
    ["postgres", "node", "nginx", "containerd", "systemd-journal"].map((name, i) => ({
      pid: 1200 + base + i * 37,
      name,
      cpu_percent: Math.round((42.17 - i * 7.31) * 10) / 10,
      memory_info: {
        rss: Math.round((1.5 - i * 0.25) * 1024 ** 3),
        vms: Math.round((3.2 - i * 0.4) * 1024 ** 3),
      },
    }));
  const disk = (total: number, used: number) => ({
    total,
    used,
    free: total - used,
    percent: Math.round((used / total) * 1000) / 10,
  });
  const nic = (sent: number, recv: number) => ({
    bytes_sent: sent,
    bytes_recv: recv,
    packets_sent: Math.round(sent / 900),
    packets_recv: Math.round(recv / 1100),
    errin: 0,
    errout: 0,
    dropin: 12,
    dropout: 0,
  });
  return {
    hostname: "web-1",
    timestamp: timeS,
    cpu_percent: 37.4,
    cpu_percent_percpu: [41.2, 35.9, 38.0, 29.6, 44.1, 33.3, 36.9, 40.4],
    cpu_times_percent: {
      user: 28.1,
      nice: 0.0,
      system: 7.9,
      idle: 62.6,
      iowait: 1.1,
      irq: 0.0,
      softirq: 0.3,
      steal: 0.3,
      guest: 0.0,
      guest_nice: 0.0,
    },
    getloadavg: [2.91, 2.47, 2.13],
    virtual_memory: {
      total: 34_359_738_368,
      available: 17_246_978_048,
      percent: 49.8,
      used: 13_958_643_712,
      free: 3_154_116_608,
      active: 15_032_385_536,
      inactive: 12_884_901_888,
      buffers: 583_008_256,
      cached: 9_663_676_416,
      shared: 402_653_184,
      slab: 1_073_741_824,
    },
    swap_memory: {
      total: 4_294_967_296,
      used: 268_435_456,
      free: 4_026_531_840,
      percent: 6.3,
      sin: 0,
      sout: 0,
    },
    disk_partitions: [
      { device: "/dev/nvme0n1p2", mountpoint: "/", fstype: "ext4", opts: "rw,relatime" },
      { device: "/dev/nvme0n1p1", mountpoint: "/boot", fstype: "vfat", opts: "rw,relatime" },
      { device: "/dev/sdb1", mountpoint: "/var/lib/postgresql", fstype: "xfs", opts: "rw,noatime" },
    ],
    disk_usage: {
      "/": disk(502_468_108_288, 187_904_819_200),
      "/boot": disk(535_805_952, 6_291_456),
      "/var/lib/postgresql": disk(1_999_844_147_200, 812_345_671_680),
    },
    disk_io_counters: {
      read_count: 48_211_907,
      write_count: 183_774_512,
      read_bytes: 2_229_004_427_264,
      write_bytes: 8_877_338_533_888,
      read_time: 19_827_331,
      write_time: 301_882_104,
      read_merged_count: 1_204_117,
      write_merged_count: 98_331_570,
      busy_time: 41_088_216,
    },
    net_io_counters: {
      eth0: nic(11_890_640_912_384, 2_972_660_228_096),
      eth1: nic(79_281_291_264, 158_562_582_528),
    },
    pids: 412,
    running: 3,
    top_cpu: proc(0),
    top_memory: proc(5),
    sensors_temperatures: {
      k10temp: [
        { label: "Tctl", current: 61.25, high: null, critical: null },
        { label: "Tccd1", current: 58.5, high: null, critical: null },
      ],
      nvme: [{ label: "Composite", current: 44.85, high: 84.85, critical: 89.85 }],
      acpitz: [{ label: "", current: 27.8, high: null, critical: null }],
    },
    boot_time: timeS - 1_209_613,
  };
}

/**
 * `json.dumps` with Python's defaults (what `requests.post(json=...)` sends):
 * `", "` and `": "` separators, non-ASCII escaped, floats with a decimal point.
 */
export function pythonJsonDumps(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return Number.isInteger(v) && !Object.is(v, -0) ? String(v) : pyFloat(v);
  if (typeof v === "string")
    return JSON.stringify(v).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  if (Array.isArray(v)) return `[${v.map(pythonJsonDumps).join(", ")}]`;
  if (typeof v === "object") {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${JSON.stringify(k)}: ${pythonJsonDumps(x)}`)
      .join(", ")}}`;
  }
  throw new Error(`cannot encode ${typeof v}`);
}

function pyFloat(v: number): string {
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}
