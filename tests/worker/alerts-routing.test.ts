import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  api,
  createChannel,
  createCpuRule,
  notificationRows,
  receiver,
  runCron,
  withoutBuiltins,
} from "./alerts-helpers";
import { createFleet, hostInfo, registerHost, sample } from "./fixtures";

const MIN = 60_000;

type Fleet = Awaited<ReturnType<typeof createFleet>>;

interface Sent {
  status: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  alerts: { rule: string; host: string; status: string; value: number }[];
}

/** A CPU rule that fires at once, and hosts pushing the given CPU. */
async function cpuFleet(hosts: { hostname: string; labels?: Record<string, string>; cpu: number }[]) {
  const fleet = await createFleet();
  await withoutBuiltins(fleet);
  await createCpuRule(fleet);
  const clients = [];
  for (const h of hosts) {
    const { client } = await registerHost(
      fleet.agent,
      hostInfo({ hostname: h.hostname, labels: h.labels ?? {} }),
    );
    await client.push({ samples: [sample(1, Date.now(), { cpu: { totalPct: h.cpu, perCorePct: [] } })] });
    clients.push(client);
  }
  return { fleet, clients };
}

function hook(fleet: Fleet, name: string) {
  return createChannel(fleet, { name, kind: "webhook", url: `https://hooks.example.test/${name}` });
}

async function policy(fleet: Fleet, body: Record<string, unknown>) {
  const res = await api<{ policy: { id: string } }>(
    fleet.admin,
    "POST",
    `/api/fleets/${fleet.id}/policies`,
    body,
  );
  if (res.status !== 201) throw new Error(`policy not created: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json.policy.id;
}

/** Queues an alert event directly: the dispatcher's input, as evaluation writes it. */
async function queueEvent(
  fleetId: string,
  host: string,
  status: "firing" | "resolved",
  at: number,
  labels: Record<string, string> = {},
) {
  const alert = {
    fingerprint: `fp-${host}`,
    rule: "disk full",
    severity: "critical",
    host,
    hostId: `h-${host}`,
    series: "disk:/",
    labels,
    value: 97,
    threshold: 90,
    startsAt: new Date(at).toISOString(),
    endsAt: status === "resolved" ? new Date(at).toISOString() : null,
    url: `http://fleetwatch.test/hosts/h-${host}`,
    status,
  };
  await env.DB.prepare(
    "INSERT INTO alert_events (fleet_id, alert_id, event, alert, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
  )
    .bind(fleetId, `alert-${host}`, status, JSON.stringify(alert), at)
    .run();
}

const hostsOf = (p: Sent) => p.alerts.map((a) => `${a.host}:${a.status}`).sort();

