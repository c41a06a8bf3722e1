import { signal } from "@preact/signals";
import { describe, expect, it } from "vitest";
import type { LiveHost } from "../../worker/src/metrics/summary";
import { cycleSeconds, nextGroup } from "../src/components/fleet/kiosk-page";
import { alignHosts, heatColumn } from "../src/lib/fleet-series";
import { countHealth, groupHosts } from "../src/lib/fleet-view";
import { alertLevelsOf } from "../src/lib/host-summary";
import { host, liveHost } from "./fixtures";

const labelled = (id: string, labels: Record<string, string>, cpu = 10) =>
  signal<LiveHost>(
    liveHost(
      id,
      { info: { ...host(id).info, hostname: id, labels } },
      { cpu: { totalPct: cpu, perCorePct: [] } },
    ),
  );

describe("grouping by a label", () => {
  const rows = [
    labelled("a", { rack: "rack-10" }),
    labelled("b", { rack: "rack-2" }, 95),
    labelled("c", {}),
    labelled("d", { rack: "rack-2" }),
  ];

  it("groups in value order, numbers by value, the hosts without the label last, keeping the list's order", () => {
    const groups = groupHosts(rows, "rack");
    expect(groups.map((g) => g.value)).toEqual(["rack-2", "rack-10", undefined]);
    expect(groups[0]?.hosts.map((h) => h.peek().id)).toEqual(["b", "d"]);
  });

  it("counts each group's hosts by health", () => {
    const [first] = groupHosts(rows, "rack");
    const levels = alertLevelsOf([{ hostId: "b", severity: "critical", state: "firing" }]);
    expect(countHealth(first?.hosts ?? [], levels)).toEqual({
      critical: 1,
      warning: 0,
      stale: 0,
      offline: 0,
      healthy: 1,
    });
  });

  it("cycles through groups in order and wraps; an unknown cycle falls back to 15 s", () => {
    const groups = groupHosts(rows, "rack");
    expect(nextGroup(groups, null)).toBe(0);
    expect(nextGroup(groups, "rack-2")).toBe(1);
    expect(nextGroup(groups, "\u0000")).toBe(0);
    expect(cycleSeconds("?cycle=30")).toBe(30);
    expect(cycleSeconds("?cycle=1")).toBe(15);
    expect(cycleSeconds("")).toBe(15);
  });
});

describe("fleet series helpers", () => {
  it("aligns hosts' lines on the union of their times, with gaps as null", () => {
    const { xs, ys } = alignHosts([
      {
        id: "a",
        hostname: "a",
        score: 1,
        points: [
          { t: 1000, avg: 1, max: 1 },
          { t: 3000, avg: 3, max: 3 },
        ],
      },
      { id: "b", hostname: "b", score: 1, points: [{ t: 2000, avg: 2, max: 2 }] },
    ]);
    expect(xs).toEqual([1, 2, 3]);
    expect(ys).toEqual([
      [1, null, 3],
      [null, 2, null],
    ]);
  });

  it("places times in heatmap columns, clamped to the edges", () => {
    expect(heatColumn(0, 0, 100, 10)).toBe(0);
    expect(heatColumn(55, 0, 100, 10)).toBe(5);
    expect(heatColumn(100, 0, 100, 10)).toBe(9);
    expect(heatColumn(-5, 0, 100, 10)).toBe(0);
  });
});
