import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DAY_MS } from "../../worker/src/probes/history-codec";
import { api } from "./alerts-helpers";
import { createFleet } from "./fixtures";
import {
  closedTarget,
  createProbe,
  getProbe,
  type ProbeJson,
  runProbesAt,
  targetUrl,
} from "./probes-helpers";

type Err = { error: string; message: string };

describe("probes API", () => {
  it("creates an HTTP probe with defaults and a TCP probe from host:port", async () => {
    const fleet = await createFleet();
    const res = await api<{ probe: Record<string, unknown> }>(
      fleet.admin,
      "POST",
      `/api/fleets/${fleet.id}/probes`,
      {
        name: "site",
        target: targetUrl("/ok"),
      },
    );
    expect(res.status).toBe(201);
    expect(res.json.probe).toMatchObject({
      name: "site",
      kind: "http",
      method: "GET",
      expectStatusMin: 200,
      expectStatusMax: 399,
      keyword: null,
      timeoutMs: 10_000,
      followRedirects: true,
      headerNames: [],
      intervalS: 60,
      enabled: true,
      last: null,
      uptime: { h24: null, d7: null, d30: null },
    });
    const tcp = await api<{ probe: { kind: string } }>(
      fleet.admin,
      "POST",
      `/api/fleets/${fleet.id}/probes`,
      {
        name: "db",
        target: "127.0.0.1:5432",
      },
    );
    expect(tcp.json.probe.kind).toBe("tcp");
  });

  it("refuses bad probes with a message naming the field", async () => {
    const fleet = await createFleet();
    const post = (body: unknown) => api<Err>(fleet.admin, "POST", `/api/fleets/${fleet.id}/probes`, body);
    const cases: [unknown, string][] = [
      [{ name: "a", target: "ftp://example.com" }, "target: an http probe needs"],
      [{ name: "a", kind: "tcp", target: "example.com" }, "target: a tcp probe needs host:port"],
      [{ name: "a", target: "https://u:p@example.com/" }, "target: no credentials in the URL"],
      [{ name: "a", target: "https://example.com/", intervalS: 30 }, "intervalS:"],
      [
        { name: "a", target: "https://example.com/", expectStatusMin: 300, expectStatusMax: 200 },
        "expectStatusMax:",
      ],
      [{ name: "a*", target: "https://example.com/" }, "name: must not contain * or ?"],
      [{ name: "a", target: "https://example.com/", headers: { "Bad Header": "x" } }, "headers.Bad Header"],
      [{ name: "a", target: "https://example.com/", surprise: 1 }, "Unrecognized key"],
    ];
    for (const [body, message] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error).toBe("invalid_request");
      expect(res.json.message).toContain(message);
    }
  });

  it("never returns header values, keeps them across a PATCH and replaces them on request", async () => {
    const fleet = await createFleet();
    const id = await createProbe(fleet, {
      name: "auth",
      target: targetUrl("/echo-headers"),
      headers: { Authorization: "Bearer sekret-value" },
      keyword: '"authorization":"Bearer ',
    });
    const list = await api(fleet.viewer, "GET", `/api/fleets/${fleet.id}/probes`);
    expect(JSON.stringify(list.json)).not.toContain("sekret-value");
    const patched = await api<{ probe: ProbeJson }>(
      fleet.admin,
      "PATCH",
      `/api/fleets/${fleet.id}/probes/${id}`,
      {
        intervalS: 300,
      },
    );
    expect(patched.json.probe.headerNames).toEqual(["Authorization"]);
    await runProbesAt(Date.now() + 1000);
    expect((await getProbe(fleet, id)).last?.up).toBe(true);
  });

  it("lets viewers read and only admins write; other fleets see nothing", async () => {
    const fleet = await createFleet();
    const other = await createFleet();
    const id = await createProbe(fleet, { name: "p", target: targetUrl("/ok") });
    expect((await api(fleet.viewer, "GET", `/api/fleets/${fleet.id}/probes/${id}`)).status).toBe(200);
    const write = await api<Err>(fleet.viewer, "POST", `/api/fleets/${fleet.id}/probes`, {
      name: "x",
      target: "a:1",
    });
    expect(write.status).toBe(403);
    expect((await api(fleet.viewer, "DELETE", `/api/fleets/${fleet.id}/probes/${id}`)).status).toBe(403);
    expect((await api(other.admin, "GET", `/api/fleets/${fleet.id}/probes/${id}`)).status).toBe(404);
    expect((await api(other.admin, "GET", `/api/fleets/${other.id}/probes/${id}`)).status).toBe(404);
    expect((await api(other.admin, "DELETE", `/api/fleets/${other.id}/probes/${id}`)).status).toBe(404);
  });

  it("refuses a duplicate name with 409", async () => {
    const fleet = await createFleet();
    await createProbe(fleet, { name: "same", target: targetUrl("/ok") });
    const res = await api<Err>(fleet.admin, "POST", `/api/fleets/${fleet.id}/probes`, {
      name: "same",
      target: "a:1",
    });
    expect(res.status).toBe(409);
  });

  it("checks now on request and records it like a cron check", async () => {
    const fleet = await createFleet();
    const id = await createProbe(fleet, { name: "now", target: `http://${closedTarget()}/` });
    const res = await api<{ result: { up: boolean; outcome: string } }>(
      fleet.admin,
      "POST",
      `/api/fleets/${fleet.id}/probes/${id}/check`,
    );
    expect(res.json.result).toMatchObject({ up: false, outcome: "refused" });
    expect((await getProbe(fleet, id)).last).toMatchObject({ up: false, failures: 1 });
  });
});

