import { describe, expect, it } from "vitest";
import { compareHosts, matchesText } from "../src/lib/fleet-view";
import { alertLevelsOf, hostHealth } from "../src/lib/host-summary";
import { DEFAULT_THRESHOLDS, levelOf } from "../src/lib/thresholds";
import { host, liveHost } from "./fixtures";

const t = DEFAULT_THRESHOLDS;
const firing = (hostId: string, severity: "warning" | "critical", state = "firing") => ({
  hostId,
  severity,
  state,
});

describe("health", () => {
  it("uses inclusive thresholds", () => {
    expect(levelOf(79.9, t.cpu)).toBe("ok");
    expect(levelOf(80, t.cpu)).toBe("warning");
    expect(levelOf(90, t.cpu)).toBe("critical");
    expect(levelOf(undefined, t.cpu)).toBe("ok");
  });

  it("is the host's worst firing alert, whatever its figures: the badge is the alerts' truth", () => {
    const hot = liveHost("a", {}, { cpu: { totalPct: 99, perCorePct: [] } });
    const cool = liveHost("b", {}, { cpu: { totalPct: 3, perCorePct: [] } });
    const levels = alertLevelsOf([firing("a", "warning"), firing("b", "warning"), firing("b", "critical")]);
    expect(hostHealth(hot, alertLevelsOf([]))).toBe("healthy");
    expect(hostHealth(hot, levels)).toBe("warning");
    expect(hostHealth(cool, levels)).toBe("critical");
    // Pending alerts have not fired: no badge.
    expect(hostHealth(hot, alertLevelsOf([firing("a", "critical", "pending")]))).toBe("healthy");
  });

  it("shows stale and offline whatever the last values and alerts", () => {
    const hot = { cpu: { totalPct: 99, perCorePct: [] } };
    const levels = alertLevelsOf([firing("a", "critical")]);
    expect(hostHealth(liveHost("a", { status: "stale" }, hot), levels)).toBe("stale");
    expect(hostHealth(liveHost("a", { status: "offline" }, hot), levels)).toBe("offline");
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
    const sorted = [a, c, b].sort(compareHosts("cpu", "desc", alertLevelsOf([]))).map((h) => h.id);
    expect(sorted).toEqual(["b", "a", "c"]);
  });

  it("sorts names naturally", () => {
    const names = ["web-10", "web-2", "web-1"].map((n) => liveHost(n));
    expect(names.sort(compareHosts("name", "asc", alertLevelsOf([]))).map((h) => h.id)).toEqual([
      "web-1",
      "web-2",
      "web-10",
    ]);
  });

  it("puts the most urgent first when sorting by status", () => {
    const ok = liveHost("ok");
    const crit = liveHost("crit");
    const stale = liveHost("stale", { status: "stale" });
    const levels = alertLevelsOf([firing("crit", "critical")]);
    expect([ok, stale, crit].sort(compareHosts("status", "asc", levels)).map((h) => h.id)).toEqual([
      "crit",
      "stale",
      "ok",
    ]);
  });
});
