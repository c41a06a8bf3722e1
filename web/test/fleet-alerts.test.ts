import { afterEach, describe, expect, it, vi } from "vitest";
import type { AlertView, RuleView } from "../src/lib/alerts-api";
import {
  firingCount,
  refreshFleetAlerts,
  thresholdsSettled,
  watchFleetAlerts,
} from "../src/lib/fleet-alerts";
import { DEFAULT_THRESHOLDS, thresholds } from "../src/lib/thresholds";
import { rule } from "./fixtures";

const cpuRule = (severity: RuleView["severity"], threshold: number) =>
  rule({ id: `rule_${severity}`, name: `cpu ${severity}`, severity, threshold, clearThreshold: threshold });

/** A hub that answers the rules and alerts routes (or fails them with `status`). */
function hub(routes: { rules?: RuleView[]; firing?: Partial<AlertView>[]; status?: number }) {
  const urls: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string) => {
      urls.push(url);
      if (routes.status) return new Response("{}", { status: routes.status });
      const body = url.includes("/rules")
        ? { rules: routes.rules ?? [] }
        : { alerts: routes.firing ?? [], evaluation: { lastError: null, lastErrorAt: null } };
      return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
    }),
  );
  return urls;
}

describe("refreshFleetAlerts", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    thresholds.value = DEFAULT_THRESHOLDS;
    firingCount.value = undefined;
    thresholdsSettled.value = false;
  });

  it("sets the thresholds from the fleet's rules and counts its firing alerts", async () => {
    const urls = hub({
      rules: [cpuRule("warning", 60), cpuRule("critical", 75)],
      firing: [{ id: "a" }, { id: "b" }],
    });
    await refreshFleetAlerts("f 1");
    expect(urls.sort()).toEqual([
      "/api/fleets/f%201/alerts?state=firing&limit=500",
      "/api/fleets/f%201/rules",
    ]);
    expect(thresholds.value.cpu).toEqual({ warning: 60, critical: 75 });
    expect(thresholds.value.mem).toEqual(DEFAULT_THRESHOLDS.mem);
    expect(firingCount.value).toBe(2);
    expect(thresholdsSettled.value).toBe(true);
  });

  it("keeps what is shown when the hub fails", async () => {
    hub({ rules: [cpuRule("warning", 60)], firing: [{ id: "a" }] });
    await refreshFleetAlerts("f1");
    hub({ status: 503 });
    await refreshFleetAlerts("f1");
    expect(thresholds.value.cpu.warning).toBe(60);
    expect(firingCount.value).toBe(1);
  });

  it("settles even when the hub fails, so the fleet list does not wait for good", async () => {
    hub({ status: 503 });
    await refreshFleetAlerts("f1");
    expect(thresholdsSettled.value).toBe(true);
    expect(thresholds.value).toEqual(DEFAULT_THRESHOLDS);
  });
});

describe("watchFleetAlerts", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("reads at once, lets the fleet list show after 3 s at the latest, and puts the defaults back when stopped", () => {
    vi.useFakeTimers();
    // A hub that never answers.
    const fetch = vi.fn(() => new Promise<Response>(() => {}));
    vi.stubGlobal("fetch", fetch);
    vi.stubGlobal("document", { visibilityState: "visible" });
    thresholds.value = { ...DEFAULT_THRESHOLDS, cpu: { warning: 1, critical: 2 } };
    const stop = watchFleetAlerts("f1");
    expect(fetch).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(2900);
    expect(thresholdsSettled.value).toBe(false);
    vi.advanceTimersByTime(100);
    expect(thresholdsSettled.value).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(fetch).toHaveBeenCalledTimes(4);
    stop();
    expect(thresholds.value).toEqual(DEFAULT_THRESHOLDS);
    expect(thresholdsSettled.value).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(fetch).toHaveBeenCalledTimes(4);
  });
});
