import { describe, expect, it } from "vitest";
import { send } from "../../worker/src/alerts/deliver";
import { emailMime, emailSubject, sendEmail } from "../../worker/src/alerts/email";
import type { AlertPayload, PayloadAlert } from "../../worker/src/alerts/payload";
import { renderRequest } from "../../worker/src/alerts/render";
import { api } from "./alerts-helpers";
import { createFleet } from "./fixtures";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");

function alert(i: number, over: Partial<PayloadAlert> = {}): PayloadAlert {
  return {
    fingerprint: `fp${i}`.padEnd(32, "0"),
    rule: "CPU high",
    severity: "warning",
    host: `web-${i}`,
    hostId: `h${i}`,
    series: "cpu",
    labels: { env: "prod" },
    value: 90 + i,
    threshold: 90,
    startsAt: new Date(T0 + i * 1000).toISOString(),
    endsAt: null,
    url: `https://fw.example/hosts/h${i}`,
    status: "firing",
    ...over,
  };
}

function resolved(i: number, over: Partial<PayloadAlert> = {}): PayloadAlert {
  return alert(i, { status: "resolved", endsAt: new Date(T0 + 600_000).toISOString(), value: 50, ...over });
}

/** A group of the rule "CPU high": 3 hosts firing, 1 resolved. */
function group(alerts: PayloadAlert[] = [alert(1), alert(2), resolved(3), alert(4)]): AlertPayload {
  return {
    version: 1,
    fleet: "prod",
    status: alerts.some((a) => a.status === "firing") ? "firing" : "resolved",
    groupKey: "6b1f0c2a9d8e7f6a5b4c3d2e1f0a9b8c",
    groupLabels: { rule: "CPU high" },
    alerts,
  };
}

/** `n` firing alerts with long names, to overflow every service's limit. */
function bigGroup(n: number): AlertPayload {
  const name = "ü".repeat(200);
  return group(Array.from({ length: n }, (_, i) => alert(i, { host: `${name}-${i}`, rule: "CPU high" })));
}

function render(
  kind: Parameters<typeof renderRequest>[0]["kind"],
  p: AlertPayload,
  url: string,
  secret?: string,
) {
  return renderRequest({ kind, url, secret: secret ?? null }, p, T0);
}

const body = (r: { body: string }) => JSON.parse(r.body);

