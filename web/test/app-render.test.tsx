import { beforeAll, describe, expect, it, vi } from "vitest";
import { type FakeDocument, type FakeElement, html, installDom } from "./dom-shim";
import { host, liveHost } from "./fixtures";

// Smoke test of the real components against a tiny fake DOM: the store is
// fed directly (no socket), fetch is stubbed.

let doc: FakeDocument;
let root: FakeElement;
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  doc = installDom();
  root = doc.createElement("div");
  doc.body.appendChild(root);
  vi.stubGlobal(
    "fetch",
    vi.fn(
      async () =>
        new Response(JSON.stringify({ error: "not_found", message: "no such series" }), { status: 404 }),
    ),
  );
});

async function setup() {
  const { render } = await import("preact");
  const { App } = await import("../src/app");
  const { session } = await import("../src/lib/session");
  const { live, applyChanges } = await import("../src/lib/live");
  const { emptyChanges } = await import("../src/lib/live-frames");
  return { render, App, session, live, applyChanges, emptyChanges };
}

/** A firing alert as the hub's alerts frame carries it. */
function liveAlert(hostId: string, severity: "warning" | "critical") {
  return {
    id: `al-${hostId}`,
    fingerprint: `fp-${hostId}`,
    ruleId: "r",
    rule: "cpu high",
    severity,
    hostId,
    host: hostId,
    series: "cpu",
    state: "firing" as const,
    value: 95,
    threshold: 90,
    pendingSince: 1,
    startsAt: 1,
    silenced: false,
  };
}