describe("probe history", () => {
  it("keeps every check: results over a range, days and uptime", async () => {
    const fleet = await createFleet();
    const id = await createProbe(fleet, { name: "hist", target: targetUrl("/toggle/history") });
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
    const setToggle = (state: string) => fetch(targetUrl(`/toggle/history/${state}`));
    await setToggle("up");
    await runProbesAt(t0);
    await runProbesAt(t0 + 60_000);
    await setToggle("down");
    await runProbesAt(t0 + 120_000);
    await setToggle("up");
    await runProbesAt(t0 + 180_000);
    const res = await api<{ results: { at: number; up: boolean; outcome: string; status: number | null }[] }>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/probes/${id}/results?from=${t0 - 1}&to=${t0 + 10 * 60_000}`,
    );
    expect(res.json.results.map((r) => [r.at - t0, r.outcome, r.status])).toEqual([
      [0, "up", 200],
      [60_000, "up", 200],
      [120_000, "status", 503],
      [180_000, "up", 200],
    ]);
    const days = await api<{ days: { day: number; checks: number; up: number }[] }>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/probes/${id}/days`,
    );
    expect(days.json.days.reduce((n, d) => n + d.checks, 0)).toBe(4);
    expect(days.json.days.reduce((n, d) => n + d.up, 0)).toBe(3);
    expect(days.json.days.every((d) => d.day % DAY_MS === 0)).toBe(true);
    const probe = await getProbe(fleet, id);
    expect(probe.uptime.d7).toBe(75);
    expect(probe.last).toMatchObject({ up: true, failures: 0 });
  });

  it("stores the packed checks byte for byte through SQL appends", async () => {
    const fleet = await createFleet();
    const id = await createProbe(fleet, { name: "bytes", target: targetUrl("/ok") });
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
    for (let i = 0; i < 5; i++) await runProbesAt(t0 + i * 60_000);
    const row = await env.DB.prepare(
      "SELECT typeof(data) AS t, length(data) AS n FROM probe_days WHERE probe_id = ?",
    )
      .bind(id)
      .first<{ t: string; n: number }>();
    expect(row).toEqual({ t: "blob", n: 1 + 5 * 7 });
  });

  it("refuses a results range over 7 days", async () => {
    const fleet = await createFleet();
    const id = await createProbe(fleet, { name: "r", target: targetUrl("/ok") });
    const res = await api<Err>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/probes/${id}/results?from=0&to=${8 * DAY_MS}`,
    );
    expect(res.status).toBe(400);
    expect(res.json.message).toContain("7 days");
  });
});