describe("a group in every channel format", () => {
  it("Slack: a headline with the counts, then one section per alert with its own state", () => {
    const s = body(render("slack", group(), "https://hooks.slack.test/x"));
    expect(s.text.split("\n")[0]).toBe("3 firing, 1 resolved: CPU high");
    expect(s.blocks[0].text.text).toBe("*:red_circle: 3 firing, 1 resolved: CPU high*");
    const lines = s.blocks.slice(1, -1).map((b: { text: { text: string } }) => b.text.text);
    expect(lines).toHaveLength(4);
    // Firing first, resolved last, each with its host and value.
    expect(lines[0]).toMatch(/^:red_circle: FIRING \[warning\] CPU high on web-1 cpu: 91 \(threshold 90\)/);
    expect(lines[3]).toMatch(/^:large_green_circle: RESOLVED CPU high on web-3 cpu: 50/);
    expect(s.blocks.at(-1).type).toBe("context");
  });

  it("Slack: at most 50 blocks, the rest counted as 'and N more'", () => {
    const s = body(render("slack", bigGroup(120), "https://hooks.slack.test/x"));
    expect(s.blocks.length).toBeLessThanOrEqual(50);
    expect(s.blocks.at(-1).elements[0].text).toContain("… and 80 more");
    for (const b of s.blocks.filter((b: { type: string }) => b.type === "section"))
      expect(b.text.text.length).toBeLessThanOrEqual(3000);
    expect(s.text.length).toBeLessThanOrEqual(40_000);
  });

  it("Discord: one embed per alert in its own colour, within 10 embeds and 6,000 characters", () => {
    const d = body(render("discord", group(), "https://discord.test/api/webhooks/1/a"));
    expect(d.content).toBe("3 firing, 1 resolved: CPU high");
    expect(d.embeds.map((e: { color: number }) => e.color)).toEqual([0xe8a33d, 0xe8a33d, 0xe8a33d, 0x2fa84f]);
    const big = body(render("discord", bigGroup(30), "https://discord.test/api/webhooks/1/a"));
    expect(big.embeds.length).toBeLessThanOrEqual(10);
    const total = big.embeds.reduce(
      (n: number, e: { title: string; fields: { name: string; value: string }[] }) =>
        n + e.title.length + e.fields.reduce((m, f) => m + f.name.length + f.value.length, 0),
      0,
    );
    expect(total).toBeLessThanOrEqual(6000);
    expect(big.content).toContain(`… and ${30 - big.embeds.length} more`);
    expect(big.content.length).toBeLessThanOrEqual(2000);
  });

  it("Teams: the headline, a line per alert and the counts as facts", () => {
    const t = body(render("teams", group(), "https://teams.test/wf"));
    const card = t.attachments[0].content;
    expect(card.body[0]).toMatchObject({ type: "TextBlock", text: "3 firing, 1 resolved: CPU high" });
    expect(card.body.slice(1, 5).map((b: { color: string }) => b.color)).toEqual([
      "Attention",
      "Attention",
      "Attention",
      "Good",
    ]);
    expect(card.body.at(-1).facts).toContainEqual({ title: "alerts", value: "3 firing, 1 resolved" });
    const big = body(render("teams", bigGroup(50), "https://teams.test/wf")).attachments[0].content;
    expect(big.body.at(-2).text).toBe("… and 30 more");
  });

  it("Telegram: escaped HTML within 4,096 characters, whole lines only", () => {
    const p = bigGroup(60);
    for (const a of p.alerts) a.rule = "CPU <high> & hot";
    p.groupLabels = {};
    const t = body(render("telegram", p, "https://api.telegram.test/bot1:A/sendMessage?chat_id=5"));
    expect(t.text.length).toBeLessThanOrEqual(4096);
    expect(t.text).toMatch(/^<b>60 firing: CPU &lt;high&gt; &amp; hot<\/b>\n/);
    expect(t.text).toMatch(/… and \d+ more\nfleet prod$/);
    // No tag but the headline's bold: nothing from the fleet became markup.
    expect(t.text.replace(/^<b>|<\/b>/g, "")).not.toMatch(/<[a-z/]/);
  });

  it("ntfy and Gotify: a title with the counts; ntfy's message within 4,096 bytes", () => {
    const n = render("ntfy", group(), "https://ntfy.test/t");
    expect(n.headers.Title).toBe("FIRING 3, RESOLVED 1: CPU high");
    expect(n.body.split("\n")).toEqual([
      "3 firing, 1 resolved: CPU high",
      "FIRING [warning] CPU high on web-1 cpu: 91 (threshold 90)",
      "FIRING [warning] CPU high on web-2 cpu: 92 (threshold 90)",
      "FIRING [warning] CPU high on web-4 cpu: 94 (threshold 90)",
      "RESOLVED CPU high on web-3 cpu: 50 (threshold 90)",
      "fleet prod",
    ]);
    const big = render("ntfy", bigGroup(40), "https://ntfy.test/t");
    expect(new TextEncoder().encode(big.body).length).toBeLessThanOrEqual(4096);
    expect(big.body).toMatch(/… and \d+ more\nfleet prod$/);
    expect(body(render("gotify", group(), "https://gotify.test/message?token=x")).title).toBe(
      "FIRING 3, RESOLVED 1: CPU high",
    );
  });

  it("PagerDuty: one event per group, keyed by the group, resolved only when all have resolved", () => {
    const key = "R0UT1NGKEY0123456789abcdefABCDEF";
    const trigger = body(render("pagerduty", group(), "https://events.pd.test/v2/enqueue", key));
    expect(trigger).toMatchObject({
      routing_key: key,
      event_action: "trigger",
      dedup_key: "6b1f0c2a9d8e7f6a5b4c3d2e1f0a9b8c",
      payload: {
        summary: "3 firing, 1 resolved: CPU high",
        source: "prod",
        severity: "warning",
        class: "CPU high",
        custom_details: {
          firing: [
            expect.stringContaining("web-1"),
            expect.stringContaining("web-2"),
            expect.stringContaining("web-4"),
          ],
          resolved: [expect.stringContaining("web-3")],
        },
      },
    });
    const done = body(
      render("pagerduty", group([resolved(1), resolved(2)]), "https://events.pd.test/v2/enqueue", key),
    );
    expect([done.event_action, done.dedup_key]).toEqual(["resolve", trigger.dedup_key]);
    // A payload queued before grouping keeps the alert's fingerprint as the key.
    const old = group([alert(7)]);
    delete old.groupKey;
    expect(body(render("pagerduty", old, "https://events.pd.test/v2/enqueue", key)).dedup_key).toBe(
      alert(7).fingerprint,
    );
    // Critical wins while one critical alert fires.
    const crit = group([alert(1), alert(2, { severity: "critical" })]);
    expect(body(render("pagerduty", crit, "https://events.pd.test/v2/enqueue", key)).payload.severity).toBe(
      "critical",
    );
  });

  it("Alertmanager: one element per alert, a resolved one ending at its own resolve time", () => {
    const p = group();
    p.alerts[0] = alert(1, { labels: { "team.name": "core", "k8s-ns": "web" } });
    const list = body(render("alertmanager", p, "http://am.test:9093"));
    expect(list).toHaveLength(4);
    const byHost = Object.fromEntries(list.map((a: { labels: { host: string } }) => [a.labels.host, a]));
    expect(byHost["web-3"].endsAt).toBe(new Date(T0 + 600_000).toISOString());
    expect(Date.parse(byHost["web-2"].endsAt)).toBe(T0 + 7 * 86_400_000);
    expect(byHost["web-1"].labels).toMatchObject({ team_name: "core", k8s_ns: "web", alertname: "CPU high" });
    expect(byHost["web-2"].generatorURL).toBe("https://fw.example/hosts/h2");
  });

  it("Pushover: a form with token, user, HTML message within 1,024 characters and priority", () => {
    const token = "a".repeat(30);
    const user = "u".repeat(30);
    const p = group([alert(1, { severity: "critical", rule: "<b>CPU</b>" }), resolved(2)]);
    const r = render(
      "pushover",
      p,
      `https://api.pushover.test/1/messages.json?user=${user}&device=phone`,
      token,
    );
    expect(r.url).toBe("https://api.pushover.test/1/messages.json");
    expect(r.headers["Content-Type"]).toBe("application/x-www-form-urlencoded");
    const f = new URLSearchParams(r.body);
    expect(Object.fromEntries(f)).toMatchObject({
      token,
      user,
      device: "phone",
      html: "1",
      priority: "1",
      title: "FIRING 1, RESOLVED 1: CPU high",
      url: "https://fw.example/hosts/h1",
      url_title: "Open host",
    });
    expect(f.get("message")).toContain("&lt;b&gt;CPU&lt;/b&gt;");
    const big = new URLSearchParams(
      render("pushover", bigGroup(40), `https://p.test/1/messages.json?user=${user}`, token).body,
    );
    expect(big.get("message")?.length).toBeLessThanOrEqual(1024);
    expect(big.get("priority")).toBe("0");
  });
});

