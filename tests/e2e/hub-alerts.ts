import { expect } from "vitest";
import { connectClient, info, sample } from "./clients";
import type { Hub } from "./hub";

/** Alerting through a real hub: the fleet's API, the minute cron and a host whose CPU a test sets. */
export async function alertingFleet(hub: Hub, fleet: string) {
  const tokens = await hub.fleet(fleet);

  async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await fetch(`${hub.url}/api/fleets/${fleet}${path}`, {
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

  /** Runs the cron every second until `done()` holds; throws with `describe()` after `timeoutMs`. */
  async function cronUntil(
    done: () => boolean | Promise<boolean>,
    describe: () => string,
    timeoutMs = 30_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await cron();
      if (await done()) return;
      if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${describe()}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  // Only the test's rules: built-in host-down would fire when a test host goes quiet.
  const list = await api<{ rules: { id: string }[] }>("GET", "/rules");
  for (const r of list.json.rules)
    expect((await api("PATCH", `/rules/${r.id}`, { enabled: false })).status).toBe(200);

  /** A host that reports the CPU a test sets. */
  async function host(name: string) {
    const hello = await connectClient(hub.url, tokens.agent).hello(info(name));
    const client = connectClient(hub.url, tokens.agent, hello.hostId);
    let seq = 0;
    return { id: hello.hostId, cpu: (pct: number) => client.push({ samples: [sample(++seq, pct)] }) };
  }

  /** A rule on the last CPU value that fires at once above `threshold`. */
  async function cpuRule(name: string, threshold: number) {
    const res = await api<{ rule: { id: string } }>("POST", "/rules", {
      name,
      metric: "cpu",
      aggregation: "last",
      windowS: 60,
      comparator: ">",
      threshold,
      forS: 0,
      severity: "critical",
    });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    return res.json.rule.id;
  }

  return { tokens, api, cron, cronUntil, host, cpuRule };
}
