import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { alertDeps } from "../../worker/src/alerts/deps";
import { runAlerts } from "../../worker/src/alerts/engine";
import worker from "../../worker/src/index";
import {
  api,
  createChannel,
  createCpuRule,
  createRule,
  notificationRows,
  receiver,
  runCron,
  withoutBuiltins,
} from "./alerts-helpers";
import { createFleet, ingestClient, registerHost, sample } from "./fixtures";

const MIN = 60_000;
const HOUR = 60 * MIN;

// The signatures are recomputed here from the specifications, not with the
// product's signing code, so a wrong key, message or encoding fails.
const utf8 = new TextEncoder();

function base64Bytes(s: string): Uint8Array {
  const std = s.replaceAll("-", "+").replaceAll("_", "/");
  return Uint8Array.from(atob(std.padEnd(Math.ceil(std.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
}

async function hmac(key: Uint8Array, message: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, utf8.encode(message)));
}

/** `X-Fleetwatch-Signature`: hex HMAC-SHA256 of the body keyed with the secret's UTF-8 bytes. */
async function legacySignature(secret: string, body: string): Promise<string> {
  return `sha256=${[...(await hmac(utf8.encode(secret), body))].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * `webhook-signature` per Standard Webhooks 1.0: `v1,` + base64 HMAC-SHA256
 * of `<id>.<timestamp>.<body>`, keyed with the base64-decoded part of a
 * `whsec_` secret (fleetwatch: the UTF-8 bytes of any other secret).
 */
async function standardSignature(secret: string, id: string, timestamp: string, body: string) {
  const key = secret.startsWith("whsec_") ? base64Bytes(secret.slice(6)) : utf8.encode(secret);
  return `v1,${btoa(String.fromCharCode(...(await hmac(key, `${id}.${timestamp}.${body}`))))}`;
}

const nowS = () => Math.floor(Date.now() / 1000);

/** A fleet whose one host crosses a `for: 0` CPU rule at the first run. */
async function firingFleet(channel?: Record<string, unknown>) {
  const fleet = await createFleet();
  await withoutBuiltins(fleet);
  await createCpuRule(fleet);
  const ch = await createChannel(fleet, channel);
  const { client, hostId } = await registerHost(fleet.agent);
  await client.push({ samples: [sample(1, Date.now(), { cpu: { totalPct: 99, perCorePct: [] } })] });
  return { fleet, channel: ch, hostId };
}

describe("notification delivery", () => {
  it("sends the versioned payload signed with the channel secret", async () => {
    const { fleet, channel, hostId } = await firingFleet();
    const rx = receiver();
    const t0 = Date.now();
    await runCron(fleet.id, t0, rx);
    expect(rx.calls).toHaveLength(1);
    const [call] = rx.calls;
    if (!call || !channel.secret) throw new Error("no call or secret");
    expect(call.url).toBe("https://hooks.example.test/in");
    expect(call.headers.get("content-type")).toBe("application/json");
    expect(call.headers.get("x-fleetwatch-signature")).toBe(await legacySignature(channel.secret, call.body));
    const [row] = await notificationRows(fleet.id);
    expect(call.headers.get("x-fleetwatch-delivery")).toBe(row?.id);
    const body = JSON.parse(call.body);
    expect(body).toEqual({
      version: 1,
      fleet: fleet.id,
      status: "firing",
      // The default policy groups by rule.
      groupKey: expect.stringMatching(/^[0-9a-f]{32}$/),
      groupLabels: { rule: "cpu high" },
      alerts: [
        {
          fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
          rule: "cpu high",
          severity: "warning",
          host: "web-1",
          hostId,
          series: "cpu",
          labels: {},
          value: 99,
          threshold: 50,
          startsAt: new Date(t0).toISOString(),
          endsAt: null,
          url: `http://fleetwatch.test/hosts/${hostId}`,
          status: "firing",
        },
      ],
    });
  });

  it("retries after a 5xx with backoff, with the same idempotency key, until delivered", async () => {
    const { fleet } = await firingFleet();
    const rx = receiver((n) => (n <= 2 ? 503 : 200));
    const t0 = Date.now();
    await runCron(fleet.id, t0, rx);
    let [row] = await notificationRows(fleet.id);
    expect(row).toMatchObject({ status: "pending", attempts: 1, last_status: 503 });
    expect(row?.last_error).toMatch(/^HTTP 503/);
    // 30 s base, jitter pinned to 1.0 by the test's random().
    expect(row?.next_attempt_at).toBe(t0 + 30_000);

    await runCron(fleet.id, t0 + 10_000, rx); // not due yet
    expect(rx.calls).toHaveLength(1);
    await runCron(fleet.id, t0 + MIN, rx);
    [row] = await notificationRows(fleet.id);
    expect(row).toMatchObject({ status: "pending", attempts: 2, next_attempt_at: t0 + MIN + 60_000 });
    await runCron(fleet.id, t0 + 2 * MIN, rx);
    [row] = await notificationRows(fleet.id);
    expect(row).toMatchObject({ status: "delivered", attempts: 3, last_status: 200, last_error: null });
    expect(new Set(rx.calls.map((c) => c.headers.get("x-fleetwatch-delivery"))).size).toBe(1);

    const hist = await api<{ notifications: { status: string; attempts: number; channel: string }[] }>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/notifications`,
    );
    expect(hist.json.notifications).toMatchObject([{ status: "delivered", attempts: 3, channel: "hook" }]);
  });

  it("delivers everything queued while an endpoint was down for 10 minutes", async () => {
    const { fleet } = await firingFleet();
    let down = true;
    const rx = receiver(() => (down ? 503 : 200));
    const t0 = Date.now();
    await runCron(fleet.id, t0, rx);
    const test = await api(fleet.admin, "POST", `/api/fleets/${fleet.id}/rules`, {
      name: "cpu very high",
      metric: "cpu",
      aggregation: "last",
      windowS: 60,
      comparator: ">",
      threshold: 60,
    });
    expect(test.status).toBe(201);
    for (let m = 1; m <= 10; m++) await runCron(fleet.id, t0 + m * MIN, rx);
    expect((await notificationRows(fleet.id)).every((n) => n.status === "pending")).toBe(true);
    down = false;
    for (let m = 11; m <= 30; m++) await runCron(fleet.id, t0 + m * MIN, rx);
    const rows = await notificationRows(fleet.id);
    expect(rows.map((n) => [n.event, n.status])).toEqual([
      ["firing", "delivered"],
      ["firing", "delivered"],
    ]);
  });

  it("marks a notification failed after 24 h of failures", async () => {
    const { fleet } = await firingFleet();
    const rx = receiver(() => 500);
    const t0 = Date.now();
    await runCron(fleet.id, t0, rx);
    for (let h = 1; h <= 25; h++) await runCron(fleet.id, t0 + h * HOUR, rx);
    const [row] = await notificationRows(fleet.id);
    expect(row).toMatchObject({ status: "failed", last_status: 500 });
    expect(row?.attempts).toBeGreaterThan(20);
  });

  it("does not retry a 404: the channel needs fixing", async () => {
    const { fleet } = await firingFleet();
    const rx = receiver(() => 404);
    await runCron(fleet.id, Date.now(), rx);
    const [row] = await notificationRows(fleet.id);
    expect(row).toMatchObject({ status: "failed", attempts: 1, last_status: 404 });
  });

  it("records a timeout and moves on when an endpoint hangs", async () => {
    const { fleet } = await firingFleet();
    const deps = alertDeps(env, {
      timeoutMs: 200,
      fetch: (_url, init) =>
        new Promise((_resolve, reject) => {
          init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        }),
    });
    await runAlerts(env, Date.now(), deps, fleet.id);
    const [row] = await notificationRows(fleet.id);
    expect(row).toMatchObject({
      status: "pending",
      attempts: 1,
      last_status: null,
      last_error: "timed out after 200 ms",
    });
  });

  it("renders Slack and Discord bodies", async () => {
    const { fleet } = await firingFleet({
      name: "slack",
      kind: "slack",
      url: "https://hooks.slack.test/services/T/B/X",
    });
    await createChannel(fleet, {
      name: "discord",
      kind: "discord",
      url: "https://discord.test/api/webhooks/1/abc",
    });
    const rx = receiver();
    await runCron(fleet.id, Date.now(), rx);
    const bodies = Object.fromEntries(rx.calls.map((c) => [new URL(c.url).hostname, JSON.parse(c.body)]));
    expect(bodies["hooks.slack.test"]).toMatchObject({
      text: expect.stringContaining("FIRING [warning] cpu high on web-1 cpu: 99"),
      blocks: [{ type: "section" }, { type: "context" }],
    });
    expect(bodies["discord.test"]).toMatchObject({
      content: expect.stringContaining("cpu high"),
      embeds: [{ title: expect.stringContaining("web-1"), fields: expect.any(Array) }],
    });
    expect(rx.calls.every((c) => c.headers.get("x-fleetwatch-signature") === null)).toBe(true);
    expect(rx.calls.every((c) => c.headers.get("webhook-signature") === null)).toBe(true);
  });

  it("renders ntfy, Gotify and Teams requests the way each service reads them", async () => {
    const { fleet, hostId } = await firingFleet({
      name: "ntfy",
      kind: "ntfy",
      url: "https://ntfy.test/ops-alerts",
    });
    await createChannel(fleet, {
      name: "gotify",
      kind: "gotify",
      url: "https://gotify.test/message?token=AbC",
    });
    await createChannel(fleet, {
      name: "teams",
      kind: "teams",
      url: "https://teams.test/workflows/1/invoke",
    });
    const rx = receiver();
    await runCron(fleet.id, Date.now(), rx);
    const by = (host: string) => rx.calls.find((c) => new URL(c.url).hostname === host);

    // ntfy: plain text to the topic URL, the rest in headers.
    const ntfy = by("ntfy.test");
    expect(ntfy?.url).toBe("https://ntfy.test/ops-alerts");
    expect(ntfy?.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(ntfy?.body).toContain("FIRING [warning] cpu high on web-1 cpu: 99");
    expect([ntfy?.headers.get("title"), ntfy?.headers.get("priority"), ntfy?.headers.get("tags")]).toEqual([
      "FIRING: cpu high",
      "4",
      "rotating_light",
    ]);
    expect(ntfy?.headers.get("click")).toMatch(new RegExp(`/hosts/${hostId}$`));

    // Gotify: JSON with a priority and the host's page as the click URL; the token stays in the URL.
    const gotify = by("gotify.test");
    expect(gotify?.url).toBe("https://gotify.test/message?token=AbC");
    expect(JSON.parse(gotify?.body ?? "{}")).toMatchObject({
      title: "FIRING: cpu high",
      message: expect.stringContaining("web-1"),
      priority: 6,
      extras: { "client::notification": { click: { url: expect.stringContaining(`/hosts/${hostId}`) } } },
    });

    // Teams: one Adaptive Card in a message, with the facts and a button to the host.
    const teams = JSON.parse(by("teams.test")?.body ?? "{}");
    expect(teams.type).toBe("message");
    const card = teams.attachments[0];
    expect(card.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(card.content).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
    expect(card.content.body[0]).toMatchObject({
      type: "TextBlock",
      color: "Attention",
      text: expect.stringContaining("cpu high"),
    });
    expect(card.content.body.at(-1).facts).toContainEqual({ title: "host", value: "web-1" });
    expect(card.content.actions[0]).toMatchObject({
      type: "Action.OpenUrl",
      url: expect.stringContaining(hostId),
    });

    // None of them is signed: only generic webhooks carry signatures.
    expect(rx.calls.every((c) => c.headers.get("webhook-signature") === null)).toBe(true);
  });

  it("opens a PagerDuty incident keyed by the alert's fingerprint and resolves the same one", async () => {
    const routingKey = "R0UT1NGKEY0123456789abcdefABCDEF";
    const { fleet, hostId } = await firingFleet({
      name: "pd",
      kind: "pagerduty",
      url: "https://events.pagerduty.test/v2/enqueue",
      secret: routingKey,
    });
    const rx = receiver();
    const t0 = Date.now();
    await runCron(fleet.id, t0, rx);
    const trigger = JSON.parse(rx.calls[0]?.body ?? "{}");
    expect(rx.calls[0]?.url).toBe("https://events.pagerduty.test/v2/enqueue");
    expect(trigger).toMatchObject({
      routing_key: routingKey,
      event_action: "trigger",
      dedup_key: expect.stringMatching(/.+/),
      payload: {
        summary: expect.stringContaining("cpu high on web-1"),
        source: "web-1",
        severity: "warning",
        class: "cpu high",
        custom_details: { host_id: hostId, value: 99, threshold: 50 },
      },
      links: [{ href: expect.stringContaining(`/hosts/${hostId}`) }],
    });
    // The rule clears: the resolve names the same incident.
    await ingestClient(fleet.agent, hostId).push({
      samples: [sample(2, Date.now(), { cpu: { totalPct: 5, perCorePct: [] } })],
    });
    await runCron(fleet.id, t0 + 60_000, rx);
    const resolve = JSON.parse(rx.calls.at(-1)?.body ?? "{}");
    expect([resolve.event_action, resolve.dedup_key]).toEqual(["resolve", trigger.dedup_key]);
  });

  it("sends Telegram HTML with everything from the fleet escaped, to the chat named in its URL", async () => {
    const { fleet } = await firingFleet({
      name: "tg",
      kind: "telegram",
      url: "https://api.telegram.test/bot123:ABC/sendMessage?chat_id=-1001234",
    });
    const rx = receiver();
    await runCron(fleet.id, Date.now(), rx);
    const body = JSON.parse(rx.calls[0]?.body ?? "{}");
    expect(body).toMatchObject({ chat_id: "-1001234", parse_mode: "HTML" });
    expect(body.text).toMatch(/^<b>FIRING \[warning\] cpu high on web-1 cpu: 99/);
    expect(body.reply_markup.inline_keyboard[0][0]).toMatchObject({ text: "Open host" });
    const bad = await api(fleet.admin, "POST", `/api/fleets/${fleet.id}/channels`, {
      name: "tg2",
      kind: "telegram",
      url: "https://api.telegram.org/bot123:ABC/sendMessage",
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain("chat_id=<chat id>");
  });

  it("posts to Alertmanager's API v2 with labels to route on, and refuses a PagerDuty channel without a routing key", async () => {
    const { fleet, hostId } = await firingFleet({
      name: "am",
      kind: "alertmanager",
      url: "http://am.test:9093/",
    });
    const rx = receiver();
    const now = Date.now();
    await runCron(fleet.id, now, rx);
    expect(rx.calls[0]?.url).toBe("http://am.test:9093/api/v2/alerts");
    const [alert] = JSON.parse(rx.calls[0]?.body ?? "[]");
    expect(alert.labels).toMatchObject({
      alertname: "cpu high",
      severity: "warning",
      host: "web-1",
      host_id: hostId,
      fleet: fleet.id,
      series: "cpu",
    });
    expect(Date.parse(alert.endsAt)).toBeGreaterThan(now + 6 * 86_400_000);
    expect(alert.generatorURL).toContain(`/hosts/${hostId}`);
    const noKey = await api(fleet.admin, "POST", `/api/fleets/${fleet.id}/channels`, {
      name: "pd",
      kind: "pagerduty",
      url: "https://events.pagerduty.com/v2/enqueue",
    });
    expect(noKey.status).toBe(400);
    expect(JSON.stringify(noKey.json)).toContain("routing key");
  });

  it("runs from the scheduled handler and records a delivery failure in D1", async () => {
    const { fleet } = await firingFleet({ name: "nowhere", kind: "webhook", url: "http://127.0.0.1:9/hook" });
    const t = Date.now();
    await worker.scheduled(createScheduledController({ scheduledTime: t, cron: "* * * * *" }), env);
    const [row] = await notificationRows(fleet.id);
    expect(row).toMatchObject({ event: "firing", status: "pending", attempts: 1 });
    expect(row?.last_error).toMatch(/network|connect|refused/i);
  });
});

describe("Standard Webhooks headers", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("signs id, attempt timestamp and body with the decoded key of a generated whsec_ secret", async () => {
    const { fleet, channel } = await firingFleet();
    const secret = channel.secret ?? "";
    // The spec's format, in the standard alphabet its reference libraries decode: 32 random bytes.
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const rx = receiver();
    const before = nowS();
    await runCron(fleet.id, Date.now(), rx);
    const after = nowS();
    const [call] = rx.calls;
    if (!call) throw new Error("not delivered");
    const [row] = await notificationRows(fleet.id);
    const id = call.headers.get("webhook-id");
    const ts = call.headers.get("webhook-timestamp") ?? "";
    expect(id).toBe(row?.id);
    expect(id).toBe(call.headers.get("x-fleetwatch-delivery"));
    expect(ts).toMatch(/^\d+$/);
    expect(Number(ts)).toBeGreaterThanOrEqual(before);
    expect(Number(ts)).toBeLessThanOrEqual(after);
    expect(call.headers.get("webhook-signature")).toBe(
      await standardSignature(secret, row?.id ?? "", ts, call.body),
    );
    expect(call.headers.get("x-fleetwatch-signature")).toBe(await legacySignature(secret, call.body));
  });

  it("keys a secret without the whsec_ prefix with its UTF-8 bytes, for both signatures", async () => {
    const secret = "an-older-shared-secret-42";
    const { fleet } = await firingFleet({
      name: "hook",
      kind: "webhook",
      url: "https://hooks.example.test/in",
      secret,
    });
    const rx = receiver();
    await runCron(fleet.id, Date.now(), rx);
    const [call] = rx.calls;
    if (!call) throw new Error("not delivered");
    const id = call.headers.get("webhook-id") ?? "";
    const ts = call.headers.get("webhook-timestamp") ?? "";
    expect(call.headers.get("webhook-signature")).toBe(await standardSignature(secret, id, ts, call.body));
    expect(call.headers.get("x-fleetwatch-signature")).toBe(await legacySignature(secret, call.body));
  });

  it("decodes a URL-safe, unpadded whsec_ secret as generated before (existing channels keep working)", async () => {
    // What newSigningSecret() used to make: 32 random bytes, URL-safe alphabet, no padding.
    const secret = "whsec_oqOkpaanqKmqq6ytrq-wsbKztLW2t7i5uru8vb6_wME";
    const { fleet } = await firingFleet({
      name: "hook",
      kind: "webhook",
      url: "https://hooks.example.test/in",
      secret,
    });
    const rx = receiver();
    await runCron(fleet.id, Date.now(), rx);
    const [call] = rx.calls;
    if (!call) throw new Error("not delivered");
    const id = call.headers.get("webhook-id") ?? "";
    const ts = call.headers.get("webhook-timestamp") ?? "";
    const key = base64Bytes(secret.slice(6));
    expect([...key]).toEqual(Array.from({ length: 32 }, (_, i) => 162 + i));
    const signed = await hmac(key, `${id}.${ts}.${call.body}`);
    expect(call.headers.get("webhook-signature")).toBe(`v1,${btoa(String.fromCharCode(...signed))}`);
    expect(call.headers.get("x-fleetwatch-signature")).toBe(await legacySignature(secret, call.body));
  });

  it("refuses a new whsec_ secret that is not the base64 of 24 to 64 bytes", async () => {
    const fleet = await createFleet();
    for (const secret of ["whsec_not*base64*at*all!!", `whsec_${btoa("sixteen byte key")}`]) {
      const res = await api<{ message: string }>(fleet.admin, "POST", `/api/fleets/${fleet.id}/channels`, {
        name: "hook",
        kind: "webhook",
        url: "https://hooks.example.test/in",
        secret,
      });
      expect(res.status, secret).toBe(400);
      expect(res.json.message).toMatch(/^secret: .*base64 of 24 to 64/);
    }
  });

  it("keeps webhook-id across retries and stamps each attempt with its own time", async () => {
    const { fleet, channel } = await firingFleet();
    const rx = receiver((n) => (n === 1 ? 503 : 200));
    const t0 = Date.now();
    const before1 = nowS();
    await runCron(fleet.id, t0, rx);
    const after1 = nowS();
    // A real second between the attempts: the timestamp is the attempt's clock, in whole seconds.
    await new Promise((r) => setTimeout(r, 1100));
    const before2 = nowS();
    await runCron(fleet.id, t0 + MIN, rx);
    const after2 = nowS();
    expect(rx.calls).toHaveLength(2);
    const [first, second] = rx.calls;
    if (!first || !second) throw new Error("two attempts expected");
    const [row] = await notificationRows(fleet.id);
    expect(row).toMatchObject({ status: "delivered", attempts: 2 });
    expect(first.headers.get("webhook-id")).toBe(row?.id);
    expect(second.headers.get("webhook-id")).toBe(row?.id);
    const ts1 = Number(first.headers.get("webhook-timestamp"));
    const ts2 = Number(second.headers.get("webhook-timestamp"));
    expect(ts1).toBeGreaterThanOrEqual(before1);
    expect(ts1).toBeLessThanOrEqual(after1);
    expect(ts2).toBeGreaterThanOrEqual(before2);
    expect(ts2).toBeLessThanOrEqual(after2);
    expect(ts2).toBeGreaterThan(ts1);
    // Same body, new timestamp: each attempt carries its own valid signature.
    expect(second.body).toBe(first.body);
    for (const c of [first, second]) {
      expect(c.headers.get("webhook-signature")).toBe(
        await standardSignature(
          channel.secret ?? "",
          c.headers.get("webhook-id") ?? "",
          c.headers.get("webhook-timestamp") ?? "",
          c.body,
        ),
      );
    }
  });

  it("gives every message its own webhook-id", async () => {
    const { fleet } = await firingFleet();
    await createChannel(fleet, { name: "second", kind: "webhook", url: "https://hooks2.example.test/in" });
    await createRule(fleet, {
      name: "cpu very high",
      metric: "cpu",
      aggregation: "last",
      windowS: 60,
      comparator: ">",
      threshold: 60,
    });
    const rx = receiver();
    await runCron(fleet.id, Date.now(), rx);
    // Two alerts to two channels: four messages.
    expect(rx.calls).toHaveLength(4);
    const ids = rx.calls.map((c) => c.headers.get("webhook-id"));
    expect(ids.every((id) => typeof id === "string" && /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(4);
    expect(new Set(ids)).toEqual(new Set((await notificationRows(fleet.id)).map((r) => r.id)));
  });
});

describe("test notification", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Presses a channel's Test button; returns what the channel received. */
  async function sendTest(fleet: { id: string; admin: string }, channelId: string) {
    const sent: { url: string; headers: Headers; body: string }[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      sent.push({ url: String(input), headers: new Headers(init?.headers), body: String(init?.body) });
      return new Response("ok");
    });
    const res = await api<{ id: string; delivered: boolean }>(
      fleet.admin,
      "POST",
      `/api/fleets/${fleet.id}/channels/${channelId}/test`,
    );
    vi.restoreAllMocks();
    expect(res.status).toBe(200);
    expect(res.json.delivered).toBe(true);
    expect(sent).toHaveLength(1);
    return { res: res.json, call: sent[0] as (typeof sent)[number] };
  }

  it("says status test and links to the dashboard's channels, not to a host", async () => {
    const fleet = await createFleet();
    const ch = await createChannel(fleet);
    const before = Date.now();
    const { res, call } = await sendTest(fleet, ch.id);
    const body = JSON.parse(call.body);
    expect(body).toEqual({
      version: 1,
      fleet: fleet.id,
      status: "test",
      alerts: [
        {
          fingerprint: "test",
          rule: "Test notification",
          severity: "warning",
          host: "",
          hostId: "",
          series: "",
          labels: {},
          value: 0,
          threshold: 0,
          startsAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          endsAt: null,
          url: "http://fleetwatch.test/alerts#channels-title",
        },
      ],
    });
    expect(Date.parse(body.alerts[0].startsAt)).toBeGreaterThanOrEqual(before);
    // Signed like any delivery, with its own id.
    const ts = call.headers.get("webhook-timestamp") ?? "";
    expect(call.headers.get("webhook-id")).toBe(res.id);
    expect(call.headers.get("webhook-signature")).toBe(
      await standardSignature(ch.secret ?? "", res.id, ts, call.body),
    );
    const hist = await api<{ notifications: { id: string; event: string; status: string }[] }>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/notifications`,
    );
    expect(hist.json.notifications).toMatchObject([{ id: res.id, event: "test", status: "delivered" }]);
  });

  it("gives each test its own webhook-id", async () => {
    const fleet = await createFleet();
    const ch = await createChannel(fleet);
    const a = await sendTest(fleet, ch.id);
    const b = await sendTest(fleet, ch.id);
    expect(a.call.headers.get("webhook-id")).not.toBe(b.call.headers.get("webhook-id"));
  });

  it("reads as a test in Slack and Discord", async () => {
    const fleet = await createFleet();
    const slack = await createChannel(fleet, {
      name: "slack",
      kind: "slack",
      url: "https://hooks.slack.test/services/T/B/X",
    });
    const discord = await createChannel(fleet, {
      name: "discord",
      kind: "discord",
      url: "https://discord.test/api/webhooks/1/abc",
    });
    const s = JSON.parse((await sendTest(fleet, slack.id)).call.body);
    expect(s.text).toBe(`TEST notification from fleetwatch (fleet ${fleet.id}): this channel works`);
    expect(JSON.stringify(s.blocks)).toContain(
      "<http://fleetwatch.test/alerts#channels-title|open channels>",
    );
    expect(JSON.stringify(s)).not.toMatch(/FIRING|RESOLVED/);
    const d = JSON.parse((await sendTest(fleet, discord.id)).call.body);
    expect(d.content).toMatch(/^TEST notification/);
    expect(d.embeds).toMatchObject([{ url: "http://fleetwatch.test/alerts#channels-title" }]);
  });
});
