import { beforeAll, describe, expect, it } from "vitest";
import type { TlsCertMetrics } from "../../worker/src/metrics/types";
import { type FakeDocument, type FakeElement, installDom } from "./dom-shim";

// The host page's certificates table against a tiny fake DOM.

let doc: FakeDocument;
beforeAll(() => {
  doc = installDom();
});

const cert = (name: string, daysLeft: number | undefined, error = ""): TlsCertMetrics => ({
  name,
  target: `${name}.example.com:443`,
  ...(daysLeft === undefined ? {} : { notAfterS: 1_900_000_000, daysLeft }),
  issuerCn: "Example CA",
  subjectCn: `${name}.example.com`,
  error,
  checkedMs: 1_800_000_000_000,
});

async function renderTable(certs: TlsCertMetrics[]) {
  const { render } = await import("preact");
  const { CertificatesTable } = await import("../src/components/host/certificates");
  const root: FakeElement = doc.createElement("div");
  render(<CertificatesTable certs={certs} />, root as unknown as HTMLElement);
  return root;
}

describe("certificates table", () => {
  it("lists the soonest expiry first, failed checks last, and colours days left inside 14 days", async () => {
    const root = await renderTable([
      cert("fine", 80.25),
      cert("gone", undefined, "connection refused (ECONNREFUSED)"),
      cert("soon", 5.5),
      cert("old", -2, "certificate has expired (CERT_HAS_EXPIRED)"),
    ]);
    const rows = root.findAll((e) => e.getAttribute("data-cert") !== null);
    expect(rows.map((r) => r.getAttribute("data-cert"))).toEqual(["old", "soon", "fine", "gone"]);
    const levels = root
      .findAll((e) => e.getAttribute("data-level") !== null)
      .map((e) => e.getAttribute("data-level"));
    expect(levels).toEqual(["critical", "warning"]);
    expect(rows[1]?.textContent).toContain("5.5");
    expect(rows[3]?.textContent).toContain("connection refused");
  });

  it("shows an agent's error text as text, never as markup", async () => {
    const root = await renderTable([cert("web", 3, "<img src=x onerror=alert(1)>")]);
    expect(root.textContent).toContain("<img src=x onerror=alert(1)>");
    expect(root.findAll((e) => e.localName === "img")).toHaveLength(0);
  });
});