/** The text and HTML parts of a MIME message as fleetwatch writes it (base64 parts). */
function mimeParts(raw: string): { headers: string; text: string; html: string } {
  const end = raw.indexOf("\r\n\r\n");
  const headers = raw.slice(0, end);
  const rest = raw.slice(end + 4);
  const boundary = /boundary="([^"]+)"/.exec(headers)?.[1] ?? "";
  const parts = rest.split(`--${boundary}`).slice(1, -1);
  const decode = (part: string) => {
    const b64 = part.slice(part.indexOf("\r\n\r\n") + 4).replace(/\s+/g, "");
    return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  };
  const find = (type: string) => decode(parts.find((p) => p.includes(`Content-Type: ${type}`)) ?? "");
  return { headers, text: find("text/plain"), html: find("text/html") };
}

describe("email", () => {
  it("subject as Alertmanager writes it, for groups, single alerts and resolves", () => {
    expect(emailSubject(group())).toBe("[FIRING:3] CPU high");
    expect(emailSubject(group([alert(1)]))).toBe("[FIRING:1] CPU high on web-1");
    expect(emailSubject(group([resolved(1), resolved(2)]))).toBe("[RESOLVED] CPU high");
  });

  it("is a multipart message with escaped HTML and headers no rule name can break", () => {
    const p = group([alert(1, { rule: "CPU\r\nBcc: victim@example.com <script>" }), resolved(2)]);
    p.groupLabels = {};
    const raw = emailMime(p, {
      from: "alerts@fw.example",
      to: "ops@example.com",
      messageId: "d1.0@fw.example",
      deliveryId: "d1",
      date: T0,
    });
    const { headers, text, html } = mimeParts(raw);
    expect(headers).not.toMatch(/^Bcc:/im);
    expect(headers).toMatch(/^Subject: =\?UTF-8\?B\?/m);
    const subject = [...headers.matchAll(/=\?UTF-8\?B\?([^?]*)\?=/g)]
      .map((m) => new TextDecoder().decode(Uint8Array.from(atob(m[1] ?? ""), (c) => c.charCodeAt(0))))
      .join("");
    expect(subject).toBe("[FIRING:1] CPU Bcc: victim@example.com <script>, CPU high");
    expect(headers).toContain("From: fleetwatch <alerts@fw.example>");
    expect(headers).toContain("Message-ID: <d1.0@fw.example>");
    expect(text).toContain("FIRING [warning] CPU\r\nBcc: victim@example.com <script> on web-1 cpu: 91");
    expect(text).toContain("https://fw.example/hosts/h2");
    expect(html).toContain("&lt;script&gt;");
    expect(html).not.toContain("<script>");
    expect(html).toContain('<a href="https://fw.example/hosts/h1">web-1</a>');
  });

  it("sends one message per recipient through the binding and reports a refused one", async () => {
    const sent: { from: string; to: string }[] = [];
    const sender = {
      from: "alerts@fw.example",
      binding: {
        send: async (m: EmailMessage) => {
          if (m.to === "nobody@example.com") throw new Error("email to nobody@example.com not allowed");
          sent.push({ from: m.from, to: m.to });
          return { messageId: "x" };
        },
      } as Pick<SendEmail, "send">,
    };
    expect(await sendEmail(sender, "mailto:a@example.com,b@example.com", group(), "d1", 1000)).toEqual({
      ok: true,
    });
    expect(sent).toEqual([
      { from: "alerts@fw.example", to: "a@example.com" },
      { from: "alerts@fw.example", to: "b@example.com" },
    ]);
    const refused = await sendEmail(sender, "mailto:nobody@example.com", group(), "d2", 1000);
    expect(refused).toEqual({
      ok: false,
      error: "email to nobody@example.com: email to nobody@example.com not allowed",
    });
  });

  it("records an email channel's delivery as failed when the binding is gone, naming the setting", async () => {
    const a = await send({ kind: "email", url: "mailto:a@example.com", secret: null }, group(), "d3", {
      fetch: () => Promise.reject(new Error("no fetch for email")),
      timeoutMs: 1000,
    });
    expect(a.ok).toBe(false);
    expect(a.error).toContain("ALERT_EMAIL");
  });
});

