import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChannelView, RuleView } from "../src/lib/alerts-api";
import { type FakeDocument, type FakeElement, installDom } from "./dom-shim";
import { rule } from "./fixtures";

// The alerts forms rendered into the tiny fake DOM and driven like a user
// would; the hub is a fetch stub that answers what the real routes answer.

let doc: FakeDocument;
let root: FakeElement;
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

/** Waits until `el()` has focus: forms focus a field in an effect, after they render. */
async function focused(el: () => FakeElement | null | undefined): Promise<void> {
  for (let i = 0; i < 100 && doc.activeElement !== el(); i++) await tick(10);
  expect(doc.activeElement).toBe(el());
}

interface Call {
  method: string;
  url: string;
  body: unknown;
}
let calls: Call[] = [];
let answer: (c: Call) => { status: number; body?: unknown } = () => ({ status: 404 });

function json(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

beforeAll(() => {
  doc = installDom();
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
      return json(a.status, a.body);
    }),
  );
});

beforeEach(() => {
  root = doc.createElement("div");
  doc.body.appendChild(root);
  calls = [];
});

/** Types into a control the way an input event delivers it. */
function type(el: FakeElement | null, value: string) {
  if (!el) throw new Error("no such control");
  el.value = value;
  el.dispatch("input");
}

const byName = (name: string) => root.querySelector(`[name="${name}"]`);

const savedRule = rule();

describe("the rule form", () => {
  it("labels every control, in the form's order", async () => {
    const { render } = await import("preact");
    const { RuleForm } = await import("../src/components/alerts/rule-form");
    render(<RuleForm fleet="f1" onSaved={() => {}} onCancel={() => {}} />, root as unknown as HTMLElement);
    await tick();
    const labels = root.findAll((e) => e.localName === "label");
    expect(labels.map((l) => l.findAll((e) => e.localName === "span")[0]?.textContent)).toEqual([
      "Name",
      "Metric",
      "Aggregation",
      "Window (min)",
      "Comparison",
      "Threshold",
      "Clears at",
      "For (min)",
      "Severity",
      "Repeat every (min, 0 = never)",
      "Hosts (glob)",
      "Labels (env=prod, role=web*)",
      "Enabled",
    ]);
    // Each label holds its control, so clicking the words focuses it and screen readers name it.
    for (const l of labels) {
      expect(l.findAll((e) => e.localName === "input" || e.localName === "select")).toHaveLength(1);
    }
    await focused(() => byName("name"));
  });

  it("shows the hub's message in the form's words on the field it names, then saves", async () => {
    const { render } = await import("preact");
    const { RuleForm } = await import("../src/components/alerts/rule-form");
    const saved: RuleView[] = [];
    render(
      <RuleForm fleet="f1" onSaved={(r) => saved.push(r)} onCancel={() => {}} />,
      root as unknown as HTMLElement,
    );
    await tick();
    type(byName("name"), "Hot");
    type(byName("windowS"), "0.5");
    type(byName("threshold"), "50");
    answer = () => ({
      status: 400,
      body: { error: "invalid_request", message: "windowS: Too small: expected number to be >=60" },
    });
    root.findAll((e) => e.localName === "form")[0]?.dispatch("submit");
    await tick();

    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      method: "POST",
      url: "/api/fleets/f1/rules",
      body: { name: "Hot", metric: "cpu", windowS: 30, threshold: 50, clearThreshold: 50, forS: 0 },
    });
    const error = root.byTestId("form-error")[0];
    expect(error?.textContent).toBe("Window: At least 60 s");
    expect(error?.getAttribute("role")).toBe("alert");
    const windowInput = byName("windowS");
    expect(windowInput?.getAttribute("aria-invalid")).toBe("true");
    expect(windowInput?.getAttribute("aria-describedby")).toBe(error?.getAttribute("id"));
    expect(byName("threshold")?.getAttribute("aria-invalid")).toBeNull();
    await focused(() => windowInput);
    expect(saved).toEqual([]);

    type(byName("windowS"), "1");
    answer = () => ({ status: 201, body: { rule: savedRule } });
    root.findAll((e) => e.localName === "form")[0]?.dispatch("submit");
    await tick();
    expect(calls[1]?.body).toMatchObject({ windowS: 60 });
    expect(saved).toEqual([savedRule]);
  });
});

describe("the channels section", () => {
  const channel: ChannelView = {
    id: "chan_1",
    name: "ops",
    kind: "webhook",
    urlHint: "https://hooks.example/…hook",
    secretHint: "…abcd",
    enabled: true,
    createdAt: 1,
    updatedAt: 1,
  };

  /** The section listing `channel`; changes get `change` as the answer. */
  async function showChannels(change: { status: number; body?: unknown }) {
    const { render } = await import("preact");
    const { ChannelsSection } = await import("../src/components/alerts/channels-section");
    answer = (c) => (c.method === "GET" ? { status: 200, body: { channels: [channel] } } : change);
    render(<ChannelsSection fleet="f1" />, root as unknown as HTMLElement);
    await tick();
  }

  it("edits a channel, sending only what changed (an empty URL keeps the stored one)", async () => {
    await showChannels({ status: 200, body: { channel } });
    root.byTestId("channel-edit")[0]?.dispatch("click");
    await tick();
    const form = root.byTestId("channel-form")[0];
    expect(form?.getAttribute("aria-label")).toBe("Edit channel ops");
    expect(byName("name")?.value).toBe("ops");
    expect(byName("url")?.value).toBe("");
    type(byName("name"), "on-call");
    form?.dispatch("submit");
    await tick();
    const patch = calls.find((c) => c.method === "PATCH");
    expect(patch).toEqual({
      method: "PATCH",
      url: "/api/fleets/f1/channels/chan_1",
      body: { name: "on-call" },
    });
    // Saved: the form closes and the list is read again.
    expect(root.byTestId("channel-form")).toHaveLength(0);
    expect(calls.filter((c) => c.method === "GET")).toHaveLength(2);
  });

  it("pauses a channel and shows the hub's refusal as an alert", async () => {
    await showChannels({ status: 403, body: { error: "forbidden", message: "Admins only." } });
    root.byTestId("channel-toggle")[0]?.dispatch("click");
    await tick();
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ enabled: false });
    const alerts = root.findAll((e) => e.getAttribute("role") === "alert");
    expect(alerts.map((a) => a.textContent)).toEqual(["Admins only."]);
  });
});
