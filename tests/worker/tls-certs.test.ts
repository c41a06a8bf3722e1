import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { HostView, SeriesResult } from "../../worker/src/metrics/types";
import { alertRows, receiver, runCron } from "./alerts-helpers";
import { call, createFleet, registerHost, sample } from "./fixtures";

const DAY_S = 86_400;

/** A certificate as the agent reports it, expiring `days` after `nowMs`. */
function cert(name: string, nowMs: number, days: number | undefined, error = "") {
  return {
    name,
    target: `${name}.example.com:443`,
    ...(days === undefined ? {} : { notAfterS: BigInt(Math.floor(nowMs / 1000) + Math.round(days * DAY_S)) }),
    issuerCn: days === undefined ? "" : "Example CA",
    subjectCn: days === undefined ? "" : `${name}.example.com`,
    error,
    checkedMs: BigInt(nowMs - 1_000),
  };
}

async function get<T>(fleet: { id: string; viewer: string }, path: string): Promise<T> {
  const res = await call(`/api/fleets/${fleet.id}${path}`, {
    headers: { Authorization: `Bearer ${fleet.viewer}` },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

async function codeAndMessage(p: Promise<unknown>): Promise<[Code, string] | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    const err = ConnectError.from(e);
    return [err.code, err.rawMessage];
  }
}

describe("TLS certificates from agents", () => {
  it("shows each certificate in the host's state, with days left counted from the sample's time", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    const now = Date.now();
    await client.push({
      samples: [
        sample(1, now, {
          tlsCerts: [
            cert("web", now, 10.5),
            cert("old", now, -2, "certificate has expired (CERT_HAS_EXPIRED)"),
            cert("gone", now, undefined, "connection refused (ECONNREFUSED)"),
          ],
        }),
      ],
    });
    const { host } = await get<{ host: HostView }>(fleet, `/hosts/${hostId}`);
    expect(host.metrics.tlsCerts).toEqual([
      {
        name: "web",
        target: "web.example.com:443",
        notAfterS: Math.floor(now / 1000) + 10.5 * DAY_S,
        daysLeft: expect.closeTo(10.5, 1),
        issuerCn: "Example CA",
        subjectCn: "web.example.com",
        error: "",
        checkedMs: now - 1_000,
      },
      expect.objectContaining({
        name: "old",
        daysLeft: expect.closeTo(-2, 1),
        error: expect.stringMatching(/expired/),
      }),
      expect.objectContaining({ name: "gone", error: "connection refused (ECONNREFUSED)" }),
    ]);
    expect(host.metrics.tlsCerts?.[2]).not.toHaveProperty("daysLeft");
  });

  it("stores days left as the series tls.days:<name>", async () => {
    const fleet = await createFleet();
    const { client, hostId } = await registerHost(fleet.agent);
    const now = Date.now();
    await client.push({ samples: [sample(1, now, { tlsCerts: [cert("web", now, 30)] })] });
    const r = await get<SeriesResult>(
      fleet,
      `/hosts/${hostId}/series?metric=${encodeURIComponent("tls.days:web")}&from=${now - 60_000}&to=${now + 1}&step=5`,
    );
    expect(r.points.map((p) => p.max)).toEqual([30]);
  });

  it("fires the built-in rule for a certificate with less than 14 days left, and only for it", async () => {
    const fleet = await createFleet();
    const { client } = await registerHost(fleet.agent);
    const now = Date.now();
    await client.push({
      samples: [
        sample(1, now, {
          tlsCerts: [cert("soon", now, 5), cert("fine", now, 60), cert("gone", now, undefined, "refused")],
        }),
      ],
    });
    await runCron(fleet.id, now, receiver());
    const alerts = await alertRows(fleet.id);
    expect(alerts.map((a) => [a.state, a.rule_name, a.series])).toEqual([
      ["firing", "Certificate expires soon", "tls.days:soon"],
    ]);
    expect(alerts[0]?.value).toBeCloseTo(5, 1);
  });

  it("rejects duplicate or malformed check names and impossible times, naming the field", async () => {
    const fleet = await createFleet();
    const { client } = await registerHost(fleet.agent);
    const now = Date.now();
    const push = (tlsCerts: ReturnType<typeof cert>[]) =>
      codeAndMessage(client.push({ samples: [sample(1, now, { tlsCerts })] }));
    expect(await push([cert("web", now, 1), cert("web", now, 2)])).toEqual([
      Code.InvalidArgument,
      expect.stringMatching(/tls_certs\[1\]\.name "web" appears twice/),
    ]);
    expect(await push([cert("a:b", now, 1)])).toEqual([
      Code.InvalidArgument,
      expect.stringMatching(/tls_certs\[0\]\.name must be/),
    ]);
    expect(await push([{ ...cert("web", now, 1), notAfterS: -5n }])).toEqual([
      Code.InvalidArgument,
      expect.stringMatching(/tls_certs\[0\]\.not_after_s is out of range/),
    ]);
    expect(await push([{ ...cert("web", now, 1), checkedMs: BigInt(now + 3_600_000) }])).toEqual([
      Code.InvalidArgument,
      expect.stringMatching(/tls_certs\[0\]\.checked_ms/),
    ]);
    const many = Array.from({ length: 21 }, (_, i) => cert(`c${i}`, now, 30));
    expect(await push(many)).toEqual([Code.InvalidArgument, expect.stringMatching(/at most 20/)]);
  });
});
