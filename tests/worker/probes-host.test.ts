import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { slackBody } from "../../worker/src/alerts/chat-formats";
import type { AlertPayload } from "../../worker/src/alerts/payload";
import { hostNote, probeNote } from "../../worker/src/probes/host-note";
import { api, createChannel, receiver, runCron } from "./alerts-helpers";
import { createFleet, hostInfo, registerHost, sample } from "./fixtures";
import { closedTarget, createProbe, getProbe, runProbesAt, targetUrl } from "./probes-helpers";

type Fleet = Awaited<ReturnType<typeof createFleet>>;

/** A fleet with a webhook channel and one host that sent one sample; returns when it was seen. */
async function fleetWithHost(hostname: string) {
  const fleet = await createFleet();
  await createChannel(fleet);
  const host = await registerHost(fleet.agent, hostInfo({ hostname, intervalS: 5 }));
  await host.client.push({ samples: [sample(1)] });
  const view = await env.FLEET.get(env.FLEET.idFromName(fleet.id)).getHost(host.hostId);
  return { fleet, hostId: host.hostId, lastSeen: view?.lastSeen ?? 0 };
}

/** The probe checks, then the cron finds the host 4 intervals silent: Host down fires and is delivered. */
async function hostDownPayload(fleet: Fleet, lastSeen: number): Promise<AlertPayload> {
  const rx = receiver();
  await runProbesAt(lastSeen + 20_000);
  await runCron(fleet.id, lastSeen + 20_000, rx);
  const payloads = rx.payloads<AlertPayload>();
  expect(payloads).toHaveLength(1);
  return payloads[0] as AlertPayload;
}

describe("a probe that watches a host", () => {
  it("links to a host of its fleet, and refuses a host of another fleet or none", async () => {
    const { fleet, hostId } = await fleetWithHost("web-1");
    const other = await fleetWithHost("theirs");
    const id = await createProbe(fleet, { name: "web", target: targetUrl("/ok"), hostId });
    expect((await getProbe(fleet, id)) as unknown).toMatchObject({ hostId });
    for (const bad of [other.hostId, "no-such-host"]) {
      const res = await api<{ error: string; message: string }>(
        fleet.admin,
        "POST",
        `/api/fleets/${fleet.id}/probes`,
        { name: `x-${bad.slice(0, 8)}`, target: targetUrl("/ok"), hostId: bad },
      );
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ error: "invalid_request", message: "hostId: no such host in this fleet" });
    }
    const patched = await api(fleet.admin, "PATCH", `/api/fleets/${fleet.id}/probes/${id}`, {
      hostId: other.hostId,
    });
    expect(patched.status).toBe(400);
    const unlinked = await api<{ probe: { hostId: string | null } }>(
      fleet.admin,
      "PATCH",
      `/api/fleets/${fleet.id}/probes/${id}`,
      { hostId: null },
    );
    expect(unlinked.json.probe.hostId).toBeNull();
  });

  it("says in the Host down notification that the host still answers when its probe is up", async () => {
    const { fleet, hostId, lastSeen } = await fleetWithHost("db-1");
    const port = new URL(targetUrl("/")).port;
    await createProbe(fleet, { name: "db-web", target: targetUrl("/ok"), hostId });
    const p = await hostDownPayload(fleet, lastSeen);
    expect(p.alerts).toHaveLength(1);
    const [alert] = p.alerts;
    expect(alert).toMatchObject({ rule: "Host down", host: "db-1", hostId });
    expect(alert?.note).toMatch(
      new RegExp(`^agent silent, host answers on ${port} \\(HTTP 200 in \\d+ ms\\)$`),
    );
    // Every channel's text carries it (the line each format is built from).
    expect(slackBody(p).text).toContain(`· agent silent, host answers on ${port} (HTTP 200 in`);
  });

  it("says the host is unreachable when its probe is refused", async () => {
    const { fleet, hostId, lastSeen } = await fleetWithHost("db-2");
    const target = closedTarget();
    await createProbe(fleet, { name: "db-port", target, hostId });
    const p = await hostDownPayload(fleet, lastSeen);
    expect(p.alerts[0]).toMatchObject({
      rule: "Host down",
      host: "db-2",
      note: `unreachable on ${target.split(":")[1]}: connection refused`,
    });
  });

  it("adds no note for a host without a probe", async () => {
    const { fleet, lastSeen } = await fleetWithHost("lonely");
    await createProbe(fleet, { name: "elsewhere", target: targetUrl("/ok") });
    const p = await hostDownPayload(fleet, lastSeen);
    expect(p.alerts[0]).toMatchObject({ rule: "Host down", host: "lonely" });
    expect(p.alerts[0]).not.toHaveProperty("note");
  });

  it("links a probe's alert to its row on the probes page", async () => {
    const fleet = await createFleet();
    await createChannel(fleet);
    await api(fleet.admin, "GET", `/api/fleets/${fleet.id}/rules`);
    await env.DB.prepare("UPDATE alert_rules SET enabled = 0 WHERE fleet_id = ? AND builtin = 'host-down'")
      .bind(fleet.id)
      .run();
    const id = await createProbe(fleet, { name: "shop", target: targetUrl("/status/500") });
    const rx = receiver();
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
    for (const at of [t0, t0 + 60_000]) {
      await runProbesAt(at);
      await runCron(fleet.id, at, rx);
    }
    const [p] = rx.payloads<AlertPayload>();
    expect(p?.alerts[0]).toMatchObject({ rule: "Probe down", hostId: `probe:${id}` });
    expect(p?.alerts[0]?.url).toBe(`http://fleetwatch.test/probes#probe%3A${id}`);
  });
});

describe("the note of a host's probes", () => {
  const probe = {
    name: "web",
    kind: "http" as const,
    target: "https://db.example.com/health",
    enabled: true,
    intervalS: 60,
    lastCheckedAt: 1_000_000,
    lastUp: true,
    lastLatencyMs: 35,
    lastStatus: 200,
    lastError: null,
  };

  it("says the host answers, on the URL's port, when the check got an answer", () => {
    expect(probeNote(probe, 1_030_000)).toBe("agent silent, host answers on 443 (HTTP 200 in 35 ms)");
    expect(
      probeNote(
        { ...probe, lastUp: false, lastStatus: 503, lastError: "HTTP 503, expected 200-399" },
        1_030_000,
      ),
    ).toBe("agent silent, host answers on 443 but the check fails: HTTP 503, expected 200-399");
  });

  it("says how old a check is past the probe's interval, and nothing for a paused probe", () => {
    expect(probeNote(probe, 1_000_000 + 12 * 60_000)).toBe(
      "agent silent, host answers on 443 (HTTP 200 in 35 ms), checked 12 min ago",
    );
    expect(probeNote({ ...probe, enabled: false }, 1_030_000)).toBeUndefined();
    expect(probeNote({ ...probe, lastCheckedAt: null }, 1_030_000)).toBeUndefined();
  });

  it("names each probe when a host has several", () => {
    const ssh = {
      ...probe,
      name: "ssh",
      kind: "tcp" as const,
      target: "db.example.com:22",
      lastUp: false,
      lastStatus: null,
      lastLatencyMs: 10_000,
      lastError: "no connection within 10000 ms",
    };
    expect(hostNote([probe, ssh], 1_030_000)).toBe(
      "probe ssh: unreachable on 22: no connection within 10000 ms; probe web: agent silent, host answers on 443 (HTTP 200 in 35 ms)",
    );
  });
});
