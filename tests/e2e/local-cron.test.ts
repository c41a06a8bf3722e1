import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, info, sample } from "./clients";
import { type Hub, startHub } from "./hub";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("alerts under a local hub started as npm start does", () => {
  let hub: Hub;
  let tokens: Awaited<ReturnType<Hub["fleet"]>>;
  const FLEET = "local-cron";

  async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await fetch(`${hub.url}/api/fleets/${FLEET}${path}`, {
      method,
      headers: { Authorization: `Bearer ${tokens.admin}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T };
  }

  beforeAll(async () => {
    // The minute cron driven the way scripts/start.ts drives it; nobody triggers it by hand here.
    hub = await startHub({ cron: true });
    tokens = await hub.fleet(FLEET);
  });

  afterAll(async () => {
    await hub?.dispose();
  });

  it("fires a rule within the next minutes with no manual trigger", async () => {
    const rule = await api("POST", "/rules", {
      name: "cpu above 1",
      metric: "cpu",
      aggregation: "last",
      windowS: 120,
      comparator: ">",
      threshold: 1,
      forS: 0,
    });
    expect(rule.status).toBe(201);
    const hello = await connectClient(hub.url, tokens.agent).hello(info("cron-host"));
    const client = connectClient(hub.url, tokens.agent, hello.hostId);
    let seq = 0;
    let firing: { rule: string; host: string; state: string } | undefined;
    // Up to two minute boundaries; a sample every 5 s keeps the host online meanwhile.
    for (let waited = 0; waited < 135_000 && !firing; waited += 5000) {
      await client.push({ samples: [sample(++seq, 40)] });
      const list = await api<{ alerts: { rule: string; host: string; state: string }[] }>("GET", "/alerts");
      firing = list.json.alerts.find((a) => a.rule === "cpu above 1" && a.state === "firing");
      if (!firing) await sleep(5000);
    }
    expect(firing).toMatchObject({ rule: "cpu above 1", host: "cron-host", state: "firing" });
  }, 160_000);
});
