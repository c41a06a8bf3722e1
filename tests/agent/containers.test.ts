import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerHealth, ContainerState } from "@fleetwatch/proto/sample_pb";
import { describe, expect, it } from "vitest";
import {
  containerMessage,
  containerRates,
  containersCollector,
  healthFromStatus,
  mayHaveRestarted,
  memoryUsed,
  parseContainerList,
  parseRestartCount,
  parseStats,
} from "../../agent/src/collect/containers";
import { defaultEngineSockets } from "../../agent/src/collect/engine-api";
import { loadConfig } from "../../agent/src/config";

/** Answers recorded from a real dockerd 20.10 (API 1.41, cgroup v1) with busybox containers. */
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/docker/${name}.json`, import.meta.url), "utf8"));

const stats = (name: string) => {
  const r = parseStats(fixture(name));
  if (!r) throw new Error(`${name} did not parse`);
  return r;
};

describe("container list", () => {
  const list = parseContainerList(fixture("containers-list"));
  const byName = new Map(list.map((c) => [c.name, c]));
  const named = (n: string) => {
    const c = byName.get(n);
    if (!c) throw new Error(`no container ${n} in the fixture`);
    return c;
  };

  it("names each container without the leading slash, with its image and state", () => {
    expect([...byName.keys()].sort()).toEqual(["busy", "cli", "flappy", "idle", "srv", "web"]);
    expect(byName.get("cli")).toMatchObject({ image: "fw-busybox", state: ContainerState.RUNNING });
    expect(byName.get("idle")?.state).toBe(ContainerState.CREATED);
    expect(byName.get("flappy")?.state).toBe(ContainerState.RESTARTING);
  });

  it("reads health from the status text", () => {
    expect(byName.get("web")?.health).toBe(ContainerHealth.UNHEALTHY);
    expect(byName.get("cli")?.health).toBe(ContainerHealth.NONE);
    expect(healthFromStatus("Up 2 minutes (healthy)")).toBe(ContainerHealth.HEALTHY);
    expect(healthFromStatus("Up 1 second (health: starting)")).toBe(ContainerHealth.STARTING);
  });

  it("reads a restart count again only for a container that is not up for long", () => {
    expect(mayHaveRestarted(named("flappy"))).toBe(true);
    expect(mayHaveRestarted({ ...named("cli"), status: "Up 3 minutes" })).toBe(false);
    expect(mayHaveRestarted({ ...named("cli"), status: "Up Less than a second" })).toBe(true);
  });

  it("is empty for an answer that is not a list", () => {
    expect(parseContainerList({ message: "page not found" })).toEqual([]);
  });

  it("replaces control characters in names", () => {
    const [c] = parseContainerList([
      { Id: "abc", Names: ["/a\nb"], Image: "x", State: "running", Status: "" },
    ]);
    expect(c?.name).toBe("a?b");
  });
});

describe("inspect", () => {
  it("reads the restart count of a container under a restart policy", () => {
    expect(parseRestartCount(fixture("inspect-flappy"))).toBe(7);
    expect(parseRestartCount(fixture("inspect-web"))).toBe(0);
  });
});

describe("stats", () => {
  it("has no CPU or rates on the first reading", () => {
    expect(containerRates(undefined, stats("stats-busy-1"))).toEqual({});
  });

  it("computes CPU as docker stats does: cpu delta / system delta * online cpus * 100", () => {
    const a = stats("stats-busy-1");
    const b = stats("stats-busy-2");
    // (12280075136 - 6803415379) / (66985870000000 - 66950450000000) * 2 * 100
    expect(containerRates(a, b).cpuPct).toBe(30.92);
  });

  it("computes network rates from the daemon's read times", () => {
    const a = stats("stats-cli-1");
    const b = stats("stats-cli-2");
    const seconds = (b.readMs - a.readMs) / 1000;
    const r = containerRates(a, b);
    expect(r.rxBytesPerS).toBe(Math.round((((b.rxBytes ?? 0) - (a.rxBytes ?? 0)) / seconds) * 100) / 100);
    expect(r.rxBytesPerS).toBeGreaterThan(0);
    expect(r.txBytesPerS).toBeGreaterThan(0);
  });

  it("has no network rates for a container without a network", () => {
    const r = containerRates(stats("stats-busy-1"), stats("stats-busy-2"));
    expect(r.rxBytesPerS).toBeUndefined();
    expect(r.txBytesPerS).toBeUndefined();
  });

  it("computes block IO rates from the service bytes of both cgroup versions", () => {
    const a = { ...stats("stats-busy-1") };
    const b = parseStats({
      ...(fixture("stats-busy-2") as object),
      blkio_stats: {
        io_service_bytes_recursive: [
          { major: 8, minor: 0, op: "read", value: 4096 },
          { major: 8, minor: 0, op: "Write", value: 2 * 1024 * 1024 },
          { major: 8, minor: 0, op: "total", value: 99 },
        ],
      },
    });
    if (!b) throw new Error("stats did not parse");
    const seconds = (b.readMs - a.readMs) / 1000;
    const r = containerRates(a, b);
    expect(r.readBytesPerS).toBe(Math.round((4096 / seconds) * 100) / 100);
    expect(r.writeBytesPerS).toBe(Math.round(((2 * 1024 * 1024) / seconds) * 100) / 100);
  });

  it("gives no rates when the counters went backwards (the container restarted)", () => {
    expect(containerRates(stats("stats-busy-2"), stats("stats-busy-1"))).toEqual({});
  });

  it("reads memory as usage minus inactive file cache, and the limit", () => {
    const s = stats("stats-busy-2");
    expect(s.memLimitBytes).toBe(64 * 1024 * 1024);
    expect(s.memUsedBytes).toBe(679936);
    expect(memoryUsed({ usage: 1000, stats: { total_inactive_file: 300 } })).toBe(700);
    expect(memoryUsed({ usage: 1000, stats: { inactive_file: 400 } })).toBe(600);
    expect(memoryUsed({ usage: 1000, stats: { inactive_file: 4000 } })).toBe(1000);
  });

  it("has no reading for a container that is not running", () => {
    expect(parseStats(fixture("stats-idle"))).toBeUndefined();
  });

  it("puts list row, restart count and rates into one wire message", () => {
    const c = parseContainerList(fixture("containers-list")).find((x) => x.name === "busy");
    if (!c) throw new Error("no busy container in the fixture");
    const b = stats("stats-busy-2");
    const m = containerMessage(c, 3, b, containerRates(stats("stats-busy-1"), b));
    expect(m).toMatchObject({ name: "busy", restartCount: 3, cpuPct: 30.92, memoryLimitBytes: 67108864n });
  });
});

describe("engine socket", () => {
  it("tries rootful Docker, rootless Docker and Podman in that order", () => {
    expect(defaultEngineSockets({ XDG_RUNTIME_DIR: "/run/user/1000" })).toEqual([
      "/var/run/docker.sock",
      "/run/user/1000/docker.sock",
      "/run/podman/podman.sock",
      "/run/user/1000/podman/podman.sock",
    ]);
  });

  it("takes one socket from the flag, or none", () => {
    expect(loadConfig(["--container-socket", "unix:///tmp/d.sock"], {}).config.containerSockets).toEqual([
      "/tmp/d.sock",
    ]);
    expect(loadConfig(["--container-socket", "none"], {}).config.containerSockets).toEqual([]);
    expect(() => loadConfig(["--container-socket", "d.sock"], {})).toThrow(/absolute path/);
  });
});

describe("the containers collector over a unix socket", () => {
  /**
   * Serves the recorded answers on a unix socket the way dockerd does: the list,
   * inspect, and one-shot stats per container (first or second recording).
   */
  async function recordedEngine() {
    const dir = mkdtempSync(join(tmpdir(), "fw-engine-"));
    const socket = join(dir, "docker.sock");
    const list = fixture("containers-list") as { Id: string; Names: string[] }[];
    const nameOf = new Map(list.map((c) => [c.Id, c.Names[0]?.slice(1) ?? ""]));
    let round = 1;
    const paths: string[] = [];
    const server = createServer((req, res) => {
      const url = req.url ?? "";
      paths.push(url.split("?")[0] ?? "");
      const send = (body: unknown) =>
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      // Minutes later every running container is up for minutes: no restart to read.
      const later = list.map((c) => ({
        ...c,
        Status: String((c as { Status?: string }).Status).replace(/^Up \d+ seconds/, "Up 2 minutes"),
      }));
      if (url.startsWith("/containers/json")) return send(round === 1 ? list : later);
      const m = /^\/containers\/([0-9a-f]+)\/(json|stats)/.exec(url);
      const name = m ? nameOf.get(m[1] ?? "") : undefined;
      if (!m || !name) return res.writeHead(404).end('{"message":"No such container"}');
      if (m[2] === "json")
        return send(name === "flappy" ? fixture("inspect-flappy") : fixture("inspect-web"));
      const recorded = ["busy", "cli"].includes(name) ? `stats-${name}-${round}` : "stats-idle";
      return send(fixture(recorded));
    });
    await new Promise<void>((r) => server.listen(socket, r));
    return {
      socket,
      paths,
      next: () => {
        round = 2;
        paths.length = 0;
      },
      close: () =>
        new Promise<void>((r) =>
          server.close(() => {
            rmSync(dir, { recursive: true });
            r();
          }),
        ),
    };
  }

  it("reads state, restarts and, from the second collection, rates", async () => {
    const engine = await recordedEngine();
    try {
      const collect = containersCollector([join(engine.socket, "..", "absent.sock"), engine.socket]);
      const first = (await collect(0)).containers ?? [];
      expect(first.map((c) => c.name)).toEqual(["busy", "cli", "srv", "web", "flappy", "idle"]);
      expect(first.find((c) => c.name === "flappy")?.restartCount).toBe(7);
      expect(first.find((c) => c.name === "busy")?.cpuPct).toBeUndefined();
      engine.next();
      const second = (await collect(30_000)).containers ?? [];
      expect(second.find((c) => c.name === "busy")?.cpuPct).toBe(30.92);
      expect(second.find((c) => c.name === "cli")?.rxBytesPerS).toBeGreaterThan(0);
      // Stats only for running containers; inspect again only for those not up for minutes.
      expect(engine.paths.filter((p) => p.endsWith("/stats"))).toHaveLength(4);
      const inspected = engine.paths.filter((p) => p.endsWith("/json") && p !== "/containers/json");
      expect(inspected).toHaveLength(2);
      expect(second.find((c) => c.name === "flappy")?.restartCount).toBe(7);
      expect(second.find((c) => c.name === "web")?.restartCount).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it("is absent, and silent, when no engine socket exists", async () => {
    const errors: unknown[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => errors.push(a);
    try {
      expect(await containersCollector(["/nonexistent/docker.sock"])(0)).toEqual({});
    } finally {
      console.error = orig;
    }
    expect(errors).toEqual([]);
  });
});
