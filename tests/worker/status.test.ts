import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DENSE_FLEET_HOSTS } from "../../worker/src/fleet/alarm-plan";
import { STREAM_ROTATE_S, streamRotateS } from "../../worker/src/rpc/rotation";
import { receiver, runCron } from "./alerts-helpers";
import { createFleet, hostInfo, registerHost, sample } from "./fixtures";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stub = (fleet: string) => env.FLEET.get(env.FLEET.idFromName(fleet));

describe("host status in a large fleet", () => {
  it("turns a silent host stale from the other hosts' samples, with no alarm", async () => {
    const fleet = await createFleet();
    const hosts = await Promise.all(
      Array.from({ length: DENSE_FLEET_HOSTS }, (_, i) =>
        registerHost(fleet.agent, hostInfo({ hostname: `node-${i}`, intervalS: 1 })),
      ),
    );
    const talking = hosts.slice(1);
    let seq = 0;
    const round = (hs: typeof hosts) =>
      Promise.all(hs.map((h) => h.client.push({ samples: [sample(seq, Date.now())] })));
    seq++;
    await round(hosts);
    // Three 1 s intervals pass; everyone but the first host keeps sending.
    for (let i = 0; i < 4; i++) {
      await sleep(1000);
      seq++;
      await round(talking);
    }
    const views = await stub(fleet.id).listHosts();
    const status = new Map(views.map((v) => [v.info.hostname, v.status]));
    expect(status.get("node-0")).toBe("stale");
    expect([...status.values()].filter((s) => s === "online")).toHaveLength(DENSE_FLEET_HOSTS - 1);
  }, 20_000);

  it("keeps the alarm for a small fleet at the host's own deadline", async () => {
    const fleet = await createFleet();
    const { client } = await registerHost(fleet.agent, hostInfo({ intervalS: 1 }));
    await client.push({ samples: [sample(1)] });
    await sleep(3_200);
    // Nothing else arrives: only the alarm can see the host go stale.
    expect(await runDurableObjectAlarm(stub(fleet.id))).toBe(true);
    expect((await stub(fleet.id).listHosts())[0]?.status).toBe("stale");
  });
});

describe("billed requests", () => {
  it("reads a fleet once per cron evaluation, whatever the number of rules", async () => {
    const fleet = await createFleet();
    const { client } = await registerHost(fleet.agent);
    await client.push({ samples: [sample(1)] });
    const rx = receiver();
    await runCron(fleet.id, Date.now(), rx); // seeds the built-in rules
    const before = await stub(fleet.id).usageReport();
    await runCron(fleet.id, Date.now(), rx);
    const after = await stub(fleet.id).usageReport();
    // The second usageReport is itself one request.
    expect(after.doRequests - before.doRequests).toBe(2);
  });

  it("has small fleets rotate streams every 15 minutes and a 1,000-host fleet every hour", async () => {
    expect(streamRotateS(1)).toBe(STREAM_ROTATE_S);
    expect(streamRotateS(250)).toBe(900);
    expect(streamRotateS(500)).toBe(1800);
    expect(streamRotateS(1000)).toBe(3600);
    expect(streamRotateS(50_000)).toBe(3600);
    const fleet = await createFleet();
    const { client } = await registerHost(fleet.agent);
    const again = await client.hello(hostInfo());
    expect(again.config?.streamRotateS).toBe(STREAM_ROTATE_S);
  });
});
