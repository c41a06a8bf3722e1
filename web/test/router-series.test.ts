import { describe, expect, it } from "vitest";
import { matchRoute } from "../src/lib/router";

describe("matchRoute", () => {
  it("maps paths to routes", () => {
    expect(matchRoute("/")).toEqual({ name: "fleet" });
    expect(matchRoute("/alerts/")).toEqual({ name: "alerts" });
    expect(matchRoute("/settings")).toEqual({ name: "settings" });
    expect(matchRoute("/hosts/a%2Fb")).toEqual({ name: "host", id: "a/b" });
    expect(matchRoute("/hosts/%E0%A4%A")).toEqual({ name: "not-found", path: "/hosts/%E0%A4%A" });
  });
});
