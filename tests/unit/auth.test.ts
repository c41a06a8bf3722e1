import { describe, expect, it } from "vitest";
import { issueToken, sha256Hex, timingSafeEqual } from "../../worker/src/auth/secrets";
import { bearerSecret, roleAllows } from "../../worker/src/auth/tokens";

describe("tokens", () => {
  it("stores only the SHA-256 of a recognisable secret", async () => {
    const t = await issueToken();
    expect(t.secret).toMatch(/^fw_[A-Za-z0-9_-]{43}$/);
    expect(t.secretHash).toBe(await sha256Hex(t.secret));
    expect(t.secretHash).not.toContain(t.secret.slice(3));
  });

  it("lets agents only ingest and viewers only read", () => {
    expect(roleAllows("agent", "agent")).toBe(true);
    expect(roleAllows("agent", "viewer")).toBe(false);
    expect(roleAllows("viewer", "agent")).toBe(false);
    expect(roleAllows("viewer", "viewer")).toBe(true);
    expect(roleAllows("viewer", "admin")).toBe(false);
    expect(roleAllows("admin", "viewer")).toBe(true);
  });

  it("parses bearer headers strictly", () => {
    expect(bearerSecret("Bearer fw_abc")).toBe("fw_abc");
    expect(bearerSecret("bearer  fw_abc ")).toBe("fw_abc");
    expect(bearerSecret("Basic x")).toBeUndefined();
    expect(bearerSecret("Bearer a b")).toBeUndefined();
  });

  it("compares in constant time and still tells strings apart", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual("abc", "abcd")).toBe(false);
  });
});
