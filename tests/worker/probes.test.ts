import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkHttp } from "../../worker/src/probes/check-http";
import { checkTcp } from "../../worker/src/probes/check-tcp";
import { createFleet } from "./fixtures";
import { closedTarget, createProbe, getProbe, runProbesAt, targetUrl } from "./probes-helpers";

const http = (path: string, over: Partial<Parameters<typeof checkHttp>[0]> = {}) => ({
  target: targetUrl(path),
  method: "GET",
  expectStatusMin: 200,
  expectStatusMax: 299,
  keyword: null,
  timeoutMs: 5000,
  followRedirects: true,
  headers: {},
  ...over,
});

describe("HTTP checks against a loopback server", () => {
  it("is up on a 200 within the range, with its status and latency", async () => {
    const r = await checkHttp(http("/ok"), 1000);
    expect(r).toMatchObject({ at: 1000, outcome: "up", status: 200, error: null });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("is down on a status outside the expected range, naming it", async () => {
    const r = await checkHttp(http("/status/503"), 0);
    expect(r).toMatchObject({ outcome: "status", status: 503, error: "HTTP 503, expected 200-299" });
  });

  it("finds the keyword in the body, and is down when it is missing", async () => {
    expect((await checkHttp(http("/ok", { keyword: "systems go" }), 0)).outcome).toBe("up");
    const r = await checkHttp(http("/ok", { keyword: "maintenance" }), 0);
    expect(r).toMatchObject({ outcome: "keyword", status: 200 });
    expect(r.error).toContain("maintenance");
  });

  it("times out on a server slower than the timeout", async () => {
    const r = await checkHttp(http("/slow/3000", { timeoutMs: 1000 }), 0);
    expect(r).toMatchObject({ outcome: "timeout", status: null, latencyMs: 1000 });
    expect(r.error).toBe("no answer within 1000 ms");
  });

  it("measures a slow answer within the timeout as up with its latency", async () => {
    const r = await checkHttp(http("/slow/400"), 0);
    expect(r.outcome).toBe("up");
    expect(r.latencyMs).toBeGreaterThanOrEqual(350);
  });

  it("follows redirects, or sees the 3xx when told not to", async () => {
    expect(await checkHttp(http("/redirect"), 0)).toMatchObject({ outcome: "up", status: 200 });
    const r = await checkHttp(http("/redirect", { followRedirects: false }), 0);
    expect(r).toMatchObject({ outcome: "status", status: 302 });
  });

  it("sends the custom headers and its user agent", async () => {
    const r = await checkHttp(
      http("/echo-headers", { headers: { "X-Probe-Token": "tok-123" }, keyword: "tok-123" }),
      0,
    );
    expect(r.outcome).toBe("up");
    const ua = await checkHttp(http("/echo-headers", { keyword: "fleetwatch-probe/1" }), 0);
    expect(ua.outcome).toBe("up");
  });

  it("reports a refused connection", async () => {
    const r = await checkHttp({ ...http("/"), target: `http://${closedTarget()}/` }, 0);
    expect(r.outcome).toBe("refused");
    expect(r.error).toBeTruthy();
  });
});

describe("TCP checks with connect()", () => {
  it("is up when the port accepts a connection", async () => {
    const target = new URL(targetUrl("/")).host;
    expect(await checkTcp({ target, timeoutMs: 3000 }, 5)).toMatchObject({
      at: 5,
      outcome: "up",
      status: null,
    });
  });

  it("is down, refused, when nothing listens", async () => {
    const r = await checkTcp({ target: closedTarget(), timeoutMs: 3000 }, 0);
    expect(r.outcome).toBe("refused");
    expect(r.error).toBeTruthy();
  });
});

describe("the cron's probe runs", () => {
  it("checks a new probe at the next run, then again only once its interval has passed", async () => {
    const fleet = await createFleet();
    const id = await createProbe(fleet, { name: "every-2m", target: targetUrl("/ok"), intervalS: 120 });
    const t0 = Date.now() + 1000;
    expect((await runProbesAt(t0)).checked).toBeGreaterThanOrEqual(1);
    expect((await getProbe(fleet, id)).last).toMatchObject({ up: true, status: 200, failures: 0 });
    const counts = async () =>
      (
        await env.DB.prepare("SELECT checks FROM probe_days WHERE probe_id = ?")
          .bind(id)
          .first<{ checks: number }>()
      )?.checks;
    expect(await counts()).toBe(1);
    await runProbesAt(t0 + 60_000);
    expect(await counts()).toBe(1);
    await runProbesAt(t0 + 120_000);
    expect(await counts()).toBe(2);
  });

  it("skips disabled probes", async () => {
    const fleet = await createFleet();
    const id = await createProbe(fleet, { name: "off", target: targetUrl("/ok"), enabled: false });
    await runProbesAt(Date.now() + 1000);
    expect((await getProbe(fleet, id)).last).toBeNull();
  });

  it("keeps at most 6 checks in flight and defers what is over the per-run cap to the next run", async () => {
    const fleet = await createFleet();
    for (let i = 0; i < 14; i++)
      await createProbe(fleet, { name: `slow-${i}`, target: targetUrl("/slow/200") });
    // Other test files' probes are not in this database (storage is isolated per file), but
    // earlier tests in this file left probes due later: run far enough ahead that every probe is due.
    const at = Date.now() + 10 * 60_000;
    const first = await runProbesAt(at, { maxPerRun: 10 });
    expect(first.checked).toBe(10);
    expect(first.peakInFlight).toBeLessThanOrEqual(6);
    expect(first.peakInFlight).toBeGreaterThan(1);
    expect(first.deferred).toBe(first.due - 10);
    const second = await runProbesAt(at, { maxPerRun: 100 });
    expect(second.checked).toBe(first.due - 10);
    expect(second.deferred).toBe(0);
  });

  it("starts no check past the run's deadline and leaves those due", async () => {
    const fleet = await createFleet();
    for (let i = 0; i < 3; i++) await createProbe(fleet, { name: `late-${i}`, target: targetUrl("/ok") });
    let t = 0;
    // A clock that jumps past the deadline once the run and its first check have started.
    const summary = await runProbesAt(Date.now() + 20 * 60_000, {
      concurrency: 1,
      deadlineMs: 1000,
      clock: () => (t++ < 2 ? 0 : 5000),
    });
    expect(summary.checked).toBe(1);
    expect(summary.deferred).toBe(summary.due - 1);
  });
});
