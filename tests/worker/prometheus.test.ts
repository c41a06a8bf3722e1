import { describe, expect, it } from "vitest";
import { call, createFleet, hostInfo, registerHost, sample } from "./fixtures";

describe("GET /api/fleets/:fleet/metrics", () => {
  it("exposes a pushed sample in the Prometheus text format", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent, hostInfo({ hostname: "web-7" }));
    await client.push({ samples: [sample(1)] });

    const res = await call(`/api/fleets/${fleet.id}/metrics`, {
      headers: { Authorization: `Bearer ${fleet.viewer}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    const labels = `host="web-7",host_id="${hostId}"`;
    expect(text).toContain(`fleetwatch_host_up{${labels},status="online"} 1\n`);
    expect(text).toContain(`fleetwatch_cpu_percent{${labels}} 12.5\n`);
    expect(text).toContain(`fleetwatch_disk_percent{${labels},mount="/"} 40\n`);
    expect(text).toContain(`fleetwatch_net_rx_bytes_per_second{${labels},iface="eth0"} 1000\n`);
  });

  it("accepts an admin token", async () => {
    const fleet = await createFleet();
    const res = await call(`/api/fleets/${fleet.id}/metrics`, {
      headers: { Authorization: `Bearer ${fleet.admin}` },
    });
    expect(res.status).toBe(200);
  });

  it("answers a token of another fleet with 404", async () => {
    const fleet = await createFleet();
    const other = await createFleet();
    const res = await call(`/api/fleets/${fleet.id}/metrics`, {
      headers: { Authorization: `Bearer ${other.viewer}` },
    });
    expect(res.status).toBe(404);
  });

  it("refuses an agent token and a missing token", async () => {
    const fleet = await createFleet();
    const agent = await call(`/api/fleets/${fleet.id}/metrics`, {
      headers: { Authorization: `Bearer ${fleet.agent}` },
    });
    expect(agent.status).toBe(403);
    expect((await call(`/api/fleets/${fleet.id}/metrics`)).status).toBe(401);
  });
});
