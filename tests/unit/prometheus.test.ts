import { describe, expect, it } from "vitest";
import { SERIES, type SeriesName } from "../../worker/src/metrics/catalog";
import {
  escapeLabelValue,
  formatValue,
  metricName,
  renderPrometheus,
} from "../../worker/src/metrics/prometheus";
import type { HostView, Metrics } from "../../worker/src/metrics/types";

function host(metrics: Metrics, over: Partial<HostView> = {}, labels: Record<string, string> = {}): HostView {
  return {
    id: "h_1",
    status: "online",
    lastSeen: 1_700_000_000_000,
    lastSeq: 7,
    metrics,
    info: {
      hostname: "web-1",
      machineId: "m",
      os: "Debian 12",
      kernel: "6.1",
      arch: "x64",
      cpuModel: "Test",
      cores: 2,
      memoryBytes: 1,
      agentVersion: "0.1.0",
      labels,
      intervalS: 5,
    },
    ...over,
  };
}

const lines = (text: string) => text.split("\n").filter((l) => l !== "");
const samples = (text: string, name: string) => lines(text).filter((l) => l.startsWith(`${name}{`));

describe("prometheus exposition", () => {
  it("names families from the catalog with base-unit suffixes", () => {
    expect(metricName("cpu")).toBe("fleetwatch_cpu_percent");
    expect(metricName("disk.used")).toBe("fleetwatch_disk_used_bytes");
    expect(metricName("net.rx")).toBe("fleetwatch_net_rx_bytes_per_second");
    expect(metricName("load1")).toBe("fleetwatch_load1");
    expect(metricName("uptime")).toBe("fleetwatch_uptime_seconds");
    const names = (Object.keys(SERIES) as SeriesName[]).map(metricName);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
  });

  it("writes one gauge sample per series with host and instance labels", () => {
    const text = renderPrometheus([
      host({
        cpu: { totalPct: 12.5, perCorePct: [10, 15] },
        filesystems: [{ mount: "/", fsType: "ext4", device: "sda1", sizeBytes: 200, usedBytes: 50 }],
        net: [{ name: "eth0", rxBytesPerS: 1000, txBytesPerS: 500 }],
      }),
    ]);
    expect(text).toContain("# HELP fleetwatch_cpu_percent CPU busy, all cores (percent)\n");
    expect(text).toContain("# TYPE fleetwatch_cpu_percent gauge\n");
    expect(text).toContain('fleetwatch_cpu_percent{host="web-1",host_id="h_1"} 12.5\n');
    expect(text).toContain('fleetwatch_cpu_core_percent{host="web-1",host_id="h_1",core="1"} 15\n');
    expect(text).toContain('fleetwatch_disk_percent{host="web-1",host_id="h_1",mount="/"} 25\n');
    expect(text).toContain(
      'fleetwatch_net_rx_bytes_per_second{host="web-1",host_id="h_1",iface="eth0"} 1000\n',
    );
    expect(text.endsWith("\n")).toBe(true);
  });

  it("leaves out the host total of a series that has instances", () => {
    const text = renderPrometheus([
      host({
        net: [
          { name: "eth0", rxBytesPerS: 1, txBytesPerS: 2 },
          { name: "eth1", rxBytesPerS: 3, txBytesPerS: 4 },
        ],
      }),
    ]);
    expect(samples(text, "fleetwatch_net_rx_bytes_per_second")).toEqual([
      'fleetwatch_net_rx_bytes_per_second{host="web-1",host_id="h_1",iface="eth0"} 1',
      'fleetwatch_net_rx_bytes_per_second{host="web-1",host_id="h_1",iface="eth1"} 3',
    ]);
  });

  it("writes no line and no header for a metric no host reports", () => {
    const text = renderPrometheus([host({ cpu: { totalPct: 1, perCorePct: [] } })]);
    expect(text).not.toContain("fleetwatch_mem_percent");
    expect(text).not.toContain("fleetwatch_temp_celsius");
    expect(text).not.toContain("fleetwatch_cpu_user_percent");
    expect(renderPrometheus([])).toBe("");
  });

  it("reports host_up, last_seen in seconds and host labels as label_<key>", () => {
    const text = renderPrometheus([
      host({}, { status: "stale" }, { "team.name": "core", env: "prod" }),
      host({}, { id: "h_2", lastSeen: 0, info: { ...host({}).info, hostname: "db-1" } }),
    ]);
    expect(samples(text, "fleetwatch_host_up")).toEqual([
      'fleetwatch_host_up{host="db-1",host_id="h_2",status="online"} 1',
      'fleetwatch_host_up{host="web-1",host_id="h_1",label_env="prod",label_team_name="core",status="stale"} 0',
    ]);
    expect(samples(text, "fleetwatch_host_last_seen_seconds")).toEqual([
      'fleetwatch_host_last_seen_seconds{host="web-1",host_id="h_1",label_env="prod",label_team_name="core"} 1700000000',
    ]);
  });

  it("escapes backslash, double quote and line feed in label values", () => {
    expect(escapeLabelValue('C:\\temp "x"\nnext')).toBe('C:\\\\temp \\"x\\"\\nnext');
    const text = renderPrometheus([
      host({ temperatures: [{ sensor: 'core "0"\n\\', celsius: 40 }] }, {}, { note: 'a"b' }),
    ]);
    expect(text).toContain('label_note="a\\"b",sensor="core \\"0\\"\\n\\\\"} 40\n');
    // Every sample is one line: the exposition has no raw line feed inside a value.
    for (const l of lines(text)) expect(l).toMatch(/^(#|fleetwatch_)/);
  });

  it("spells special values the way Prometheus parses them", () => {
    expect(formatValue(Number.NaN)).toBe("NaN");
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe("+Inf");
    expect(formatValue(Number.NEGATIVE_INFINITY)).toBe("-Inf");
    expect(formatValue(1e21)).toBe("1e+21");
  });

  it("never writes a timestamp after a sample value", () => {
    const text = renderPrometheus([host({ cpu: { totalPct: 3, perCorePct: [] }, uptimeS: 9 })]);
    for (const l of lines(text).filter((x) => !x.startsWith("#"))) {
      expect(
        l
          .slice(l.lastIndexOf("}") + 1)
          .trim()
          .split(" "),
      ).toHaveLength(1);
    }
  });
});
