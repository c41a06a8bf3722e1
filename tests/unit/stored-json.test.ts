import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import type { z } from "zod";
import type { AlertPayload } from "../../worker/src/alerts/payload";
import { parseLabels } from "../../worker/src/alerts/rules";
import { isSilenced, parseMatchers } from "../../worker/src/alerts/silences";
import {
  type AlertPayloadSchema,
  checkAlertPayload,
  checkHostInfo,
  checkHostView,
  checkMetrics,
  decodeStored,
  type HostInfoSchema,
  type HostViewSchema,
  type MetricsSchema,
  StoredJsonError,
  tryDecodeStored,
} from "../../worker/src/db/stored-json";
import { checkSegment } from "../../worker/src/fleet/raw-window";
import {
  type Agg,
  checkRollupRow,
  decodePoints,
  packPoints,
  type RollupPoint,
  unpackPoints,
} from "../../worker/src/fleet/rollup";
import type { HostInfoView, HostView, Metrics } from "../../worker/src/metrics/types";

let logged: string[] = [];
beforeEach(() => {
  logged = [];
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    logged.push(args.map(String).join(" "));
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** The StoredJsonError `fn` throws. */
function failure(fn: () => unknown): StoredJsonError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StoredJsonError) return e;
    throw e;
  }
  throw new Error("expected a StoredJsonError");
}

