import { describe, expect, it } from "vitest";
import { compareHosts, matchesText } from "../src/lib/fleet-view";
import { hostHealth } from "../src/lib/host-summary";
import { DEFAULT_THRESHOLDS, levelOf } from "../src/lib/thresholds";
import { host, liveHost } from "./fixtures";

const t = DEFAULT_THRESHOLDS;

describe("health", () => {
  it("uses inclusive thresholds", () => {
    expect(levelOf(79.9, t.cpu)).toBe("ok");
    expect(levelOf(80, t.cpu)).toBe("warning");
    expect(levelOf(90, t.cpu)).toBe("critical");
    expect(levelOf(undefined, t.cpu)).toBe("ok");
  });

  it("is the worst of cpu, memory and disk", () => {
    const h = liveHost(
      "a",
      {},
      {
        cpu: { totalPct: 85, perCorePct: [] },
        filesystems: [{ mount: "/", fsType: "ext4", device: "d", sizeBytes: 100, usedBytes: 95 }],
      },
    );
    expect(hostHealth(h, t)).toBe("critical");
  });

  it("shows stale and offline whatever the last values", () => {
    const hot = { cpu: { totalPct: 99, perCorePct: [] } };
    expect(hostHealth(liveHost("a", { status: "stale" }, hot), t)).toBe("stale");
    expect(hostHealth(liveHost("a", { status: "offline" }, hot), t)).toBe("offline");
  });
});

describe("filter and sort", () => {
  it("matches hostname, id and labels", () => {
    const h = liveHost("id-1", {
      info: { ...host("x").info, hostname: "web-01", labels: { env: "prod" } },
    });
    expect(matchesText(h, "WEB")).toBe(true);
    expect(matchesText(h, "env=pro")).toBe(true);
    expect(matchesText(h, "id-1")).toBe(true);
    expect(matchesText(h, "db")).toBe(false);
  });

  it("sorts by cpu descending with hosts lacking cpu last", () => {
    const a = liveHost("a", {}, { cpu: { totalPct: 10, perCorePct: [] } });
    const b = liveHost("b", {}, { cpu: { totalPct: 50, perCorePct: [] } });
    const c = liveHost("c");
    c.summary.cpu = undefined;
    const sorted = [a, c, b].sort(compareHosts("cpu", "desc", t)).map((h) => h.id);
    expect(sorted).toEqual(["b", "a", "c"]);
  });

  it("sorts names naturally", () => {
    const names = ["web-10", "web-2", "web-1"].map((n) => liveHost(n));
    expect(names.sort(compareHosts("name", "asc", t)).map((h) => h.id)).toEqual(["web-1", "web-2", "web-10"]);
  });

  it("puts the most urgent first when sorting by status", () => {
    const ok = liveHost("ok");
    const crit = liveHost("crit", {}, { cpu: { totalPct: 95, perCorePct: [] } });
    const stale = liveHost("stale", { status: "stale" });
    expect([ok, stale, crit].sort(compareHosts("status", "asc", t)).map((h) => h.id)).toEqual([
      "crit",
      "stale",
      "ok",
    ]);
  });
});
