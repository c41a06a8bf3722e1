import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, info, sample } from "./clients";
import { type Hub, startHub } from "./hub";

/**
 * The verification code of docs/WEBHOOKS.md, run as it stands there against
 * real deliveries of a real hub: if the docs or the signing drift apart, this
 * fails.
 */

interface Received {
  headers: IncomingHttpHeaders;
  /** The raw bytes, as a receiver must verify them. */
  body: Buffer;
  answered: number;
}

/** The code block of docs/WEBHOOKS.md in `lang` that starts with `firstLine`. */
function docBlock(lang: "js" | "python", firstLine: string): string {
  const md = readFileSync(new URL("../../docs/WEBHOOKS.md", import.meta.url), "utf8");
  for (const m of md.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))) {
    if (m[1]?.startsWith(firstLine)) return m[1];
  }
  throw new Error(`docs/WEBHOOKS.md has no ${lang} block starting with ${firstLine}`);
}

type Verify = (secret: string, headers: IncomingHttpHeaders, rawBody: Buffer, now?: number) => unknown;

const dir = mkdtempSync(join(tmpdir(), "fleetwatch-webhook-docs-"));
writeFileSync(join(dir, "verify-webhook.mjs"), docBlock("js", "// verify-webhook.mjs"));
writeFileSync(join(dir, "verify_webhook.py"), docBlock("python", "# verify_webhook.py"));

/** A fresh instance of the docs' Node module: its own memory of handled ids. */
async function docsVerifier(): Promise<Verify> {
  const url = `${pathToFileURL(join(dir, "verify-webhook.mjs")).href}?instance=${Math.random()}`;
  const mod = (await import(url)) as { verifyWebhook: Verify };
  return mod.verifyWebhook;
}

