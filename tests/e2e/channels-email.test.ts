import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/wrangler.ts";
import { type Hub, startHub } from "./hub";
import { alertingFleet } from "./hub-alerts";

/**
 * wrangler.toml with its email block enabled, in a directory of its own
 * (paths made absolute): a hub configured for email channels.
 */
function emailConfig(dir: string): string {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8")
    .replace(/^main = "([^"]+)"/m, (_, p: string) => `main = ${JSON.stringify(join(ROOT, p))}`)
    .replace(/^directory = "([^"]+)"/m, (_, p: string) => `directory = ${JSON.stringify(join(ROOT, p))}`)
    .replace(
      /^migrations_dir = "([^"]+)"/m,
      (_, p: string) => `migrations_dir = ${JSON.stringify(join(ROOT, p))}`,
    )
    .replace(/^# \[\[send_email\]\]\n# name = "ALERT_EMAIL"\n# allowed_destination_addresses = .*$/m, "");
  const path = join(dir, "wrangler.toml");
  writeFileSync(
    path,
    `${toml}\n[[send_email]]\nname = "ALERT_EMAIL"\nallowed_destination_addresses = ["ops@example.com", "oncall@example.com"]\n`,
  );
  return path;
}

interface SentEmail {
  subject: string;
  to: string[];
  from: string;
  messageId: string;
}

/** One MIME part's decoded body (fleetwatch writes base64 parts). */
function part(raw: string, type: string): string {
  const p = raw.split(/\r\n--fleetwatch-[^\r\n]+/).find((s) => s.includes(`Content-Type: ${type}`)) ?? "";
  return Buffer.from(p.slice(p.indexOf("\r\n\r\n") + 4).replace(/\s+/g, ""), "base64").toString("utf8");
}

describe("email channels through wrangler's local send_email binding", () => {
  let hub: Hub;
  let dir: string;
  let fleet: Awaited<ReturnType<typeof alertingFleet>>;

  /** What the local binding kept: wrangler's Local Explorer API lists the session's sent mail. */
  async function sent(): Promise<SentEmail[]> {
    const res = await fetch(`${hub.url}/cdn-cgi/local/explorer/api/local/email/sending?per_page=100`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { result: SentEmail[] }).result;
  }

  async function raw(messageId: string): Promise<string> {
    const id = encodeURIComponent(messageId.replace(/^<|>$/g, ""));
    const res = await fetch(`${hub.url}/cdn-cgi/local/explorer/api/local/email/sending?email_id=${id}`);
    return ((await res.json()) as { result: { raw: string } }).result.raw;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "fleetwatch-email-"));
    hub = await startHub({
      args: ["--config", emailConfig(dir)],
      vars: { ALERT_EMAIL_FROM: "alerts@fleetwatch.test" },
    });
    fleet = await alertingFleet(hub, "email-e2e");
  });

  afterAll(async () => {
    await hub?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("offers email, sends the Test notification and an alert as text and escaped HTML", async () => {
    const list = await fleet.api<{ unavailable: Record<string, string> }>("GET", "/channels");
    expect(list.json.unavailable).toEqual({});
    const ch = await fleet.api<{ channel: { id: string; urlHint: string } }>("POST", "/channels", {
      name: "ops mail",
      kind: "email",
      url: "mailto:ops@example.com,oncall@example.com",
    });
    expect(ch.status, JSON.stringify(ch.json)).toBe(201);
    expect(ch.json.channel.urlHint).toBe("mailto:o…@example.com (+1)");

    const test = await fleet.api<{ delivered: boolean }>("POST", `/channels/${ch.json.channel.id}/test`);
    expect(test.json).toMatchObject({ delivered: true });
    const tests = (await sent()).filter((m) => m.subject.startsWith("[TEST]"));
    expect(tests.map((m) => m.to).sort()).toEqual([["oncall@example.com"], ["ops@example.com"]]);
    expect(tests[0]?.from).toBe("alerts@fleetwatch.test");

    await fleet.cpuRule("cpu <hot> & high", 50);
    const host = await fleet.host("mail-host");
    await host.cpu(96);
    let firing: SentEmail[] = [];
    await fleet.cronUntil(
      async () => {
        firing = (await sent()).filter((m) => m.subject.startsWith("[FIRING"));
        return firing.length >= 2;
      },
      () => `firing mails: ${JSON.stringify(firing)}`,
    );
    expect(firing[0]?.subject).toBe("[FIRING:1] cpu <hot> & high on mail-host");
    const mime = await raw(firing[0]?.messageId ?? "");
    expect(part(mime, "text/plain")).toContain(
      "FIRING [critical] cpu <hot> & high on mail-host cpu: 96 (threshold 50)",
    );
    const html = part(mime, "text/html");
    expect(html).toContain("cpu &lt;hot&gt; &amp; high");
    expect(html).not.toContain("<hot>");
    expect(html).toMatch(/<a href="http:\/\/127\.0\.0\.1:\d+\/hosts\/[^"]+">mail-host<\/a>/);
  });

  it("records a failed delivery when the binding refuses the recipient", async () => {
    const ch = await fleet.api<{ channel: { id: string } }>("POST", "/channels", {
      name: "elsewhere",
      kind: "email",
      url: "mailto:intruder@example.com",
    });
    expect(ch.status).toBe(201);
    const test = await fleet.api<{ delivered: boolean; error: string }>(
      "POST",
      `/channels/${ch.json.channel.id}/test`,
    );
    expect(test.json.delivered).toBe(false);
    expect(test.json.error).toMatch(/^email to intruder@example\.com: .*not allowed/);
  });
});