describe("channel API for the new kinds", () => {
  it("refuses an email channel while the hub has no send_email binding, and says what to configure", async () => {
    const fleet = await createFleet();
    const res = await api<{ error: string; message: string }>(
      fleet.admin,
      "POST",
      `/api/fleets/${fleet.id}/channels`,
      {
        name: "mail",
        kind: "email",
        url: "mailto:ops@example.com",
      },
    );
    expect(res.status).toBe(400);
    expect(res.json.message).toMatch(
      /^kind: email channels need a \[\[send_email\]\] binding named ALERT_EMAIL in wrangler\.toml/,
    );
    const list = await api<{ unavailable: Record<string, string> }>(
      fleet.admin,
      "GET",
      `/api/fleets/${fleet.id}/channels`,
    );
    expect(list.json.unavailable.email).toContain("ALERT_EMAIL_FROM");
  });

  it("takes a Pushover channel with the user key in its URL and the app token as secret, never echoed", async () => {
    const fleet = await createFleet();
    const user = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";
    const token = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
    const ok = await api<{ channel: { urlHint: string; secretHint: string }; secret?: string }>(
      fleet.admin,
      "POST",
      `/api/fleets/${fleet.id}/channels`,
      {
        name: "push",
        kind: "pushover",
        url: `https://api.pushover.net/1/messages.json?user=${user}`,
        secret: token,
      },
    );
    expect(ok.status).toBe(201);
    expect(ok.json.secret).toBeUndefined();
    expect(ok.json.channel.secretHint).toBe("…nyUi");
    expect(JSON.stringify(ok.json)).not.toContain(token);
    expect(JSON.stringify(ok.json)).not.toContain(user);
    for (const [body, message] of [
      [{ url: "https://api.pushover.net/1/messages.json", secret: token }, /^url: a pushover channel's URL/],
      [{ url: `https://api.pushover.net/1/messages.json?user=${user}` }, /^secret: a pushover channel needs/],
      [
        { url: `https://api.pushover.net/1/messages.json?user=${user}`, secret: "short-but-16-chars!" },
        /^secret: /,
      ],
    ] as const) {
      const res = await api<{ message: string }>(fleet.admin, "POST", `/api/fleets/${fleet.id}/channels`, {
        name: "push",
        kind: "pushover",
        ...body,
      });
      expect(res.status).toBe(400);
      expect(res.json.message).toMatch(message);
    }
  });

  it("refuses a mailto: URL for an HTTP kind", async () => {
    const fleet = await createFleet();
    const res = await api<{ message: string }>(fleet.admin, "POST", `/api/fleets/${fleet.id}/channels`, {
      name: "hook",
      kind: "webhook",
      url: "mailto:ops@example.com",
    });
    expect(res.status).toBe(400);
    expect(res.json.message).toBe("url: must be an absolute http:// or https:// URL");
  });
});