describe("app rendering", () => {
  it("shows the sign-in form when signed out", async () => {
    const { render, App, session } = await setup();
    session.value = { state: "signed-out", error: "Your session has ended. Sign in again." };
    render(<App />, root as unknown as HTMLElement);
    await tick();
    expect(root.byTestId("sign-in-form")).toHaveLength(1);
    expect(root.byTestId("sign-in-error")[0]?.textContent).toContain("session has ended");
  });

  it("renders a card per host with hostile names as text", async () => {
    const { session, live, applyChanges, emptyChanges } = await setup();
    session.value = { state: "signed-in", info: { fleet: "f1", role: "viewer" } };
    // What the session's watcher does once the fleet's rules are read.
    const { thresholdsSettled } = await import("../src/lib/fleet-alerts");
    const evil = liveHost("evil", {
      info: {
        ...host("x").info,
        hostname: "<img src=x onerror=alert(1)>",
        labels: { env: "<b>prod</b>" },
      },
    });
    const hot = liveHost(
      "hot",
      {},
      {
        cpu: { totalPct: 95, perCorePct: [] },
        net: [
          { name: "eth0", rxBytesPerS: 1_000_000, txBytesPerS: 200_000 },
          { name: "eth1", rxBytesPerS: 234_567, txBytesPerS: 0 },
        ],
      },
    );
    const stale = liveHost("old", { status: "stale" });
    live.hosts.value = applyChanges(live.hosts.value, { ...emptyChanges(), snapshot: [evil, hot, stale] });
    // The hub's alerts frame: "hot" has a critical alert firing (badges come from alerts, not figures).
    live.alerts.value = { evaluatedAt: 1, alerts: [liveAlert("hot", "critical")] };
    live.loaded.value = true;
    await tick();
    // Hosts are in, the rules not yet: the list waits rather than re-sorting right after it shows.
    expect(root.byTestId("fleet-loading")).toHaveLength(1);
    expect(root.byTestId("shown-count")[0]?.textContent).toBe("Loading…");
    thresholdsSettled.value = true;
    await tick();
    const cards = root.byTestId("host-card");
    expect(cards.map((c) => c.getAttribute("data-host-id"))).toEqual(["hot", "old", "evil"]);
    expect(root.findAll((e) => e.localName === "img")).toHaveLength(0);
    const evilCard = cards.find((c) => c.getAttribute("data-host-id") === "evil");
    expect(evilCard?.byTestId("host-link")[0]?.textContent).toBe("<img src=x onerror=alert(1)>");
    const hotCard = cards[0];
    expect(hotCard?.getAttribute("data-health")).toBe("critical");
    const metric = (c: FakeElement | undefined, m: string) =>
      c?.findAll((e) => e.getAttribute("data-metric") === m)[0]?.textContent;
    expect(metric(hotCard, "cpu")).toBe("95 %");
    // The bar is coloured by the rules' thresholds, apart from the badge.
    expect(hotCard?.findAll((e) => e.getAttribute("data-level") === "critical")).toHaveLength(1);
    expect(metric(hotCard, "net.rx")).toBe("1.2 MiB/s");
    expect(metric(hotCard, "last-seen")).toMatch(/ago$/);
    expect(cards[1]?.byTestId("host-health")[0]?.textContent).toBe("Stale");
    const counts = root.byTestId("status-counts")[0];
    const count = (s: string) =>
      counts?.findAll((e) => e.getAttribute("data-status") === s)[0]?.getAttribute("data-count");
    expect([count("critical"), count("stale"), count("healthy")]).toEqual(["1", "1", "1"]);
  });

  it("shows the fleet's firing alerts in the header, linking to the alerts page", async () => {
    const { firingCount } = await import("../src/lib/fleet-alerts");
    const link = () => root.byTestId("firing-count")[0];
    expect(link()?.textContent).toBe("– firing alerts");
    firingCount.value = 1;
    await tick();
    expect(link()?.textContent).toBe("1 firing alert");
    expect(link()?.getAttribute("href")).toBe("/alerts");
    expect(link()?.getAttribute("class")).toContain("count-alerting");
    firingCount.value = 0;
    await tick();
    expect(link()?.textContent).toBe("0 firing alerts");
    expect(link()?.getAttribute("class")).not.toContain("count-alerting");
  });

  it("updates one card in place when a host frame arrives", async () => {
    const { live, applyChanges, emptyChanges } = await setup();
    const before = root.byTestId("host-card").find((c) => c.getAttribute("data-host-id") === "evil");
    const p = emptyChanges();
    p.upserts.set("evil", liveHost("evil", {}, { cpu: { totalPct: 85, perCorePct: [] } }));
    live.hosts.value = applyChanges(live.hosts.value, p);
    await tick();
    const after = root.byTestId("host-card").find((c) => c.getAttribute("data-host-id") === "evil");
    expect(after).toBe(before);
    // 85 % is above the warning threshold, but no alert fires on it: healthy until the hub says so.
    expect(after?.getAttribute("data-health")).toBe("healthy");
    live.alerts.value = {
      evaluatedAt: 2,
      alerts: [liveAlert("hot", "critical"), liveAlert("evil", "warning")],
    };
    await tick();
    expect(after?.getAttribute("data-health")).toBe("warning");
  });

  it("filters by text and switches to the table", async () => {
    const { textFilter, setViewMode } = await import("../src/lib/fleet-view");
    textFilter.value = "hot";
    await tick();
    expect(root.byTestId("host-card").map((c) => c.getAttribute("data-host-id"))).toEqual(["hot"]);
    textFilter.value = "";
    setViewMode("table");
    await tick();
    expect(root.byTestId("host-row")).toHaveLength(3);
    expect(root.byTestId("fleet-table")).toHaveLength(1);
  });

  it("opens the host page and shows chart errors inside the chart", async () => {
    const { navigate } = await import("../src/lib/router");
    navigate("/hosts/hot");
    for (let i = 0; i < 50 && root.byTestId("host-page").length === 0; i++) await tick();
    // The page subscribed to the host: its full state arrives as the hub sends it.
    const { live } = await import("../src/lib/live");
    const full = host("hot", {}, { cpu: { totalPct: 95, perCorePct: [] } });
    live.deliver(JSON.stringify({ type: "host", serverTime: Date.now(), hostId: "hot", host: full }));
    await tick(100);
    expect(root.byTestId("host-name")[0]?.textContent).toBe("hot");
    expect(root.byTestId("host-info")).toHaveLength(1);
    const sparks = root.byTestId("sparklines")[0]?.findAll((e) => e.getAttribute("class") === "spark") ?? [];
    expect(sparks.map((e) => e.getAttribute("data-metric"))).toEqual([
      "cpu",
      "mem",
      "load1",
      "net.rx",
      "net.tx",
      "disk.read",
      "disk.write",
    ]);
    const errors = root.byTestId("chart-error");
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.textContent).toContain("no such series");
    expect(html(root)).not.toContain("<img");
    if (process.env.DUMP) console.log(html(root));
  });
});
