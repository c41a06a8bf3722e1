import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type FakeDocument, type FakeElement, installDom } from "./dom-shim";

// The banner against a tiny fake DOM: the hub's health answer is stubbed.

let doc: FakeDocument;
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

const failing = {
  ok: false,
  objects: [
    {
      rollups: {
        failures: 3,
        lastError: "Error: D1_ERROR: database or disk is full",
        lastErrorAt: Date.UTC(2026, 11, 5, 9, 0),
        lastSuccessAt: null,
        retryAt: Date.UTC(2026, 11, 5, 9, 4),
        pendingHours: 7,
      },
    },
  ],
};

beforeAll(() => {
  doc = installDom();
});

afterEach(() => vi.unstubAllGlobals());

async function renderBanner(role: "admin" | "viewer", answer: unknown) {
  const calls: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL) => {
      calls.push(String(input));
      return new Response(JSON.stringify(answer), { headers: { "content-type": "application/json" } });
    }),
  );
  const { render } = await import("preact");
  const { StorageBanner } = await import("../src/components/layout/storage-banner");
  const { session } = await import("../src/lib/session");
  session.value = { state: "signed-in", info: { fleet: "f 1", role } };
  const root: FakeElement = doc.createElement("div");
  render(<StorageBanner />, root as unknown as HTMLElement);
  await tick();
  return { root, calls, unmount: () => render(null, root as unknown as HTMLElement) };
}

describe("storage banner", () => {
  it("tells an admin that history is not reaching the database, and that nothing is lost", async () => {
    const { root, calls, unmount } = await renderBanner("admin", failing);
    expect(calls).toEqual(["/api/fleets/f%201/health"]);
    const text = root.byTestId("storage-banner")[0]?.textContent ?? "";
    expect(text).toContain("History is not reaching the database");
    expect(text).toContain("3 writes failed");
    expect(text).toContain("database or disk is full");
    expect(text).toContain("7 host-hours wait");
    unmount();
  });

  it("shows nothing while every write succeeds", async () => {
    const healthy = { ok: true, objects: [{ rollups: { ...failing.objects[0]?.rollups, failures: 0 } }] };
    const { root, unmount } = await renderBanner("admin", healthy);
    expect(root.byTestId("storage-banner")).toHaveLength(0);
    unmount();
  });

  it("asks nothing for a viewer", async () => {
    const { root, calls, unmount } = await renderBanner("viewer", failing);
    expect(calls).toEqual([]);
    expect(root.byTestId("storage-banner")).toHaveLength(0);
    unmount();
  });
});
