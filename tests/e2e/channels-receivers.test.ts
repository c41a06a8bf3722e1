import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Service, startReceivers } from "./channel-receivers";
import { type Hub, startHub } from "./hub";
import { alertingFleet } from "./hub-alerts";

const ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF";
const PUSHOVER_USER = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";
const PUSHOVER_TOKEN = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";

describe("every channel kind against a stand-in that checks the service's documented request", () => {
  let hub: Hub;
  let rx: Awaited<ReturnType<typeof startReceivers>>;
  let fleet: Awaited<ReturnType<typeof alertingFleet>>;
  const channels = new Map<Service, string>();

  beforeAll(async () => {
    rx = await startReceivers();
    hub = await startHub();
    fleet = await alertingFleet(hub, "channels-e2e");
    const defs: [Service, Record<string, unknown>][] = [
      ["webhook", { url: rx.url("webhook") }],
      ["slack", { url: rx.url("slack", "/services/T0/B0/x") }],
      ["discord", { url: rx.url("discord", "/api/webhooks/1/x") }],
      ["teams", { url: rx.url("teams", "/workflows/1/invoke") }],
      ["telegram", { url: rx.url("telegram", "/bot123:ABC/sendMessage?chat_id=-1001234") }],
      ["ntfy", { url: rx.url("ntfy", "/ops-alerts") }],
      ["gotify", { url: rx.url("gotify", "/message?token=AbCdEf") }],
      ["pagerduty", { url: rx.url("pagerduty", "/v2/enqueue"), secret: ROUTING_KEY }],
      [
        "pushover",
        { url: rx.url("pushover", `/1/messages.json?user=${PUSHOVER_USER}`), secret: PUSHOVER_TOKEN },
      ],
      ["alertmanager", { url: rx.url("alertmanager") }],
    ];
    for (const [kind, def] of defs) {
      const res = await fleet.api<{ channel: { id: string } }>("POST", "/channels", {
        name: kind,
        kind,
        ...def,
      });
      expect(res.status, `${kind}: ${JSON.stringify(res.json)}`).toBe(201);
      channels.set(kind, res.json.channel.id);
    }
  });

  afterAll(async () => {
    await hub?.dispose();
    await rx?.close();
  });

  /** Every request so far was what its service documents. */
  function expectNoProblems() {
    const bad = rx.received.filter((r) => r.problems.length > 0);
    expect(
      bad.map((r) => ({ service: r.service, problems: r.problems, body: r.body.slice(0, 400) })),
    ).toEqual([]);
  }

  it("delivers each channel's Test notification in its service's format", async () => {
    for (const [kind, id] of channels) {
      const res = await fleet.api<{ delivered: boolean; status: number | null; error: string | null }>(
        "POST",
        `/channels/${id}/test`,
      );
      expect(res.json, kind).toMatchObject({ delivered: true });
      expect(rx.of(kind), kind).toHaveLength(1);
    }
    expectNoProblems();
    const pd = rx.of("pagerduty")[0]?.parsed as { payload: { severity: string } };
    expect(pd.payload.severity).toBe("info");
  });

  it("sends firing alerts of two hosts, then their resolve, to every channel", async () => {
    const before = rx.received.length;
    await fleet.cpuRule("cpu hot", 50);
    const web1 = await fleet.host("web-1");
    const web2 = await fleet.host("web-2");
    await web1.cpu(97);
    await web2.cpu(95);
    const mentions = (kind: Service, text: string) =>
      rx
        .of(kind)
        .slice(1)
        .some((r) => r.body.includes(text));
    const all = [...channels.keys()];
    await fleet.cronUntil(
      () => all.every((k) => mentions(k, "web-1") && mentions(k, "web-2")),
      () => JSON.stringify(all.filter((k) => !(mentions(k, "web-1") && mentions(k, "web-2")))),
    );
    expectNoProblems();
    const firing = rx.received.slice(before);
    const trigger = firing.find((r) => r.service === "pagerduty")?.parsed as {
      event_action: string;
      dedup_key: string;
      payload: { severity: string };
    };
    expect(trigger).toMatchObject({ event_action: "trigger", payload: { severity: "critical" } });
    const am = firing
      .filter((r) => r.service === "alertmanager")
      .flatMap((r) => r.parsed as { labels: Record<string, string> }[]);
    expect(am.map((a) => a.labels.host).sort()).toEqual(["web-1", "web-2"]);
    expect(am[0]?.labels).toMatchObject({
      alertname: "cpu hot",
      severity: "critical",
      fleet: "channels-e2e",
    });
    const push = firing.find((r) => r.service === "pushover")?.parsed as Record<string, string>;
    expect(push).toMatchObject({ token: PUSHOVER_TOKEN, user: PUSHOVER_USER, priority: "1", html: "1" });

    // Both cool down: every channel hears the resolve; PagerDuty resolves the incident it opened.
    const mark = rx.received.length;
    await web1.cpu(5);
    await web2.cpu(5);
    const resolvedSince = (kind: Service) => rx.received.slice(mark).filter((r) => r.service === kind);
    await fleet.cronUntil(
      () =>
        all.every((k) => resolvedSince(k).length > 0) &&
        resolvedSince("pagerduty").some(
          (r) => (r.parsed as { event_action: string }).event_action === "resolve",
        ),
      () => JSON.stringify(all.filter((k) => resolvedSince(k).length === 0)),
    );
    expectNoProblems();
    const resolves = resolvedSince("pagerduty").map(
      (r) => r.parsed as { event_action: string; dedup_key: string },
    );
    const keys = new Set(
      rx
        .of("pagerduty")
        .slice(1)
        .map((r) => (r.parsed as { dedup_key: string }).dedup_key),
    );
    for (const r of resolves.filter((r) => r.event_action === "resolve"))
      expect(keys.has(r.dedup_key)).toBe(true);
    const ended = resolvedSince("alertmanager").flatMap((r) => r.parsed as { endsAt: string }[]);
    for (const a of ended) expect(Date.parse(a.endsAt)).toBeLessThanOrEqual(Date.now());
    expect(
      resolvedSince("slack")
        .map((r) => r.body)
        .join("\n"),
    ).toContain("RESOLVED");
  });

  it("refuses an email channel on a hub without the send_email binding, naming the setting", async () => {
    const res = await fleet.api<{ error: string; message: string }>("POST", "/channels", {
      name: "mail",
      kind: "email",
      url: "mailto:ops@example.com",
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: "invalid_request" });
    expect(res.json.message).toContain("[[send_email]] binding named ALERT_EMAIL in wrangler.toml");
    const list = await fleet.api<{ unavailable: Record<string, string> }>("GET", "/channels");
    expect(Object.keys(list.json.unavailable)).toEqual(["email"]);
  });
});