describe("notification grouping", () => {
  it("sends one message per rule for every host that fired in the run, then one listing the resolve", async () => {
    const { fleet, clients } = await cpuFleet([
      { hostname: "web-1", cpu: 99 },
      { hostname: "web-2", cpu: 97 },
      { hostname: "web-3", cpu: 95 },
    ]);
    await hook(fleet, "ops");
    const rx = receiver();
    await runCron(fleet.id, Date.now(), rx);
    const [first] = rx.payloads<Sent>();
    expect(rx.calls).toHaveLength(1);
    expect(first?.status).toBe("firing");
    expect(first?.groupLabels).toEqual({ rule: "cpu high" });
    expect(hostsOf(first as Sent)).toEqual(["web-1:firing", "web-2:firing", "web-3:firing"]);

    await clients[1]?.push({ samples: [sample(2, Date.now(), { cpu: { totalPct: 3, perCorePct: [] } })] });
    await runCron(fleet.id, Date.now(), rx);
    const second = rx.payloads<Sent>()[1] as Sent;
    expect(rx.calls).toHaveLength(2);
    // Still firing as a group; the resolved host is listed once, then leaves the group.
    expect(second.status).toBe("firing");
    expect(second.groupKey).toBe(first?.groupKey);
    expect(hostsOf(second)).toEqual(["web-1:firing", "web-2:resolved", "web-3:firing"]);
  });

  it("holds a new group for group_wait and spaces its next messages by group_interval", async () => {
    const fleet = await createFleet();
    await hook(fleet, "ops");
    const set = await api(fleet.admin, "PATCH", `/api/fleets/${fleet.id}/policies/default`, {
      groupWaitS: 120,
      groupIntervalS: 300,
    });
    expect(set.status).toBe(200);
    const rx = receiver();
    const t0 = Date.UTC(2026, 11, 7, 12, 0);
    await queueEvent(fleet.id, "db-1", "firing", t0);
    await runCron(fleet.id, t0, rx);
    await queueEvent(fleet.id, "db-2", "firing", t0 + MIN);
    await runCron(fleet.id, t0 + MIN, rx);
    expect(rx.calls).toHaveLength(0); // group_wait: 2 min from the group's first alert
    await runCron(fleet.id, t0 + 2 * MIN, rx);
    expect(rx.payloads<Sent>().map(hostsOf)).toEqual([["db-1:firing", "db-2:firing"]]);

    await queueEvent(fleet.id, "db-3", "firing", t0 + 3 * MIN);
    await runCron(fleet.id, t0 + 3 * MIN, rx);
    await runCron(fleet.id, t0 + 6 * MIN, rx);
    expect(rx.calls).toHaveLength(1); // group_interval: 5 min after the last message
    await runCron(fleet.id, t0 + 7 * MIN, rx);
    expect(rx.payloads<Sent>().map(hostsOf)[1]).toEqual(["db-1:firing", "db-2:firing", "db-3:firing"]);
  });

  it("never announces a resolve of an alert whose firing was never sent", async () => {
    const fleet = await createFleet();
    await hook(fleet, "ops");
    await api(fleet.admin, "PATCH", `/api/fleets/${fleet.id}/policies/default`, { groupWaitS: 120 });
    const rx = receiver();
    const t0 = Date.UTC(2026, 11, 7, 12, 0);
    await queueEvent(fleet.id, "db-1", "firing", t0);
    await queueEvent(fleet.id, "db-1", "resolved", t0 + 30_000);
    await runCron(fleet.id, t0 + MIN, rx);
    await runCron(fleet.id, t0 + 3 * MIN, rx);
    expect(rx.calls).toHaveLength(0);
    const groups = await env.DB.prepare("SELECT COUNT(*) AS n FROM alert_groups WHERE fleet_id = ?1")
      .bind(fleet.id)
      .first<{ n: number }>();
    expect(groups?.n).toBe(0);
  });
});

