import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { HOUR_MS, MINUTE_MS, packPoints, type RollupPoint } from "../../worker/src/fleet/rollup";
import { ROW_SPAN_MS } from "../../worker/src/fleet/rollup-store";
import { trafficPeriod } from "../../worker/src/traffic/period";
import type { HostTraffic } from "../../worker/src/traffic/totals";
import { call, createFleet, hostInfo, registerHost, sample } from "./fixtures";

type Fleet = Awaited<ReturnType<typeof createFleet>>;

async function api<T>(fleet: Fleet, path: string, init: RequestInit & { admin?: boolean } = {}) {
  const res = await call(`/api/fleets/${fleet.id}${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${init.admin ? fleet.admin : fleet.viewer}`,
      "Content-Type": "application/json",
    },
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Lays down stored rollup points as D1 holds them (the packed form every reader still reads). */
async function storeRollups(fleet: Fleet, hostId: string, tier: "1m" | "1h", points: RollupPoint[]) {
  const span = ROW_SPAN_MS[tier];
  const rows = new Map<number, RollupPoint[]>();
  for (const p of points) {
    const start = Math.floor(p.t / span) * span;
    rows.set(start, [...(rows.get(start) ?? []), p]);
  }
  await env.DB.batch(
    [...rows].map(([start, pts]) =>
      env.DB.prepare(
        `INSERT INTO rollups_${tier} (fleet_id, host_id, start, points) VALUES (?, ?, ?, ?)`,
      ).bind(fleet.id, hostId, start, packPoints(pts)),
    ),
  );
}

/** A rollup point of `n` 5 s samples at constant rates on eth0. */
const net = (t: number, n: number, rx: number, tx: number): RollupPoint => ({
  t,
  n,
  v: {
    "net.rx": [rx, rx, rx, rx],
    "net.tx": [tx, tx, tx, tx],
    "net.rx:eth0": [rx, rx, rx, rx],
    "net.tx:eth0": [tx, tx, tx, tx],
  },
});

describe("traffic period", () => {
  it("starts on the reset day at midnight in the fleet's time zone", () => {
    const s = { resetDay: 15, timeZone: "Europe/Berlin" };
    // 00:30 on 15 March in Berlin (UTC+1) is 23:30 UTC on the 14th: the new period has begun.
    const justAfter = trafficPeriod(Date.UTC(2026, 2, 14, 23, 30), s);
    expect(justAfter.start).toBe(Date.UTC(2026, 2, 14, 23, 0));
    // Its end is midnight on 15 April, summer time by then (UTC+2).
    expect(justAfter.end).toBe(Date.UTC(2026, 3, 14, 22, 0));
    // 23:30 on the 14th in Berlin still belongs to the period that began on 15 February.
    expect(trafficPeriod(Date.UTC(2026, 2, 14, 22, 30), s).start).toBe(Date.UTC(2026, 1, 14, 23, 0));
  });

  it("wraps from January to the previous December", () => {
    const p = trafficPeriod(Date.UTC(2026, 0, 3), { resetDay: 10, timeZone: "UTC" });
    expect(p).toEqual({ start: Date.UTC(2025, 11, 10), end: Date.UTC(2026, 0, 10) });
  });
});

describe("monthly traffic totals", () => {
  it("counts only the samples since the reset, exactly at a half-hour time zone's midnight", async () => {
    const fleet = await createFleet();
    const { hostId } = await registerHost(fleet.agent);
    const settings = { resetDay: 1, timeZone: "Asia/Kolkata" };
    expect(
      (await api(fleet, "/traffic/settings", { method: "PUT", admin: true, body: JSON.stringify(settings) }))
        .status,
    ).toBe(200);
    const { start } = trafficPeriod(Date.now(), settings);
    // Kolkata is UTC+5:30: the period starts half-way through a UTC hour.
    expect(start % HOUR_MS).toBe(30 * MINUTE_MS);
    const hourBefore = start - 30 * MINUTE_MS;
    // Minute points of the boundary hour: 30 before the reset (not counted), 30 after.
    const minutes = Array.from({ length: 60 }, (_, i) => net(hourBefore + i * MINUTE_MS, 12, 1000, 100));
    await storeRollups(fleet, hostId, "1m", minutes);
    // The whole boundary hour as an hour point too (as the hub writes it), and a full hour after.
    await storeRollups(fleet, hostId, "1h", [
      net(hourBefore - HOUR_MS, 720, 99_999, 99_999),
      net(hourBefore, 720, 1000, 100),
      net(hourBefore + HOUR_MS, 720, 2000, 300),
    ]);
    const { status, body } = await api<HostTraffic>(fleet, `/hosts/${hostId}/traffic`);
    expect(status).toBe(200);
    // 30 min × 60 s × 1000 B/s + 1 h × 3600 s × 2000 B/s.
    expect(body.rxBytes).toBe(1800 * 1000 + 3600 * 2000);
    expect(body.txBytes).toBe(1800 * 100 + 3600 * 300);
    expect(body.interfaces).toEqual([{ name: "eth0", rxBytes: body.rxBytes, txBytes: body.txBytes }]);
    expect(body).toMatchObject({ periodStart: start, resetDay: 1, timeZone: "Asia/Kolkata" });
  });

  it("counts nothing for a gap: hours without samples add no bytes and no covered time", async () => {
    const fleet = await createFleet();
    const { hostId } = await registerHost(fleet.agent);
    const { start } = trafficPeriod(Date.now(), { resetDay: 1, timeZone: "UTC" });
    const h0 = Math.ceil(start / HOUR_MS) * HOUR_MS;
    // One hour, then nothing for 5 h, then half an hour of samples (360 of 720).
    await storeRollups(fleet, hostId, "1h", [net(h0, 720, 500, 50), net(h0 + 6 * HOUR_MS, 360, 500, 50)]);
    const { body } = await api<HostTraffic>(fleet, `/hosts/${hostId}/traffic`);
    expect(body.rxBytes).toBe(5400 * 500);
    expect(body.txBytes).toBe(5400 * 50);
    expect(body.coveredS).toBe(5400);
  });

  it("sums each sample's rate × interval across an agent restart, from the raw window", async () => {
    const fleet = await createFleet();
    await api(fleet, "/traffic/settings", {
      method: "PUT",
      admin: true,
      body: JSON.stringify({ resetDay: 1, timeZone: "UTC" }),
    });
    const info = hostInfo();
    const first = await registerHost(fleet.agent, info);
    const now = Date.now();
    const rates = (rx: number, tx: number) => ({ net: [{ name: "eth0", rxBytesPerS: rx, txBytesPerS: tx }] });
    await first.client.push({
      samples: [sample(1, now - 300_000, rates(100, 10)), sample(2, now - 295_000, rates(200, 20))],
    });
    // The agent restarts: a new Hello of the same machine, a minute without samples, then on.
    const second = await registerHost(fleet.agent, info);
    expect(second.hostId).toBe(first.hostId);
    await second.client.push({
      samples: [sample(3, now - 230_000, rates(300, 30)), sample(4, now - 225_000, rates(400, 40))],
    });
    const { body } = await api<{ hosts: HostTraffic[] }>(fleet, "/traffic");
    expect(body.hosts).toHaveLength(1);
    expect(body.hosts[0]).toMatchObject({
      hostId: first.hostId,
      rxBytes: (100 + 200 + 300 + 400) * 5,
      txBytes: (10 + 20 + 30 + 40) * 5,
      coveredS: 20,
    });
  });

  it("refuses a reset day past 28 and an unknown time zone with a message", async () => {
    const fleet = await createFleet();
    const bad = await api<{ error: string; message: string }>(fleet, "/traffic/settings", {
      method: "PUT",
      admin: true,
      body: JSON.stringify({ resetDay: 31, timeZone: "Mars/Olympus" }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/resetDay|timeZone/);
    const viewer = await api(fleet, "/traffic/settings", {
      method: "PUT",
      body: JSON.stringify({ resetDay: 5, timeZone: "UTC" }),
    });
    expect(viewer.status).toBe(403);
  });
});
