import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, receiver, runCron, withoutBuiltins } from "./alerts-helpers";
import { call, createFleet, hostInfo, registerHost, sample } from "./fixtures";
import { createProbe, runProbesAt, targetUrl } from "./probes-helpers";

type Err = { error: string; message: string };

async function setPage(fleet: { id: string; admin: string }, body: Record<string, unknown>) {
  return api<{ statusPage: Record<string, unknown> } & Err>(
    fleet.admin,
    "PUT",
    `/api/fleets/${fleet.id}/status-page`,
    body,
  );
}

type Fleet = Awaited<ReturnType<typeof createFleet>>;

const slug = () => `st-${crypto.randomUUID().slice(0, 8)}`;

describe("public status page", () => {
  it("shows only the chosen probes and hosts under their public names, without signing in", async () => {
    const fleet = await createFleet();
    const shown = await createProbe(fleet, { name: "internal-api-eu", target: targetUrl("/ok") });
    const hidden = await createProbe(fleet, { name: "secret-admin-panel", target: targetUrl("/ok") });
    const host = await registerHost(
      fleet.agent,
      hostInfo({ hostname: "db-primary-7", labels: { team: "payments-internal" } }),
    );
    await host.client.push({ samples: [sample(1)] });
    await runProbesAt(Date.now() + 1000);
    const s = slug();
    const put = await setPage(fleet, {
      slug: s,
      title: "Acme status",
      enabled: true,
      entries: [
        { kind: "probe", id: shown, name: "API" },
        { kind: "host", id: host.hostId, name: "Database" },
      ],
      note: "Maintenance on Sunday",
    });
    expect(put.status).toBe(200);
    const res = await call(`/status/${s}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("cache-control")).toBe("public, max-age=30");
    const html = await res.text();
    expect(html).toContain("Acme status");
    expect(html).toContain("API");
    expect(html).toContain("Database");
    expect(html).toContain("Maintenance on Sunday");
    expect(html).toContain("All systems operational");
    for (const secret of [
      "internal-api-eu",
      "secret-admin-panel",
      "db-primary-7",
      "payments-internal",
      shown,
      hidden,
      host.hostId,
      "127.0.0.1",
    ]) {
      expect(html).not.toContain(secret);
    }
    const json = await (await call(`/status/${s}.json`)).json<{ entries: unknown[]; status: string }>();
    expect(json).toMatchObject({
      title: "Acme status",
      status: "operational",
      entries: [
        { name: "API", kind: "probe", status: "up", uptime: 100 },
        { name: "Database", kind: "host", status: "up" },
      ],
      incidents: [],
    });
    expect((json.entries[0] as { days: unknown[] }).days).toHaveLength(90);
    const text = JSON.stringify(json);
    for (const secret of ["internal-api-eu", "db-primary-7", "payments-internal", shown, host.hostId]) {
      expect(text).not.toContain(secret);
    }
  });

  it("escapes every string the fleet wrote", async () => {
    const fleet = await createFleet();
    const id = await createProbe(fleet, { name: "p", target: targetUrl("/ok") });
    const s = slug();
    await setPage(fleet, {
      slug: s,
      title: `<script>alert(1)</script>`,
      enabled: true,
      entries: [{ kind: "probe", id, name: `"><img src=x onerror=alert(2)>` }],
      note: "<b>bold</b> & co",
    });
    const html = await (await call(`/status/${s}`)).text();
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("<b>bold");
    expect(html).toContain("&#60;script&#62;alert(1)&#60;/script&#62;");
    expect(html).toContain("&#60;b&#62;bold&#60;/b&#62; &#38; co");
  });

  it("lists firing alerts of chosen entries as incidents and reports the outage", async () => {
    const fleet = await createFleet();
    await withoutBuiltins(fleet);
    const id = await createProbe(fleet, { name: "checkout", target: targetUrl("/status/500") });
    const other = await createProbe(fleet, { name: "unchosen", target: targetUrl("/status/500") });
    const rx = receiver();
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
    for (const at of [t0, t0 + 60_000]) {
      await runProbesAt(at);
      await runCron(fleet.id, at, rx);
    }
    const s = slug();
    await setPage(fleet, {
      slug: s,
      title: "Shop",
      enabled: true,
      entries: [{ kind: "probe", id, name: "Checkout" }],
    });
    const json = await (await call(`/status/${s}.json`)).json<{
      status: string;
      incidents: { name: string; title: string }[];
    }>();
    expect(json.status).toBe("outage");
    expect(json.incidents).toEqual([expect.objectContaining({ name: "Checkout", title: "Probe down" })]);
    expect(JSON.stringify(json)).not.toContain(other);
  });

  it("is absent when disabled or unknown, in HTML and JSON", async () => {
    const fleet = await createFleet();
    const s = slug();
    await setPage(fleet, { slug: s, title: "Off", enabled: false, entries: [] });
    expect((await call(`/status/${s}`)).status).toBe(404);
    const json = await call(`/status/${s}.json`);
    expect(json.status).toBe(404);
    expect(await json.json()).toMatchObject({ error: "not_found" });
    expect((await call("/status/no-such-page")).status).toBe(404);
    expect((await call("/status/Bad..Slug")).status).toBe(404);
  });

  it("refuses bad settings, entries of other fleets, taken addresses and non-admins", async () => {
    const fleet = await createFleet();
    const other = await createFleet();
    const foreign = await createProbe(other, { name: "theirs", target: targetUrl("/ok") });
    const bad = await setPage(fleet, { slug: "A b", title: "x", enabled: true, entries: [] });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain("slug:");
    const stolen = await setPage(fleet, {
      slug: slug(),
      title: "x",
      enabled: true,
      entries: [{ kind: "probe", id: foreign, name: "Theirs" }],
    });
    expect(stolen.status).toBe(400);
    expect(stolen.json.message).toBe("entries.0.id: no such probe");
    const s = slug();
    expect((await setPage(other, { slug: s, title: "x", enabled: true, entries: [] })).status).toBe(200);
    expect((await setPage(fleet, { slug: s, title: "x", enabled: true, entries: [] })).status).toBe(409);
    const viewer = await api(fleet.viewer, "PUT", `/api/fleets/${fleet.id}/status-page`, {
      slug: slug(),
      title: "x",
      enabled: true,
      entries: [],
    });
    expect(viewer.status).toBe(403);
    expect((await api(fleet.viewer, "GET", `/api/fleets/${fleet.id}/status-page`)).status).toBe(403);
  });
});