describe("notification policies", () => {
  it("routes by the first matching policy, goes on past those that continue, and falls back to the default", async () => {
    const { fleet } = await cpuFleet([
      { hostname: "prod-1", labels: { env: "prod" }, cpu: 99 },
      { hostname: "dev-1", labels: { env: "dev" }, cpu: 99 },
    ]);
    const a = await hook(fleet, "a");
    const b = await hook(fleet, "b");
    const c = await hook(fleet, "c");
    const d = await hook(fleet, "d");
    await policy(fleet, {
      name: "prod to a, and on",
      matchers: { labels: { env: "prod" } },
      channelIds: [a.id],
      continue: true,
      groupBy: ["host"],
    });
    await policy(fleet, { name: "prod to b, stop", matchers: { host: "PROD-*" }, channelIds: [b.id] });
    await policy(fleet, { name: "never reached for prod", matchers: { rule: "cpu*" }, channelIds: [c.id] });
    await api(fleet.admin, "PATCH", `/api/fleets/${fleet.id}/policies/default`, { channelIds: [d.id] });
    const rx = receiver();
    await runCron(fleet.id, Date.now(), rx);
    const by = (name: string) =>
      rx.calls
        .filter((x) => x.url.endsWith(`/${name}`))
        .flatMap((x) => (JSON.parse(x.body) as Sent).alerts.map((al) => al.host))
        .sort();
    expect(by("a")).toEqual(["prod-1"]);
    expect(by("b")).toEqual(["prod-1"]);
    // dev-1 matches the third policy (rule cpu*), which does not continue: the default is not used.
    expect(by("c")).toEqual(["dev-1"]);
    expect(by("d")).toEqual([]);
    // Each policy groups on its own: the first one by host.
    const groupsOfA = rx.calls
      .filter((x) => x.url.endsWith("/a"))
      .map((x) => (JSON.parse(x.body) as Sent).groupLabels);
    expect(groupsOfA).toEqual([{ host: "prod-1" }]);
    // Each channel's delivery history on its own.
    const history = await api<{
      notifications: { channelId: string; groupKey: string; summary: { alerts: number } }[];
    }>(fleet.viewer, "GET", `/api/fleets/${fleet.id}/notifications?channelId=${c.id}`);
    expect(history.json.notifications.map((n) => [n.channelId, n.summary.alerts])).toEqual([[c.id, 1]]);
    expect(history.json.notifications[0]?.groupKey).toMatch(/^[0-9a-f]{32}$/);
  });

  it("sends alerts no policy matches by the default, to every enabled channel when it names none", async () => {
    const { fleet } = await cpuFleet([{ hostname: "edge-1", cpu: 99 }]);
    await hook(fleet, "a");
    await hook(fleet, "b");
    await policy(fleet, { name: "only db hosts", matchers: { host: "db-*" }, channelIds: [] });
    const rx = receiver();
    await runCron(fleet.id, Date.now(), rx);
    expect(rx.calls.map((x) => x.url).sort()).toEqual([
      "https://hooks.example.test/a",
      "https://hooks.example.test/b",
    ]);
  });

  it("lists, reorders and deletes policies; refuses other fleets' channels and a default with matchers", async () => {
    const fleet = await createFleet();
    const other = await createFleet();
    const foreign = await hook(other, "theirs");
    const p1 = await policy(fleet, { name: "one" });
    const p2 = await policy(fleet, { name: "two", position: 0 });
    const list = await api<{ policies: { id: string; isDefault: boolean }[] }>(
      fleet.admin,
      "GET",
      `/api/fleets/${fleet.id}/policies`,
    );
    expect(list.json.policies.map((p) => p.id)).toEqual([p2, p1, "default"]);
    const reordered = await api<{ policies: { id: string }[] }>(
      fleet.admin,
      "PUT",
      `/api/fleets/${fleet.id}/policies/order`,
      {
        ids: [p1, p2],
      },
    );
    expect(reordered.json.policies.map((p) => p.id)).toEqual([p1, p2, "default"]);
    const partial = await api(fleet.admin, "PUT", `/api/fleets/${fleet.id}/policies/order`, { ids: [p1] });
    expect(partial.status).toBe(400);

    const stolen = await api<{ message: string }>(
      fleet.admin,
      "PATCH",
      `/api/fleets/${fleet.id}/policies/${p1}`,
      {
        channelIds: [foreign.id],
      },
    );
    expect(stolen.status).toBe(400);
    expect(stolen.json.message).toContain("in this fleet");
    const defMatch = await api(fleet.admin, "PATCH", `/api/fleets/${fleet.id}/policies/default`, {
      matchers: { host: "x" },
    });
    expect(defMatch.status).toBe(400);
    expect((await api(fleet.admin, "DELETE", `/api/fleets/${fleet.id}/policies/default`)).status).toBe(400);
    // Another fleet's admin does not learn the fleet exists.
    expect((await api(other.admin, "DELETE", `/api/fleets/${fleet.id}/policies/${p1}`)).status).toBe(404);
    expect((await api(fleet.admin, "DELETE", `/api/fleets/${fleet.id}/policies/${p1}`)).status).toBe(204);
    const bad = await api<{ message: string }>(fleet.admin, "POST", `/api/fleets/${fleet.id}/policies`, {
      name: "bad",
      groupBy: ["...", "rule"],
    });
    expect(bad.status).toBe(400);
  });
});