function hasPython(): boolean {
  try {
    execFileSync("python3", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function startReceiver() {
  const received: Received[] = [];
  const state = { status: 200 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks), answered: state.status });
      res.writeHead(state.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    state,
    close: () => new Promise((r) => server.close(r)),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TOLERANCE_S = 5 * 60;

describe("webhook verification as docs/WEBHOOKS.md shows it, against a real hub", () => {
  let hub: Hub;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  let tokens: Awaited<ReturnType<Hub["fleet"]>>;
  let secret: string;
  let channelId: string;
  let hostId: string;
  const FLEET = "webhook-verify-e2e";

  async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await fetch(`${hub.url}/api/fleets/${FLEET}${path}`, {
      method,
      headers: { Authorization: `Bearer ${tokens.admin}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T };
  }

  async function cron(): Promise<void> {
    const res = await fetch(`${hub.url}/cdn-cgi/local/scheduled?cron=*+*+*+*+*`);
    expect(res.status, await res.text()).toBe(200);
  }

  async function rule(name: string, threshold: number): Promise<void> {
    const r = await api("POST", "/rules", {
      name,
      metric: "cpu",
      aggregation: "last",
      windowS: 60,
      comparator: ">",
      threshold,
      forS: 0,
    });
    expect(r.status).toBe(201);
  }

  const ofRule = (name: string) =>
    rx.received.filter((r) => JSON.parse(r.body.toString()).alerts[0]?.rule === name);

  beforeAll(async () => {
    rx = await startReceiver();
    hub = await startHub({ vars: { ALERT_RETRY_BASE_MS: "1000" } });
    tokens = await hub.fleet(FLEET);
    const list = await api<{ rules: { id: string }[] }>("GET", "/rules");
    for (const r of list.json.rules)
      expect((await api("PATCH", `/rules/${r.id}`, { enabled: false })).status).toBe(200);
    const channel = await api<{ channel: { id: string }; secret: string }>("POST", "/channels", {
      name: "receiver",
      kind: "webhook",
      url: rx.url,
    });
    expect(channel.status).toBe(201);
    secret = channel.json.secret;
    channelId = channel.json.channel.id;
    const hello = await connectClient(hub.url, tokens.agent).hello(info("verify-host"));
    hostId = hello.hostId;
    await connectClient(hub.url, tokens.agent, hostId).push({ samples: [sample(1, 50)] });
  });

  afterAll(async () => {
    await hub?.dispose();
    await rx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("accepts a real delivery once, and rejects its replays: late, re-stamped or tampered", async () => {
    await rule("cpu over 5", 5);
    await cron();
    const [delivery] = ofRule("cpu over 5");
    if (!delivery) throw new Error(`no delivery: ${rx.received.length} received`);
    const verify = await docsVerifier();
    const ts = Number(delivery.headers["webhook-timestamp"]);
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(30);

    const payload = verify(secret, delivery.headers, delivery.body);
    expect(payload).toMatchObject({ version: 1, fleet: FLEET, status: "firing", alerts: [{ hostId }] });
    // The same request again within the tolerance: already handled, nothing to do.
    expect(verify(secret, delivery.headers, delivery.body)).toBeNull();

    // Replayed after the tolerance, even to a receiver that never saw it (no memory of its id).
    const fresh = await docsVerifier();
    expect(() => fresh(secret, delivery.headers, delivery.body, ts + TOLERANCE_S + 1)).toThrow(/tolerance/);
    // Re-stamped with a current timestamp: the signature covers the timestamp.
    const restamped = { ...delivery.headers, "webhook-timestamp": String(ts + 1) };
    expect(() => fresh(secret, restamped, delivery.body, ts + 1)).toThrow(/signature/);
    // A changed body or another secret does not verify either.
    const tampered = Buffer.from(delivery.body.toString().replace('"value":50', '"value":5'));
    expect(tampered.equals(delivery.body)).toBe(false);
    expect(() => fresh(secret, delivery.headers, tampered, ts)).toThrow(/signature/);
    const other = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    expect(() => fresh(other, delivery.headers, delivery.body, ts)).toThrow(/signature/);
    // Still within the tolerance, a receiver without memory accepts it: the id memory is what stops that.
    expect(fresh(secret, delivery.headers, delivery.body, ts + TOLERANCE_S)).toMatchObject({
      status: "firing",
    });
  });

  it("verifies every retry of a message (same id, the attempt's timestamp) and handles it once", async () => {
    rx.state.status = 503;
    await rule("cpu over 6", 6);
    await cron();
    rx.state.status = 200;
    const deadline = Date.now() + 30_000;
    while (!ofRule("cpu over 6").some((r) => r.answered === 200)) {
      if (Date.now() > deadline) throw new Error("not redelivered");
      await sleep(1000);
      await cron();
    }
    const attempts = ofRule("cpu over 6");
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    const ids = new Set(attempts.map((a) => a.headers["webhook-id"]));
    expect(ids.size).toBe(1);
    const stamps = attempts.map((a) => Number(a.headers["webhook-timestamp"]));
    expect(stamps.at(-1)).toBeGreaterThan(stamps[0] ?? Number.POSITIVE_INFINITY);
    // A receiver that answered 503 did not handle the first attempt; each attempt verifies at its own time.
    const verify = await docsVerifier();
    const results = attempts
      .filter((a) => a.answered === 200)
      .map((a) => verify(secret, a.headers, a.body, Number(a.headers["webhook-timestamp"])));
    expect(results[0]).toMatchObject({ status: "firing", alerts: [{ rule: "cpu over 6" }] });
    for (const a of attempts) {
      expect(verify(secret, a.headers, a.body, Number(a.headers["webhook-timestamp"]))).toBeNull();
    }
  });

  it("sends a test notification marked as a test, linking to a real dashboard page", async () => {
    const before = rx.received.length;
    const res = await api<{ id: string; delivered: boolean }>("POST", `/channels/${channelId}/test`);
    expect(res.json.delivered).toBe(true);
    const delivery = rx.received[before];
    if (!delivery) throw new Error("test notification not received");
    expect(delivery.headers["webhook-id"]).toBe(res.json.id);
    const payload = (await docsVerifier())(secret, delivery.headers, delivery.body) as {
      status: string;
      alerts: { url: string; host: string }[];
    };
    expect(payload.status).toBe("test");
    expect(payload.alerts[0]?.host).toBe("");
    const link = payload.alerts[0]?.url ?? "";
    expect(link).toBe(`${hub.url}/alerts#channels-title`);
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
  });

  it.skipIf(!hasPython())("verifies a real delivery with the Python snippet, and rejects its replays", () => {
    const [delivery] = ofRule("cpu over 5");
    if (!delivery) throw new Error("no delivery to check");
    const input = join(dir, "delivery.json");
    writeFileSync(
      input,
      JSON.stringify({ secret, headers: delivery.headers, body: delivery.body.toString("base64") }),
    );
    const driver = `
import base64, json, sys
sys.path.insert(0, ${JSON.stringify(dir)})
from verify_webhook import verify_webhook
d = json.load(open(${JSON.stringify(input)}))
secret, headers, body = d["secret"], d["headers"], base64.b64decode(d["body"])
ts = int(headers["webhook-timestamp"])
def attempt(*args, **kw):
    try:
        return verify_webhook(*args, **kw)
    except ValueError as e:
        return "rejected: " + str(e)
print(json.dumps({
    "first": attempt(secret, headers, body, now=ts + 10),
    "again": attempt(secret, headers, body, now=ts + 20),
    "late": attempt(secret, headers, body, now=ts + ${TOLERANCE_S + 1}),
    "restamped": attempt(secret, dict(headers, **{"webhook-timestamp": str(ts + 1)}), body, now=ts + 1),
}))
`;
    const out = JSON.parse(execFileSync("python3", ["-c", driver], { encoding: "utf8" }));
    expect(out.first).toMatchObject({ version: 1, fleet: FLEET, status: "firing" });
    expect(out.again).toBeNull();
    expect(out.late).toMatch(/^rejected: timestamp outside/);
    expect(out.restamped).toMatch(/^rejected: no valid signature/);
  });
});