describe("hosts' uptime bars on the status page", () => {
  const DAY = 86_400_000;
  const HOUR = 3_600_000;

  /** A Host down episode (series '') or another alert of a host, as evaluation writes them. */
  async function episode(fleetId: string, hostId: string, from: number, to: number | null, series = "") {
    const id = crypto.randomUUID();
    await env.DB.prepare(
      `INSERT INTO alerts (id, fleet_id, fingerprint, rule_id, rule_name, severity, host_id, hostname, series,
         labels, state, value, threshold, pending_since, starts_at, ends_at, last_notified_at, version, updated_at)
       VALUES (?1, ?2, ?1, 'rule', 'Host down', 'critical', ?3, 'h', ?4, '{}', ?5, 4, 3, ?6, ?6, ?7, ?6, 0, ?6)`,
    )
      .bind(id, fleetId, hostId, series, to === null ? "firing" : "resolved", from, to)
      .run();
  }

  /** When the host's history began (its placement row, written at its first rollup flush). */
  async function historySince(fleetId: string, hostId: string, at: number) {
    await env.DB.prepare(
      "INSERT OR REPLACE INTO history_placement (fleet_id, host_id, database, placed_at) VALUES (?1, ?2, 'DB', ?3)",
    )
      .bind(fleetId, hostId, at)
      .run();
  }

  type HostBars = {
    uptime: number | null;
    days: { day: number; uptime: number | null; downMinutes: number }[];
  };

  /** Publishes a page with the host alone; its entry as the public JSON shows it, and the page's slug. */
  async function hostEntry(fleet: Fleet, hostId: string): Promise<HostBars & { slug: string }> {
    const s = slug();
    await setPage(fleet, {
      slug: s,
      title: "Hosts",
      enabled: true,
      entries: [{ kind: "host", id: hostId, name: "Db" }],
    });
    const json = await (await call(`/status/${s}.json`)).json<{ entries: HostBars[] }>();
    const [entry] = json.entries;
    if (!entry) throw new Error("the page shows no entry");
    return { ...entry, slug: s };
  }

  it("counts the time a host's Host down alerts fired, day by day, from its first history on", async () => {
    const fleet = await createFleet();
    const host = await registerHost(fleet.agent, hostInfo({ hostname: "db-1" }));
    const other = await registerHost(fleet.agent, hostInfo({ hostname: "db-2" }));
    await host.client.push({ samples: [sample(1)] });
    const today = Math.floor(Date.now() / DAY) * DAY;
    // History began at noon 10 days ago; 6 h down two days ago, 1 h of it twice (two rules).
    await historySince(fleet.id, host.hostId, today - 10 * DAY + 12 * HOUR);
    await episode(fleet.id, host.hostId, today - 2 * DAY + 10 * HOUR, today - 2 * DAY + 16 * HOUR);
    await episode(fleet.id, host.hostId, today - 2 * DAY + 15 * HOUR, today - 2 * DAY + 16 * HOUR);
    // Neither a cpu alert of the host nor another host's Host down counts.
    await episode(fleet.id, host.hostId, today - 3 * DAY, today - 3 * DAY + 12 * HOUR, "cpu");
    await episode(fleet.id, other.hostId, today - 4 * DAY, today - 4 * DAY + 12 * HOUR);
    const entry = await hostEntry(fleet, host.hostId);
    const days = entry.days;
    expect(days).toHaveLength(90);
    const at = (t: number) => days.find((d) => d.day === t);
    expect(at(today - 11 * DAY)).toEqual({ day: today - 11 * DAY, uptime: null, downMinutes: 0 });
    expect(at(today - 10 * DAY)).toEqual({ day: today - 10 * DAY, uptime: 100, downMinutes: 0 });
    expect(at(today - 4 * DAY)?.uptime).toBe(100);
    expect(at(today - 3 * DAY)?.uptime).toBe(100);
    expect(at(today - 2 * DAY)).toEqual({ day: today - 2 * DAY, uptime: 75, downMinutes: 360 });
    expect(at(today)?.uptime).toBe(100);
    expect(days.filter((d) => d.uptime === null)).toHaveLength(79);
    // 6 h down out of the 9.5 days known up to now.
    const known = Date.now() - (today - 10 * DAY + 12 * HOUR);
    expect(entry.uptime).toBeCloseTo(100 * (1 - (6 * HOUR) / known), 1);
    const html = await (await call(`/status/${entry.slug}`)).text();
    expect(html).toContain(`${new Date(today - 2 * DAY).toISOString().slice(0, 10)}: 75 % up (360 min down)`);
  });

  it("counts a Host down alert that still fires up to now", async () => {
    const fleet = await createFleet();
    const host = await registerHost(fleet.agent, hostInfo({ hostname: "gone" }));
    await host.client.push({ samples: [sample(1)] });
    const today = Math.floor(Date.now() / DAY) * DAY;
    // Placed at 0: history from before placement began, so every day is known.
    await historySince(fleet.id, host.hostId, 0);
    await episode(fleet.id, host.hostId, today - DAY, null);
    const { days } = await hostEntry(fleet, host.hostId);
    expect(days.filter((d) => d.uptime === null)).toHaveLength(0);
    expect(days.slice(-2).map((d) => d.uptime)).toEqual([0, 0]);
    expect(days[0]?.uptime).toBe(100);
  });
});
