import { describe, expect, it } from "vitest";
import { monotonic } from "../../worker/src/traffic/cache";
import { trafficPeriod } from "../../worker/src/traffic/period";
import type { HostTraffic } from "../../worker/src/traffic/totals";
import { alertRows, api, createRule, receiver, runCron, withoutBuiltins } from "./alerts-helpers";
import { call, createFleet, hostInfo, registerHost, sample } from "./fixtures";

type Fleet = Awaited<ReturnType<typeof createFleet>>;

/** A reset day two weeks from today's date, so no period boundary falls inside a test run. */
function farResetDay(now: number): number {
  return ((new Date(now).getUTCDate() + 13) % 28) + 1;
}

/** Sets the fleet's reset day (UTC) and returns the period holding `now`. */
async function settle(fleet: Fleet, now: number) {
  const settings = { resetDay: farResetDay(now), timeZone: "UTC" };
  const res = await api(fleet.admin, "PUT", `/api/fleets/${fleet.id}/traffic/settings`, settings);
  expect(res.status).toBe(200);
  return trafficPeriod(now, settings);
}

const rates = (rx: number, tx: number, iface = "eth0") => ({
  net: [{ name: iface, rxBytesPerS: rx, txBytesPerS: tx }],
});

/** A quota rule through the rules API: fires at once above `threshold` bytes. */
function quotaRule(fleet: Fleet, metric: string, threshold: number) {
  return createRule(fleet, {
    name: `quota ${metric}`,
    metric,
    aggregation: "last",
    windowS: 60,
    comparator: ">",
    threshold,
  });
}

describe("traffic quota rules", () => {
  it("fires when the month's sent bytes cross the quota and resolves after the reset day", async () => {
    const fleet = await createFleet();
    await withoutBuiltins(fleet);
    const t0 = Date.now();
    const period = await settle(fleet, t0);
    const { client } = await registerHost(fleet.agent, hostInfo({ hostname: "edge-1" }));
    // 2 samples × 5 s × 1000 B/s sent: 10,000 bytes.
    await client.push({
      samples: [sample(1, t0 - 10_000, rates(10, 1000)), sample(2, t0 - 5000, rates(10, 1000))],
    });
    await quotaRule(fleet, "traffic.month.tx", 15_000);
    const rx = receiver();
    await runCron(fleet.id, t0, rx);
    expect(await alertRows(fleet.id)).toEqual([]);

    // 2 more samples: 20,000 bytes this month. Totals are reused for a few minutes, so evaluate later.
    await client.push({ samples: [sample(3, t0, rates(10, 1000)), sample(4, t0 + 5000, rates(10, 1000))] });
    await runCron(fleet.id, t0 + 6 * 60_000, rx);
    expect(await alertRows(fleet.id)).toMatchObject([
      { state: "firing", hostname: "edge-1", series: "traffic.month.tx", value: 20_000 },
    ]);

    // The next period holds no samples yet: its total is 0 and the alert resolves.
    await runCron(fleet.id, period.end + 60_000, rx);
    expect(await alertRows(fleet.id)).toMatchObject([{ state: "resolved", series: "traffic.month.tx" }]);
  });

  it("watches each interface a glob matches, and no other", async () => {
    const fleet = await createFleet();
    await withoutBuiltins(fleet);
    const t0 = Date.now();
    await settle(fleet, t0);
    const { client } = await registerHost(fleet.agent, hostInfo({ hostname: "edge-2" }));
    const both = {
      net: [
        { name: "eth0", rxBytesPerS: 5000, txBytesPerS: 1 },
        { name: "wg0", rxBytesPerS: 5000, txBytesPerS: 1 },
      ],
    };
    await client.push({ samples: [sample(1, t0 - 5000, both)] });
    await quotaRule(fleet, "traffic.month.rx:eth*", 20_000);
    await runCron(fleet.id, t0, receiver());
    expect(await alertRows(fleet.id)).toMatchObject([
      { state: "firing", series: "traffic.month.rx:eth0", value: 25_000 },
    ]);
  });

  it("refuses an unknown traffic metric with a message naming the quota keys", async () => {
    const fleet = await createFleet();
    const res = await api<{ message: string }>(fleet.admin, "POST", `/api/fleets/${fleet.id}/rules`, {
      name: "bad",
      metric: "traffic.month.both",
      aggregation: "last",
      windowS: 60,
      comparator: ">",
      threshold: 1,
    });
    expect(res.status).toBe(400);
    expect(res.json.message).toMatch(/traffic\.month\.tx/);
  });
});

describe("traffic counters for Prometheus", () => {
  it("exposes month-to-date bytes per host and interface as counters", async () => {
    const fleet = await createFleet();
    const t0 = Date.now();
    await settle(fleet, t0);
    const { client, hostId } = await registerHost(fleet.agent, hostInfo({ hostname: "edge-3" }));
    await client.push({
      samples: [sample(1, t0 - 10_000, rates(300, 200)), sample(2, t0 - 5000, rates(300, 200))],
    });
    const res = await call(`/api/fleets/${fleet.id}/metrics`, {
      headers: { Authorization: `Bearer ${fleet.viewer}` },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const labels = `host="edge-3",host_id="${hostId}",iface="eth0"`;
    expect(text).toContain("# TYPE fleetwatch_network_month_receive_bytes_total counter\n");
    expect(text).toContain(`fleetwatch_network_month_receive_bytes_total{${labels}} 3000\n`);
    expect(text).toContain("# TYPE fleetwatch_network_month_transmit_bytes_total counter\n");
    expect(text).toContain(`fleetwatch_network_month_transmit_bytes_total{${labels}} 2000\n`);
  });

  it("never shows a lower total within a period (a dip would read as a counter reset)", () => {
    const base: HostTraffic = {
      hostId: "h",
      hostname: "h",
      resetDay: 1,
      timeZone: "UTC",
      periodStart: 0,
      periodEnd: 1,
      rxBytes: 1000,
      txBytes: 500,
      interfaces: [{ name: "eth0", rxBytes: 1000, txBytes: 500 }],
      coveredS: 60,
    };
    const lower = {
      ...base,
      rxBytes: 990,
      txBytes: 600,
      interfaces: [{ name: "eth0", rxBytes: 990, txBytes: 600 }],
    };
    expect(monotonic(base, lower)).toMatchObject({
      rxBytes: 1000,
      txBytes: 600,
      interfaces: [{ name: "eth0", rxBytes: 1000, txBytes: 600 }],
    });
  });
});