describe("mute time intervals", () => {
  // Friday 2026-12-04 22:30 in New York is Saturday 03:30 UTC.
  const FRI_2230_NY = Date.UTC(2026, 11, 5, 3, 30);
  const SAT_0630_NY = Date.UTC(2026, 11, 5, 11, 30);
  const SAT_0730_NY = Date.UTC(2026, 11, 5, 12, 30);

  async function quietFleet() {
    const fleet = await createFleet();
    await hook(fleet, "ops");
    const res = await api<{ muteInterval: { id: string; active: boolean } }>(
      fleet.admin,
      "POST",
      `/api/fleets/${fleet.id}/mute-intervals`,
      {
        name: "Friday nights",
        timeZone: "America/New_York",
        times: [{ weekdays: ["fri"], start: "22:00", end: "07:00" }],
      },
    );
    expect(res.status).toBe(201);
    const mute = res.json.muteInterval.id;
    await api(fleet.admin, "PATCH", `/api/fleets/${fleet.id}/policies/default`, { muteIntervalIds: [mute] });
    return { fleet, mute };
  }

  it("mutes Friday night in the interval's time zone, into Saturday morning, then sends what still fires", async () => {
    const { fleet } = await quietFleet();
    const rx = receiver();
    await queueEvent(fleet.id, "db-1", "firing", FRI_2230_NY);
    await runCron(fleet.id, FRI_2230_NY, rx); // Saturday in UTC, Friday night in New York
    await runCron(fleet.id, SAT_0630_NY, rx); // past midnight, still quiet
    expect(rx.calls).toHaveLength(0);
    await runCron(fleet.id, SAT_0730_NY, rx);
    expect(rx.payloads<Sent>().map(hostsOf)).toEqual([["db-1:firing"]]);
    // Evaluation and the queue went on: the notification row is there, delivered.
    expect((await notificationRows(fleet.id)).map((n) => n.status)).toEqual(["delivered"]);
  });

  it("mutes a one-off maintenance window and keeps unrelated policies sending", async () => {
    const fleet = await createFleet();
    const a = await hook(fleet, "a");
    const b = await hook(fleet, "b");
    const t0 = Date.UTC(2026, 11, 8, 9, 0);
    const res = await api<{ muteInterval: { id: string } }>(
      fleet.admin,
      "POST",
      `/api/fleets/${fleet.id}/mute-intervals`,
      {
        name: "db maintenance",
        timeZone: "UTC",
        windows: [{ startsAt: t0 - MIN, endsAt: t0 + 30 * MIN, comment: "upgrade" }],
      },
    );
    await policy(fleet, {
      name: "db team",
      matchers: { labels: { team: "db" } },
      channelIds: [a.id],
      muteIntervalIds: [res.json.muteInterval.id],
    });
    await api(fleet.admin, "PATCH", `/api/fleets/${fleet.id}/policies/default`, { channelIds: [b.id] });
    const rx = receiver();
    await queueEvent(fleet.id, "db-1", "firing", t0, { team: "db" });
    await queueEvent(fleet.id, "web-1", "firing", t0, { team: "web" });
    await runCron(fleet.id, t0, rx);
    expect(rx.calls.map((x) => x.url)).toEqual(["https://hooks.example.test/b"]);
    await runCron(fleet.id, t0 + 31 * MIN, rx);
    expect(rx.calls.map((x) => x.url)).toEqual([
      "https://hooks.example.test/b",
      "https://hooks.example.test/a",
    ]);
  });

  it("shows whether an interval is active, validates zones and times, and refuses deleting one in use", async () => {
    const { fleet, mute } = await quietFleet();
    const badZone = await api<{ message: string }>(
      fleet.admin,
      "POST",
      `/api/fleets/${fleet.id}/mute-intervals`,
      {
        name: "x",
        timeZone: "Mars/Olympus",
        times: [{ start: "01:00", end: "02:00" }],
      },
    );
    expect(badZone.status).toBe(400);
    expect(badZone.json.message).toContain("IANA time zone");
    const badTime = await api(fleet.admin, "POST", `/api/fleets/${fleet.id}/mute-intervals`, {
      name: "x",
      timeZone: "UTC",
      times: [{ start: "25:00", end: "02:00" }],
    });
    expect(badTime.status).toBe(400);
    const empty = await api(fleet.admin, "POST", `/api/fleets/${fleet.id}/mute-intervals`, {
      name: "x",
      timeZone: "UTC",
    });
    expect(empty.status).toBe(400);
    const inUse = await api<{ message: string }>(
      fleet.admin,
      "DELETE",
      `/api/fleets/${fleet.id}/mute-intervals/${mute}`,
    );
    expect(inUse.status).toBe(409);
    expect(inUse.json.message).toContain('"Default"');
    const list = await api<{ muteIntervals: { id: string; active: boolean }[] }>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/mute-intervals`,
    );
    expect(list.json.muteIntervals.map((m) => m.id)).toEqual([mute]);
    expect(typeof list.json.muteIntervals[0]?.active).toBe("boolean");
  });
});
