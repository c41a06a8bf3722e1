import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { ContainerHealth, ContainerState, SampleSchema } from "@fleetwatch/proto/sample_pb";
import { describe, expect, it } from "vitest";
import { mergeMetrics } from "../../worker/src/fleet/merge";
import { windowIncrease } from "../../worker/src/fleet/rollup";
import { SAMPLE_LIMITS, validateSample } from "../../worker/src/fleet/validate-sample";
import { flattenMetrics, isCounterMetric, seriesMatcher } from "../../worker/src/metrics/catalog";
import { renderPrometheus } from "../../worker/src/metrics/prometheus";
import type { HostView } from "../../worker/src/metrics/types";

const NOW = 1_800_000_000_000;
type ContainerInit = NonNullable<MessageInitShape<typeof SampleSchema>["containers"]>[number];

const web: ContainerInit = {
  name: "web",
  image: "nginx:1.27",
  state: ContainerState.RUNNING,
  health: ContainerHealth.UNHEALTHY,
  restartCount: 2,
  cpuPct: 12.5,
  memoryUsedBytes: 1000n,
  memoryLimitBytes: 4000n,
  rxBytesPerS: 10,
  txBytesPerS: 20,
  readBytesPerS: 30,
  writeBytesPerS: 40,
};

const sample = (containers: ContainerInit[]) =>
  create(SampleSchema, { seq: 1n, timeMs: BigInt(NOW), containers });

function reason(containers: ContainerInit[]): string {
  try {
    validateSample(sample(containers), NOW);
  } catch (e) {
    return ConnectError.from(e).rawMessage;
  }
  throw new Error("expected the sample to be rejected");
}

describe("containers on the wire", () => {
  it("converts a container with state and health by name", () => {
    const [c] = validateSample(sample([web]), NOW).metrics.containers ?? [];
    expect(c).toEqual({
      name: "web",
      image: "nginx:1.27",
      state: "running",
      health: "unhealthy",
      restarts: 2,
      cpuPct: 12.5,
      memUsedBytes: 1000,
      memLimitBytes: 4000,
      rxBytesPerS: 10,
      txBytesPerS: 20,
      readBytesPerS: 30,
      writeBytesPerS: 40,
    });
  });

  it("rejects more containers than the limit", () => {
    const many = Array.from({ length: SAMPLE_LIMITS.maxContainers + 1 }, (_, i) => ({
      ...web,
      name: `c${i}`,
    }));
    expect(reason(many)).toContain(`containers has ${SAMPLE_LIMITS.maxContainers + 1} entries`);
  });

  it("rejects a name that is too long, has control characters, or appears twice", () => {
    expect(reason([{ ...web, name: "x".repeat(257) }])).toContain("containers[0].name must be at most 256");
    expect(reason([{ ...web, name: "a\u202eb" }])).toContain("containers[0].name");
    expect(reason([web, web])).toContain("appears twice");
  });

  it("rejects an unknown state and an impossible CPU", () => {
    expect(reason([{ ...web, state: 42 as ContainerState }])).toContain(
      "containers[0].state is not a known value",
    );
    expect(reason([{ ...web, cpuPct: -1 }])).toContain("containers[0].cpu_pct must not be negative");
  });
});

describe("container series", () => {
  const metrics = validateSample(
    sample([
      web,
      {
        name: "db",
        image: "postgres",
        state: ContainerState.EXITED,
        health: ContainerHealth.NONE,
        restartCount: 0,
      },
    ]),
    NOW,
  ).metrics;

  it("gives each container its series, and state, health and restarts as numbers", () => {
    const flat = flattenMetrics(metrics);
    expect(flat).toMatchObject({
      "container.cpu:web": 12.5,
      "container.mem:web": 1000,
      "container.rx:web": 10,
      "container.tx:web": 20,
      "container.read:web": 30,
      "container.write:web": 40,
      "container.running:web": 1,
      "container.unhealthy:web": 1,
      "container.restarts:web": 2,
      "container.running:db": 0,
      "container.restarts:db": 0,
    });
    // A stopped container has no CPU or rates, and without a health check no health series.
    expect("container.cpu:db" in flat).toBe(false);
    expect("container.unhealthy:db" in flat).toBe(false);
  });

  it("exposes them to Prometheus with a container label", () => {
    const host: HostView = {
      id: "h1",
      info: {
        hostname: "box",
        machineId: "",
        os: "",
        kernel: "",
        arch: "",
        cpuModel: "",
        cores: 1,
        memoryBytes: 0,
        agentVersion: "",
        labels: {},
        intervalS: 5,
      },
      status: "online",
      lastSeen: NOW,
      lastSeq: 1,
      metrics,
    };
    const text = renderPrometheus([host]);
    expect(text).toContain('fleetwatch_container_cpu_percent{host="box",host_id="h1",container="web"} 12.5');
    expect(text).toContain('fleetwatch_container_running{host="box",host_id="h1",container="db"} 0');
    expect(text).toContain("# TYPE fleetwatch_container_restarts gauge");
  });

  it("matches rule metrics by instance glob", () => {
    const m = seriesMatcher("container.cpu:web-*");
    expect(m("container.cpu:web-1")).toBe(true);
    expect(m("container.cpu:db")).toBe(false);
    expect(m("container.mem:web-1")).toBe(false);
    expect(seriesMatcher("container.cpu:*")("container.cpu:db")).toBe(true);
    expect(seriesMatcher("cpu")("cpu")).toBe(true);
  });

  it("alerts on restarts by their increase in the window", () => {
    expect(isCounterMetric("container.restarts:*")).toBe(true);
    expect(isCounterMetric("container.cpu:*")).toBe(false);
    const points = [5, 6, 9].map((v, i) => ({
      seq: i + 1,
      t: NOW + i * 30_000,
      v: { "container.restarts:web": v },
    }));
    expect(windowIncrease(points)).toEqual({ "container.restarts:web": 4 });
    expect(windowIncrease([])).toEqual({});
  });
});

describe("containers in the host's live state", () => {
  const procs = { total: 10, running: 1, topCpu: [], topMemory: [] };
  const withWeb = validateSample(sample([web]), NOW).metrics;

  it("keeps the list through fast samples, which carry no slow groups", () => {
    const merged = mergeMetrics({ ...withWeb, processes: procs }, { cpu: { totalPct: 5, perCorePct: [] } });
    expect(merged.containers?.map((c) => c.name)).toEqual(["web"]);
  });

  it("drops the list when a slow sample carries none (the last container was removed)", () => {
    const merged = mergeMetrics({ ...withWeb, processes: procs }, { processes: procs });
    expect(merged.containers).toBeUndefined();
  });
});
