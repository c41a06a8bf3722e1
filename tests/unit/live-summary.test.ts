import { describe, expect, it } from "vitest";
import {
  changedCodes,
  decodeSummaries,
  encodeSummaries,
  liveHostOf,
  rateCode,
  rateOf,
  type SummaryCodes,
} from "../../worker/src/metrics/summary";

const info = {
  hostname: "h",
  machineId: "m",
  os: "linux",
  kernel: "6",
  arch: "x64",
  cpuModel: "c",
  cores: 4,
  memoryBytes: 8e9,
  agentVersion: "1",
  labels: {},
  intervalS: 5,
};

describe("overview summary codes", () => {
  it("keeps rates to three significant figures over their whole range", () => {
    let x = 0.3;
    while (x < 1e15) {
      const back = rateOf(rateCode(x));
      if (x < 999.5) expect(back).toBe(Math.round(x));
      else expect(Math.abs(back - x) / x).toBeLessThanOrEqual(0.005);
      // Two bytes as a varint for any rate below 10^16 B/s.
      expect(rateCode(x)).toBeLessThan(16_384);
      x *= 1.37;
    }
    expect(rateOf(rateCode(999_999))).toBe(1_000_000);
  });

  it("sends only the figures that changed; boot times within two seconds are the same boot", () => {
    const a: SummaryCodes = {
      seen: 1,
      cpu: 10,
      mem: 20,
      load1: 3,
      rx: 4,
      tx: 5,
      procs: 6,
      disk: 7,
      status: 0,
      ctrRun: 0,
      ctrAll: 0,
      boot: 1000,
    };
    expect(changedCodes(a, { ...a, seen: 2, cpu: 11, boot: 1002 })).toEqual({ seen: 2, cpu: 11 });
    expect(changedCodes(a, { ...a, boot: 1003 })).toEqual({ boot: 1003 });
    expect(changedCodes(a, { ...a, boot: 0 })).toEqual({ boot: 0 });
    expect(Object.keys(changedCodes(undefined, a))).toHaveLength(12);
  });

  it("round-trips a summaries frame, sample times to a tenth of a second", () => {
    const serverTime = 1_780_000_000_123;
    const changes = [
      { index: 0, codes: { seen: serverTime - 4_321, cpu: 401 } },
      { index: 9_999, codes: { disk: 55, status: 1, boot: 1_779_000_000 } },
      { index: 3, codes: {} },
    ];
    const bytes = encodeSummaries({ gen: 77, serverTime, changes });
    const back = decodeSummaries(bytes);
    expect(back.gen).toBe(77);
    expect(back.changes[0]?.codes).toEqual({ seen: serverTime - 4_300, cpu: 401 });
    expect(back.changes.slice(1)).toEqual(changes.slice(1));
    // index (1) + mask (1) + age (1) + cpu (2): a steady host's change is a few bytes.
    const one = encodeSummaries({ gen: 77, serverTime, changes: [changes[0] as (typeof changes)[0]] });
    const header = encodeSummaries({ gen: 77, serverTime, changes: [] }).length;
    expect(one.length - header).toBe(5);
  });

  it("refuses bytes that are not a summaries frame", () => {
    expect(() => decodeSummaries(new Uint8Array([1, 2, 3]))).toThrow(RangeError);
    const ok = encodeSummaries({ gen: 1, serverTime: 5, changes: [{ index: 1, codes: { cpu: 3 } }] });
    expect(() => decodeSummaries(ok.subarray(0, ok.length - 1))).toThrow(/truncated/);
    expect(() => decodeSummaries(new Uint8Array([...ok, 0]))).toThrow(/trailing/);
  });

  it("turns codes back into what the overview shows", () => {
    const seen = 1_780_000_000_000;
    const h = liveHostOf("x", info, {
      seen,
      cpu: 126,
      mem: 0,
      load1: 51,
      rx: 1101,
      tx: 2501,
      procs: 121,
      disk: 401,
      status: 1,
      boot: seen / 1000 - 3600 + 1,
      ctrRun: 3,
      ctrAll: 5,
    });
    expect(h.status).toBe("stale");
    expect(h.summary).toEqual({
      cpu: 12.5,
      mem: undefined,
      disk: 40,
      load1: 0.5,
      rxBytesPerS: 1000,
      txBytesPerS: 50_000,
      procs: 120,
      uptimeS: 3600,
      containersRunning: 2,
      containers: 4,
    });
  });
});
