import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { TokenView } from "../src/lib/tokens-api";
import { type FakeDocument, type FakeElement, html, installDom } from "./dom-shim";
import { host, liveHost } from "./fixtures";

// Add host, tokens, remove host and export on the tiny fake DOM, driven like
// a user would; the hub is a fetch stub answering what the real routes answer.

let doc: FakeDocument;
let root: FakeElement;
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

interface Call {
  method: string;
  url: string;
  body: unknown;
}
let calls: Call[] = [];
let answer: (c: Call) => { status: number; body?: unknown } = () => ({ status: 404 });

const SECRET = "fw_tok9_S3cr3t-value_x";

const token = (over: Partial<TokenView>): TokenView => ({
  id: "tok",
  role: "agent",
  name: "token",
  createdAt: 1_700_000_000_000,
  lastUsedAt: null,
  revokedAt: null,
  current: false,
  ...over,
});
let tokens: TokenView[] = [
  token({ id: "tok_admin", role: "admin", name: "admin token", current: true, lastUsedAt: Date.now() }),
  token({ id: "tok_agent", role: "agent", name: "<i>rack-7</i> agent" }),
  token({ id: "tok_old", role: "viewer", name: "old viewer", revokedAt: 1_700_000_500_000 }),
];

/** The hub, as far as these views ask it. */
function hubAnswer(c: Call): { status: number; body?: unknown } {
  if (c.method === "GET" && c.url === "/api/fleets/f1/tokens") return { status: 200, body: { tokens } };
  if (c.method === "POST" && c.url === "/api/fleets/f1/tokens") {
    const body = c.body as { name: string; role: TokenView["role"] };
    const created = token({ id: `tok_new${tokens.length}`, ...body });
    tokens = [...tokens, created];
    return { status: 201, body: { token: created, secret: SECRET } };
  }
  const revoke = /^\/api\/fleets\/f1\/tokens\/(\w+)$/.exec(c.url);
  if (c.method === "DELETE" && revoke) {
    if (revoke[1] === "tok_admin")
      return {
        status: 409,
        body: {
          error: "conflict",
          message: "this is the fleet's last admin token; issue another admin token first",
        },
      };
    tokens = tokens.map((t) => (t.id === revoke[1] ? { ...t, revokedAt: Date.now() } : t));
    return { status: 204 };
  }
  if (c.method === "DELETE" && c.url === "/api/fleets/f1/hosts/web-1") return { status: 204 };
  return { status: 404, body: { error: "not_found", message: "no such series" } };
}

beforeAll(async () => {
  doc = installDom();
  root = doc.createElement("div");
  doc.body.appendChild(root);
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const call = {
        method: init.method ?? "GET",
        url,
        body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
      };
      calls.push(call);
      const a = answer(call);
      return new Response(a.body === undefined ? null : JSON.stringify(a.body), {
        status: a.status,
        headers: { "content-type": "application/json" },
      });
    }),
  );
  answer = hubAnswer;
  const { render } = await import("preact");
  const { App } = await import("../src/app");
  const { live, applyChanges } = await import("../src/lib/live");
  const { emptyChanges } = await import("../src/lib/live-frames");
  const { thresholdsSettled } = await import("../src/lib/fleet-alerts");
  const { session } = await import("../src/lib/session");
  session.value = { state: "signed-in", info: { fleet: "f1", role: "viewer" } };
  live.hosts.value = applyChanges(live.hosts.value, { ...emptyChanges(), snapshot: [liveHost("web-1")] });
  live.loaded.value = true;
  thresholdsSettled.value = true;
  render(<App />, root as unknown as HTMLElement);
  await tick();
});

afterEach(() => {
  calls = [];
});

/** Waits until `find` gives an element (lazy chunks, fetches). */
async function waitFor(find: () => FakeElement | undefined, what: string): Promise<FakeElement> {
  for (let i = 0; i < 100; i++) {
    const el = find();
    if (el) return el;
    await tick(10);
  }
  throw new Error(`never appeared: ${what}`);
}
const one = (id: string) => waitFor(() => root.byTestId(id)[0], id);
const active = () => doc.activeElement;
/** Waits until focus is on the element with this test id (components focus in an effect, after render). */
const focusOn = (id: string) =>
  waitFor(
    () => (active()?.getAttribute("data-testid") === id ? (active() ?? undefined) : undefined),
    `focus on ${id}`,
  );
/** The requests that change something (GETs poll in the background: the storage banner). */
const changes = () => calls.filter((c) => c.method !== "GET");

async function go(path: string) {
  const { navigate } = await import("../src/lib/router");
  navigate(path);
  await tick();
}

/** Opens a host's page and answers its subscription as the hub would. */
async function openHost(id: string) {
  await go(`/hosts/${id}`);
  await one("host-page");
  const { live } = await import("../src/lib/live");
  live.deliver(JSON.stringify({ type: "host", serverTime: Date.now(), hostId: id, host: host(id) }));
  await tick();
}

