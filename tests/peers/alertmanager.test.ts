import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type Hub, startHub } from "../e2e/hub";
import { alertingFleet } from "../e2e/hub-alerts";

/** The Debian package's binary; `.ci/run` installs it (`prometheus-alertmanager`). */
const ALERTMANAGER = process.env.ALERTMANAGER_BIN ?? "prometheus-alertmanager";

/** An alert as Alertmanager's API v2 lists it (gettableAlert). */
interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
  fingerprint: string;
  status: { state: "active" | "suppressed" | "unprocessed" };
}

/** A real Alertmanager on a free loopback port, a null receiver, its own storage, no cluster. */
async function startAlertmanager() {
  const dir = mkdtempSync(join(tmpdir(), "fleetwatch-am-"));
  const config = join(dir, "alertmanager.yml");
  writeFileSync(config, 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(
    ALERTMANAGER,
    [
      `--config.file=${config}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (e) =>
      reject(new Error(`${ALERTMANAGER} did not start (${e.message}): install prometheus-alertmanager`)),
    );
  });
  await spawned;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited (${child.exitCode}):\n${output}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`alertmanager not ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    /** `GET /api/v2/alerts` with the given filters (Alertmanager's defaults otherwise). */
    async alerts(query = ""): Promise<GettableAlert[]> {
      const res = await fetch(`${url}/api/v2/alerts${query}`);
      expect(res.status).toBe(200);
      return (await res.json()) as GettableAlert[];
    },
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
          setTimeout(() => child.kill("SIGKILL"), 5000).unref();
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("the alertmanager channel against a real Alertmanager", () => {
  let am: Awaited<ReturnType<typeof startAlertmanager>>;
  let hub: Hub;
  let fleet: Awaited<ReturnType<typeof alertingFleet>>;

  beforeAll(async () => {
    am = await startAlertmanager();
    hub = await startHub();
    fleet = await alertingFleet(hub, "am-peer");
  });

  afterAll(async () => {
    await hub?.dispose();
    await am?.stop();
  });

  it("shows a firing alert with fleetwatch's labels, then resolves it", async () => {
    const ch = await fleet.api<{ channel: { id: string } }>("POST", "/channels", {
      name: "am",
      kind: "alertmanager",
      url: am.url,
    });
    expect(ch.status, JSON.stringify(ch.json)).toBe(201);

    // The Test button: Alertmanager takes the test alert.
    const test = await fleet.api<{ delivered: boolean; error: string | null }>(
      "POST",
      `/channels/${ch.json.channel.id}/test`,
    );
    expect(test.json).toMatchObject({ delivered: true, error: null });
    expect((await am.alerts()).map((a) => a.labels.alertname)).toContain("FleetwatchTest");

    await fleet.cpuRule("CPU hot", 50);
    const host = await fleet.host("am-host");
    await host.cpu(93);
    let mine: GettableAlert | undefined;
    await fleet.cronUntil(
      async () => {
        mine = (await am.alerts()).find((a) => a.labels.alertname === "CPU hot");
        return mine !== undefined;
      },
      () => "Alertmanager never listed the alert",
    );
    expect(mine?.labels).toEqual({
      alertname: "CPU hot",
      severity: "critical",
      host: "am-host",
      host_id: host.id,
      fleet: "am-peer",
      series: "cpu",
    });
    expect(mine?.status.state).toBe("active");
    expect(mine?.annotations).toMatchObject({ value: "93", threshold: "50" });
    expect(mine?.annotations.summary).toContain("FIRING [critical] CPU hot on am-host");
    expect(mine?.generatorURL).toBe(`${hub.url}/hosts/${host.id}`);
    expect(Date.parse(mine?.endsAt ?? "")).toBeGreaterThan(Date.now() + 6 * 86_400_000);

    // It clears: Alertmanager sees it end (resolved alerts leave the active list).
    await host.cpu(5);
    await fleet.cronUntil(
      async () => !(await am.alerts()).some((a) => a.labels.alertname === "CPU hot"),
      () => "Alertmanager still lists the alert as active",
    );
    const all = await am.alerts("?active=true&silenced=true&inhibited=true&unprocessed=true");
    const still = all.find((a) => a.labels.alertname === "CPU hot");
    if (still) expect(Date.parse(still.endsAt)).toBeLessThanOrEqual(Date.now());
    const resolved = await fleet.api<{ alerts: { rule: string; endsAt: number | null }[] }>(
      "GET",
      "/alerts?state=resolved",
    );
    expect(resolved.json.alerts.find((a) => a.rule === "CPU hot")?.endsAt).toEqual(expect.any(Number));
  });
});