/** A small seeded generator (mulberry32), so a failing case can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    num: () => (next() < 0.1 ? 0 : (next() - 0.3) * 10 ** Math.floor(next() * 12)),
  };
}

const info: HostInfoView = {
  hostname: "web-1",
  machineId: "m-1",
  os: "Debian 12",
  kernel: "6.1.0",
  arch: "x64",
  cpuModel: "Test CPU",
  cores: 4,
  memoryBytes: 8 * 2 ** 30,
  agentVersion: "0.1.0",
  labels: { env: "prod" },
  intervalS: 5,
};

const metrics: Metrics = {
  cpu: { totalPct: 12.5, userPct: 8, perCorePct: [10, 15] },
  load: { load1: 0.5, load5: 0.4, load15: 0.3 },
  memory: { totalBytes: 8, usedBytes: 3, availableBytes: 5, cachedBytes: 1 },
  swap: { totalBytes: 2, usedBytes: 0 },
  filesystems: [{ mount: "/", fsType: "ext4", device: "/dev/sda1", sizeBytes: 100, usedBytes: 40 }],
  diskIo: { readBytesPerS: 1, writeBytesPerS: 2 },
  net: [{ name: "eth0", rxBytesPerS: 1000, txBytesPerS: 500 }],
  processes: {
    total: 120,
    running: 2,
    topCpu: [{ pid: 1, name: "init", cpuPct: 0.1, memoryBytes: 1024 }],
    topMemory: [],
  },
  temperatures: [{ sensor: "cpu", celsius: 45 }],
  uptimeS: 3600,
};

const view: HostView = { id: "h1", info, status: "online", lastSeen: 1, lastSeq: 2, metrics };

const payload: AlertPayload = {
  version: 1,
  fleet: "f",
  status: "firing",
  alerts: [
    {
      fingerprint: "abc",
      rule: "cpu high",
      severity: "warning",
      host: "web-1",
      hostId: "h1",
      series: "cpu",
      labels: {},
      value: 99,
      threshold: 90,
      startsAt: "2024-01-01T00:00:00.000Z",
      endsAt: null,
      url: "http://x/hosts/h1",
    },
  ],
};

describe("stored JSON schemas", () => {
  it("decode exactly the types their writers store", () => {
    expectTypeOf<z.output<typeof HostInfoSchema>>().toEqualTypeOf<HostInfoView>();
    expectTypeOf<z.output<typeof MetricsSchema>>().toEqualTypeOf<Metrics>();
    expectTypeOf<z.output<typeof HostViewSchema>>().toEqualTypeOf<HostView>();
    expectTypeOf<z.output<typeof AlertPayloadSchema>>().toEqualTypeOf<AlertPayload>();
  });

  it("read back what the hub writes", () => {
    expect(decodeStored(JSON.stringify(info), checkHostInfo, "w")).toEqual(info);
    expect(decodeStored(JSON.stringify(metrics), checkMetrics, "w")).toEqual(metrics);
    expect(decodeStored("{}", checkMetrics, "w")).toEqual({});
    expect(decodeStored(JSON.stringify(view), checkHostView, "w")).toEqual(view);
    expect(decodeStored(JSON.stringify(payload), checkAlertPayload, "w")).toEqual(payload);
  });

  it("drop keys a newer writer added", () => {
    const newer = { ...info, rack: "r7" };
    expect(decodeStored(JSON.stringify(newer), checkHostInfo, "w")).toEqual(info);
  });

  it("name the row and say when the text is not JSON", () => {
    const e = failure(() => decodeStored('{"hostname":', checkHostInfo, "hosts row h1: info"));
    expect(e.where).toBe("hosts row h1: info");
    expect(e.message).toMatch(/^hosts row h1: info: not JSON \(/);
  });

  it("name the row and the first bad field of a wrong shape", () => {
    const e = failure(() =>
      decodeStored(JSON.stringify({ ...info, intervalS: "5" }), checkHostInfo, "hosts row h1: info"),
    );
    expect(e.message).toMatch(/^hosts row h1: info: intervalS: .*expected number/);
    expect(failure(() => decodeStored("[]", checkHostInfo, "w")).message).toMatch(/^w: .*expected object/);
    expect(failure(() => decodeStored("null", checkMetrics, "w")).message).toMatch(/^w: .*expected object/);
    const core = failure(() =>
      decodeStored(JSON.stringify({ cpu: { totalPct: 1, perCorePct: [1, null] } }), checkMetrics, "w"),
    );
    expect(core.message).toMatch(/^w: cpu\.perCorePct\.1: .*expected number/);
    const status = failure(() => decodeStored(JSON.stringify({ ...view, status: "up" }), checkHostView, "w"));
    expect(status.message).toMatch(/^w: status: /);
    const nested = failure(() =>
      decodeStored(JSON.stringify({ ...view, info: { ...info, labels: { a: 1 } } }), checkHostView, "w"),
    );
    expect(nested.message).toMatch(/^w: info\.labels\.a: /);
  });

  it("count the problems beyond the first", () => {
    const e = failure(() => decodeStored("{}", checkHostInfo, "w"));
    expect(e.message).toMatch(/and 10 more problems/);
  });

  it("refuse a payload of another version or with a bad alert", () => {
    expect(
      failure(() => decodeStored(JSON.stringify({ ...payload, version: 2 }), checkAlertPayload, "w")).message,
    ).toMatch(/^w: version: /);
    const bad = { ...payload, alerts: [{ ...payload.alerts[0], severity: "page" }] };
    expect(failure(() => decodeStored(JSON.stringify(bad), checkAlertPayload, "w")).message).toMatch(
      /^w: alerts\.0\.severity: /,
    );
    expect(failure(() => decodeStored("{}", checkAlertPayload, "w")).message).toMatch(/^w: /);
  });

  it("refuse a value that is not text at all", () => {
    expect(failure(() => decodeStored(null, checkMetrics, "w")).message).toBe(
      "w: expected JSON text, got object",
    );
  });

  it("return the error instead of throwing on request", () => {
    expect(tryDecodeStored("{", checkMetrics, "w")).toMatchObject({ ok: false });
    expect(tryDecodeStored("{}", checkMetrics, "w")).toEqual({ ok: true, value: {} });
  });
});

describe("raw segment check", () => {
  const seg = {
    k: ["cpu", "mem"],
    p: [
      [1, 1000, 10, 20],
      [2, 2000, null, 21],
      [3, 3000],
      [4, 4000, 12],
    ],
  };

  it("accepts the writer's form: short rows and nulls where a sample lacked a series", () => {
    expect(checkSegment(seg)).toBe(seg);
    expect(checkSegment({ k: [], p: [] })).toEqual({ k: [], p: [] });
  });

  it("accepts random segments in the writer's layout", () => {
    const r = rng(7);
    for (let n = 0; n < 200; n++) {
      const k = Array.from({ length: r.int(30) }, (_, i) => `s${i}`);
      const p = Array.from({ length: r.int(50) }, (_, i) => [
        i + 1,
        1_700_000_000_000 + i * 5000,
        ...Array.from({ length: r.int(k.length + 1) }, () => (r.next() < 0.2 ? null : r.num())),
      ]);
      const text = JSON.stringify({ k, p });
      expect(decodeStored(text, checkSegment, "w")).toEqual({ k, p });
    }
  });

  it.each([
    ["not an object", [], /^expected an object/],
    ["null", null, /^expected an object/],
    ["keys missing", { p: [] }, /^k: /],
    ["a key that is not a string", { k: ["cpu", 3], p: [] }, /^k\.1: /],
    ["samples missing", { k: [] }, /^p: /],
    ["a sample that is not an array", { k: [], p: [{ seq: 1 }] }, /^p\.0: expected \[seq, t/],
    ["a sample without time", { k: [], p: [[1]] }, /^p\.0: expected \[seq, t/],
    [
      "more values than keys",
      { k: ["cpu"], p: [[1, 2, 3, 4]] },
      /^p\.0: expected \[seq, t, \.\.\.up to 1 values\]/,
    ],
    ["a seq that is not a number", { k: [], p: [["1", 2]] }, /^p\.0: seq and time must be numbers/],
    ["a time that is null", { k: [], p: [[1, null]] }, /^p\.0: seq and time must be numbers/],
    [
      "a value that is a string",
      { k: ["a", "b"], p: [[1, 2, 3, "4"]] },
      /^p\.0\.3: expected a number or null/,
    ],
  ])("refuses %s", (_name, value, message) => {
    expect(() => checkSegment(value)).toThrow(message);
  });
});

describe("rollup row decoding", () => {
  const agg = (x: number): Agg => [x, x + 1, x + 2, x + 3];

  it("reads random point sets back from the packed form", () => {
    const r = rng(42);
    for (let n = 0; n < 200; n++) {
      const keys = Array.from({ length: r.int(12) }, (_, i) => `s${i}`);
      const points: RollupPoint[] = Array.from({ length: r.int(60) }, (_, i) => {
        const v: Record<string, Agg> = {};
        for (const k of keys) if (r.next() < 0.7) v[k] = [r.num(), r.num(), r.num(), r.num()];
        return { t: i * 60_000, n: 1 + r.int(12), v };
      });
      expect(decodePoints(packPoints(points))).toEqual(points);
    }
  });

  it("reads rows of the older point-per-object form", () => {
    const points = [{ t: 0, n: 1, v: { cpu: agg(1) } }];
    expect(decodePoints(JSON.stringify(points))).toEqual(points);
  });

  it("reads a one-series read of a row that lacks the series as no points of it", () => {
    expect(decodePoints('{"t":[0,60000],"n":[1,2],"s":{"cpu":null}}')).toEqual([
      { t: 0, n: 1, v: {} },
      { t: 60_000, n: 2, v: {} },
    ]);
  });

  it.each([
    ["a number", 5, /^expected packed points/],
    ["times missing", { n: [], s: {} }, /^t: /],
    ["a time that is a string", { t: ["0"], n: [1], s: {} }, /^t: /],
    ["counts of another length", { t: [0], n: [1, 2], s: {} }, /^n: expected an array of 1 numbers/],
    ["series missing", { t: [0], n: [1] }, /^s: /],
    ["a series that is not an array", { t: [0], n: [1], s: { cpu: 3 } }, /^s\.cpu: /],
    ["a series longer than the times", { t: [0], n: [1], s: { cpu: [null, null] } }, /^s\.cpu: /],
    ["an aggregate of three numbers", { t: [0], n: [1], s: { cpu: [[1, 2, 3]] } }, /^s\.cpu\.0: /],
    ["an aggregate holding a string", { t: [0], n: [1], s: { cpu: [[1, 2, "3", 4]] } }, /^s\.cpu\.0: /],
    ["an old point without values", [{ t: 0, n: 1 }], /^0: expected a point/],
    ["an old point with a bad aggregate", [{ t: 0, n: 1, v: { cpu: [1] } }], /^0\.v\.cpu: /],
  ])("refuses %s", (_name, value, message) => {
    expect(() => checkRollupRow(value)).toThrow(message);
  });

  it("names the row when it throws", () => {
    expect(failure(() => decodePoints("{", "rollups_1m (f, h, 0)")).message).toMatch(
      /^rollups_1m \(f, h, 0\): not JSON/,
    );
  });

  it("reads a bad row as no points for readers that must go on, and logs it", () => {
    expect(unpackPoints('{"t":[0],"n":[],"s":{}}')).toEqual([]);
    expect(logged).toEqual([
      "rollup row: n: expected an array of 1 numbers, one per time; read as no points",
    ]);
  });
});

describe("stored silence matchers", () => {
  const target = {
    rule: "Disk above 90 %",
    hostname: "db-1",
    severity: "warning" as const,
    labels: { env: "prod" },
  };
  const silenced = (json: string) =>
    isSilenced([{ matchers: parseMatchers(json), startsAt: 0, endsAt: 100 }], target, 50);

  it("read what the silences API writes", () => {
    expect(parseMatchers('{"host":"db-*","labels":{"env":"prod"}}')).toEqual({
      host: "db-*",
      labels: { env: "prod" },
    });
    expect(silenced('{"host":"db-*","severity":"warning"}')).toBe(true);
    expect(logged).toEqual([]);
  });

  it.each([
    ["a matcher of the wrong type", '{"host": 7}'],
    ["a label matcher that is not text", '{"labels": {"env": 1}}'],
    ["an unknown severity", '{"severity": "page"}'],
    ["a matcher this reader does not know", '{"host": "*", "series": "cpu"}'],
    ["no matcher at all", "{}"],
    ["an array", "[1]"],
    ["text that is not JSON", "{"],
  ])("silence nothing when a row holds %s, and log it", (_name, json) => {
    expect(silenced(json)).toBe(false);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^alert_silences\.matchers: .*; the silence matches nothing$/);
  });
});

describe("stored labels", () => {
  it("read a record of strings", () => {
    expect(parseLabels('{"env":"prod"}')).toEqual({ env: "prod" });
    expect(logged).toEqual([]);
  });

  it("read a bad row as no labels and log it with where it came from", () => {
    expect(parseLabels('{"env":1}', "alerts a1: labels")).toEqual({});
    expect(parseLabels("[]")).toEqual({});
    expect(logged[0]).toMatch(/^alerts a1: labels: env: .*; read as no labels$/);
    expect(logged).toHaveLength(2);
  });
});