async function signInAs(role: "viewer" | "admin") {
  const { session } = await import("../src/lib/session");
  session.value = { state: "signed-in", info: { fleet: "f1", role } };
  await tick();
}

describe("fleet administration in the dashboard", () => {
  it("shows a viewer no control that changes the fleet, but the history export", async () => {
    expect(root.byTestId("host-card")).toHaveLength(1);
    expect(root.byTestId("add-host")).toHaveLength(0);
    expect(root.byTestId("nav-settings")).toHaveLength(0);

    await openHost("web-1");
    await one("host-name");
    expect(root.byTestId("remove-host")).toHaveLength(0);
    const csv = await one("export-csv");
    expect(csv.getAttribute("href")).toMatch(
      /^\/api\/fleets\/f1\/hosts\/web-1\/export\?format=csv&from=\d+&to=\d+&step=5$/,
    );
    const href = new URL(csv.getAttribute("href") ?? "", "http://localhost");
    expect(Number(href.searchParams.get("to")) - Number(href.searchParams.get("from"))).toBe(3_600_000);
    expect(csv.attrs.has("download")).toBe(true);
    expect(root.byTestId("export-json")[0]?.getAttribute("href")).toContain("format=json");

    await go("/settings");
    expect((await one("settings-admin-only")).textContent).toContain("admin token");
    expect(calls.filter((c) => c.url.includes("/tokens"))).toEqual([]);
  });

  it("adds a host: a token, the commands for this origin, and the host live once it connects", async () => {
    await signInAs("admin");
    await go("/");
    const button = await one("add-host");
    button.focus();
    button.dispatch("click");
    const dialog = await one("add-host-dialog");
    expect(dialog.localName).toBe("dialog");
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    const title = dialog.findAll((e) => e.localName === "h2")[0];
    expect(title?.textContent).toBe("Add a host");
    expect(dialog.getAttribute("aria-labelledby")).toBe(title?.getAttribute("id"));
    // The first control has focus.
    await tick();
    await focusOn("add-host-name");

    const name = root.byTestId("add-host-name")[0] as FakeElement;
    name.value = "rack 7";
    name.dispatch("input");
    root.byTestId("add-host-form")[0]?.dispatch("submit");
    const run = await one("command-run");
    expect(changes()).toEqual([
      { method: "POST", url: "/api/fleets/f1/tokens", body: { role: "agent", name: "rack 7" } },
    ]);
    const text = (id: string) => root.byTestId(id)[0]?.byTestId("copy-text")[0]?.textContent;
    expect(text("command-install")).toBe("npm i -g fleetwatch-agent");
    expect(text("command-run")).toBe(
      `FLEETWATCH_HUB=http://localhost FLEETWATCH_TOKEN=${SECRET} fleetwatch-agent`,
    );
    expect(text("command-service")).toBe(
      `sudo fleetwatch-agent install-service --hub http://localhost --token ${SECRET}`,
    );
    expect(root.byTestId("add-host-token")[0]?.textContent).toContain("only this once");
    await focusOn("add-host-token");

    // Copy: to the clipboard when there is one, else the text is selected and the user told so.
    const realNavigator = globalThis.navigator;
    const writeText = vi.fn(async () => {});
    vi.stubGlobal("navigator", { clipboard: { writeText } });
    const copy = run.byTestId("copy-button")[0] as FakeElement;
    copy.dispatch("click");
    await tick();
    expect(writeText).toHaveBeenCalledWith(text("command-run"));
    expect(copy.getAttribute("data-outcome")).toBe("copied");
    expect(copy.textContent).toContain("Copied");
    vi.stubGlobal("navigator", {});
    root.byTestId("command-service")[0]?.byTestId("copy-button")[0]?.dispatch("click");
    await tick();
    expect(root.byTestId("command-service")[0]?.textContent).toContain("press Ctrl+C");
    vi.stubGlobal("navigator", realNavigator);

    const status = await one("add-host-status");
    expect(status.getAttribute("role")).toBe("status");
    expect(status.textContent).toContain("Waiting for the agent…");
    // A host already in the fleet sends a frame: still waiting.
    const { live, applyChanges } = await import("../src/lib/live");
    const { emptyChanges } = await import("../src/lib/live-frames");
    const p = emptyChanges();
    p.upserts.set("web-1", liveHost("web-1", { lastSeq: 9 }));
    live.hosts.value = applyChanges(live.hosts.value, p);
    await tick();
    expect(status.getAttribute("data-state")).toBe("waiting");
    // The new agent says hello: its host is named, as text.
    const q = emptyChanges();
    q.upserts.set("h_new", liveHost("h_new", { info: { ...host("x").info, hostname: "<b>db-9</b>" } }));
    live.hosts.value = applyChanges(live.hosts.value, q);
    await tick();
    expect(status.getAttribute("data-state")).toBe("connected");
    expect(root.byTestId("add-host-connected")[0]?.textContent).toBe("<b>db-9</b> connected");
    expect(dialog.findAll((e) => e.localName === "b")).toHaveLength(0);
    expect(html(dialog)).toContain('href="/hosts/h_new"');

    // Escape closes it, and focus goes back to Add host.
    dialog.dispatch("keydown", { key: "Escape", stopPropagation() {} });
    await tick();
    expect(root.byTestId("add-host-dialog")).toHaveLength(0);
    expect(active()).toBe(root.byTestId("add-host")[0]);
  });

  it("lists tokens, issues one with its secret shown once, and revokes one after naming it", async () => {
    const nav = await one("nav-settings");
    nav.dispatch("click", { button: 0, currentTarget: nav });
    await waitFor(() => (root.byTestId("token-row").length ? root : undefined), "token rows");
    const rows = root.byTestId("token-row");
    expect(rows.map((r) => r.getAttribute("data-token-id"))).toEqual(["tok_admin", "tok_agent", "tok_new3"]);
    expect(rows[0]?.textContent).toContain("(this session)");
    expect(rows[1]?.textContent).toContain("never");
    expect(rows[1]?.findAll((e) => e.localName === "i")).toHaveLength(0);
    expect(root.byTestId("revoked-token-row").map((r) => r.getAttribute("data-token-id"))).toEqual([
      "tok_old",
    ]);

    root.byTestId("token-new")[0]?.dispatch("click");
    await one("token-form");
    await focusOn("token-name");
    const name = root.byTestId("token-name")[0] as FakeElement;
    name.value = "grafana";
    name.dispatch("input");
    const role = root.byTestId("token-role")[0] as FakeElement;
    role.value = "viewer";
    role.dispatch("change");
    calls = [];
    root.byTestId("token-form")[0]?.dispatch("submit");
    const issued = await one("token-issued");
    expect(changes()).toEqual([
      { method: "POST", url: "/api/fleets/f1/tokens", body: { name: "grafana", role: "viewer" } },
    ]);
    expect(issued.byTestId("copy-text")[0]?.textContent).toBe(SECRET);
    expect(issued.textContent).toContain("only this once");
    await waitFor(() => root.byTestId("token-row")[3], "the new token's row");

    // Revoke the agent token: the dialog names it, Cancel has focus, then the hub is asked.
    const agentRow = root.byTestId("token-row").find((r) => r.getAttribute("data-token-id") === "tok_agent");
    const revoke = agentRow?.byTestId("token-revoke")[0] as FakeElement;
    revoke.focus();
    revoke.dispatch("click");
    const dialog = await one("revoke-dialog");
    await tick();
    expect(dialog.findAll((e) => e.localName === "h2")[0]?.textContent).toBe(
      "Revoke the token “<i>rack-7</i> agent”?",
    );
    await focusOn("confirm-cancel");
    calls = [];
    dialog.byTestId("confirm-ok")[0]?.dispatch("click");
    await waitFor(() => (root.byTestId("revoke-dialog").length === 0 ? root : undefined), "dialog closed");
    expect(changes()).toEqual([
      { method: "DELETE", url: "/api/fleets/f1/tokens/tok_agent", body: undefined },
    ]);
    await waitFor(
      () => root.byTestId("revoked-token-row").find((r) => r.getAttribute("data-token-id") === "tok_agent"),
      "the revoked row",
    );
    expect(active()?.getAttribute("id")).toBe("tokens-title");

    // The hub refuses to revoke the last admin token: its message shows in the dialog, which stays.
    root.byTestId("token-row")[0]?.byTestId("token-revoke")[0]?.dispatch("click");
    const last = await one("revoke-dialog");
    expect(last.byTestId("revoke-current")[0]?.textContent).toContain("signed out");
    last.byTestId("confirm-ok")[0]?.dispatch("click");
    expect((await one("confirm-error")).textContent).toContain("last admin token");
    last.byTestId("confirm-cancel")[0]?.dispatch("click");
    await tick();
    expect(root.byTestId("revoke-dialog")).toHaveLength(0);
  });

  it("removes a host after a confirmation naming it, then shows the fleet without it", async () => {
    await openHost("web-1");
    (await one("remove-host")).dispatch("click");
    const dialog = await one("remove-host-dialog");
    await tick();
    await focusOn("confirm-cancel");
    expect(dialog.findAll((e) => e.localName === "h2")[0]?.textContent).toBe("Remove web-1?");
    calls = [];
    dialog.byTestId("confirm-ok")[0]?.dispatch("click");
    await waitFor(() => (root.byTestId("host-page").length === 0 ? root : undefined), "the fleet page");
    expect(changes()).toEqual([{ method: "DELETE", url: "/api/fleets/f1/hosts/web-1", body: undefined }]);
    const { currentPath } = await import("../src/lib/router");
    expect(currentPath.value).toBe("/");
    const { live } = await import("../src/lib/live");
    expect(live.hosts.value.has("web-1")).toBe(false);
    await one("host-card");
    expect(root.byTestId("host-card").map((c) => c.getAttribute("data-host-id"))).toEqual(["h_new"]);
    expect(root.byTestId("remove-host-dialog")).toHaveLength(0);
  });
});
