import { describe, expect, it } from "vitest";
import type { ContainerMetrics } from "../../worker/src/metrics/types";
import { sortContainers } from "../src/components/host/containers";

const c = (name: string, extra: Partial<ContainerMetrics> = {}): ContainerMetrics => ({
  name,
  image: "busybox",
  state: "running",
  health: "none",
  restarts: 0,
  ...extra,
});

describe("containers table order", () => {
  const list = [c("b", { cpuPct: 5, restarts: 2 }), c("a", { cpuPct: 50 }), c("c", { state: "exited" })];

  it("sorts names A to Z and back", () => {
    expect(sortContainers(list, "name", 1).map((x) => x.name)).toEqual(["a", "b", "c"]);
    expect(sortContainers(list, "name", -1).map((x) => x.name)).toEqual(["c", "b", "a"]);
  });

  it("sorts figures biggest first, with absent figures last either way", () => {
    expect(sortContainers(list, "cpuPct", -1).map((x) => x.name)).toEqual(["a", "b", "c"]);
    expect(sortContainers(list, "cpuPct", 1).map((x) => x.name)).toEqual(["b", "a", "c"]);
    expect(sortContainers(list, "restarts", -1).map((x) => x.name)).toEqual(["b", "a", "c"]);
  });

  it("sorts states as words", () => {
    expect(sortContainers(list, "state", 1).map((x) => x.state)).toEqual(["exited", "running", "running"]);
  });
});
