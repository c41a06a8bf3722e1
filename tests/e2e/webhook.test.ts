import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, info, sample } from "./clients";
import { type Hub, startHub } from "./hub";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A real webhook endpoint on loopback; `status` decides the answer. */
async function startReceiver() {
  const received: Received[] = [];
  const state = { status: 200 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        answered: state.status,
      });
      res.writeHead(state.status, { "content-type": "text/plain" }).end(state.status < 300 ? "ok" : "down");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    state,
    close: () => new Promise((r) => server.close(r)),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("alert webhooks end to end: wrangler dev + real receiver", () => {
  let hub: Hub;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  let tokens: Awaited<ReturnType<Hub["fleet"]>>;
  const FLEET = "alerts-e2e";

  async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await fetch(`${hub.url}/api/fleets/${FLEET}${path}`, {
      method,
      headers: { Authorization: `Bearer ${tokens.admin}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Runs the cron trigger once, as the runtime would, and waits for it to finish. */
  async function cron(): Promise<void> {
    const res = await fetch(`${hub.url}/cdn-cgi/local/scheduled?cron=*+*+*+*+*`);
    expect(res.status, await res.text()).toBe(200);
  }

  beforeAll(async () => {
    rx = await startReceiver();
    // First retry after ~1 s instead of 30 s, so the retry is observable here.
    hub = await startHub({ vars: { ALERT_RETRY_BASE_MS: "1000" } });
    tokens = await hub.fleet(FLEET);
    // Only this test's rules: built-in host-down would fire when the test host goes quiet.
    const list = await api<{ rules: { id: string }[] }>("GET", "/rules");
    for (const r of list.json.rules)
      expect((await api("PATCH", `/rules/${r.id}`, { enabled: false })).status).toBe(200);
  });

  afterAll(async () => {
    await hub?.dispose();
    await rx?.close();
  });

  it("delivers a signed, versioned payload, then retries through a 503 outage", async () => {
    const rule = await api("POST", "/rules", {
      name: "cpu over 5",
      metric: "cpu",
      aggregation: "last",
      windowS: 60,
      comparator: ">",
      threshold: 5,
      forS: 0,
    });
    expect(rule.status).toBe(201);
    const channel = await api<{ channel: { id: string }; secret: string }>("POST", "/channels", {
      name: "receiver",
      kind: "webhook",
      url: rx.url,
    });
    expect(channel.status).toBe(201);
    const secret = channel.json.secret;

    const hello = await connectClient(hub.url, tokens.agent).hello(info("e2e-host"));
    await connectClient(hub.url, tokens.agent, hello.hostId).push({ samples: [sample(1, 50)] });

    await cron();
    expect(rx.received).toHaveLength(1);
    const first = rx.received[0] as Received;
    expect(first.headers["content-type"]).toBe("application/json");
    const expected = createHmac("sha256", secret).update(first.body).digest("hex");
    expect(first.headers["x-fleetwatch-signature"]).toBe(`sha256=${expected}`);
    expect(first.headers["x-fleetwatch-delivery"]).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(first.body)).toEqual({
      version: 1,
      fleet: FLEET,
      status: "firing",
      // The default policy: one message per rule.
      groupKey: expect.stringMatching(/^[0-9a-f]{32}$/),
      groupLabels: { rule: "cpu over 5" },
      alerts: [
        {
          fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
          rule: "cpu over 5",
          severity: "warning",
          host: "e2e-host",
          hostId: hello.hostId,
          series: "cpu",
          labels: {},
          value: 50,
          threshold: 5,
          startsAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          endsAt: null,
          url: `${hub.url}/hosts/${hello.hostId}`,
          status: "firing",
        },
      ],
    });

    // The endpoint goes down; a second rule fires meanwhile.
    rx.state.status = 503;
    expect(
      (
        await api("POST", "/rules", {
          name: "cpu over 6",
          metric: "cpu",
          aggregation: "last",
          windowS: 60,
          comparator: ">",
          threshold: 6,
        })
      ).status,
    ).toBe(201);
    await cron();
    await sleep(1500);
    await cron();
    type N = {
      notifications: { status: string; attempts: number; lastStatus: number | null; lastError: string }[];
    };
    const during = await api<N>("GET", "/notifications?status=pending");
    expect(during.json.notifications).toHaveLength(1);
    expect(during.json.notifications[0]).toMatchObject({ status: "pending", lastStatus: 503 });
    expect(during.json.notifications[0]?.attempts).toBeGreaterThanOrEqual(1);
    expect(during.json.notifications[0]?.lastError).toMatch(/^HTTP 503/);

    // Back up: the queued notification arrives on a later run.
    rx.state.status = 200;
    const deadline = Date.now() + 30_000;
    for (;;) {
      await cron();
      if (rx.received.some((r) => r.answered === 200 && JSON.parse(r.body).alerts[0].rule === "cpu over 6"))
        break;
      if (Date.now() > deadline)
        throw new Error(`not redelivered: ${JSON.stringify(rx.received.map((r) => r.answered))}`);
      await sleep(1000);
    }
    const retries = rx.received.filter((r) => JSON.parse(r.body).alerts[0].rule === "cpu over 6");
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(new Set(retries.map((r) => r.headers["x-fleetwatch-delivery"])).size).toBe(1);
    for (const r of retries) {
      expect(r.headers["x-fleetwatch-signature"]).toBe(
        `sha256=${createHmac("sha256", secret).update(r.body).digest("hex")}`,
      );
    }
    const after = await api<N>("GET", "/notifications?status=all");
    expect(after.json.notifications.map((n) => n.status)).toEqual(["delivered", "delivered"]);
  });
});
