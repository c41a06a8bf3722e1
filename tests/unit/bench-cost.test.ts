import { describe, expect, it } from "vitest";
import {
  bill,
  type MeasuredRates,
  MONTH_S,
  type MonthlyUsage,
  monthlyUsage,
} from "../../bench/lib/pricing.ts";

const ZERO: MonthlyUsage = {
  workerRequests: 0,
  doRequests: 0,
  wsMessagesIn: 0,
  doActiveSeconds: 0,
  d1RowsWritten: 0,
  doRowsWritten: 0,
  d1RowsRead: 0,
  doRowsRead: 0,
};

const line = (b: ReturnType<typeof bill>, item: string) => b.lines.find((l) => l.item === item);

describe("cost model", () => {
  it("charges only the $5 base while every item fits the allowance", () => {
    const b = bill({
      ...ZERO,
      workerRequests: 10e6,
      doRequests: 1e6,
      doRowsWritten: 50e6,
      doActiveSeconds: MONTH_S,
    });
    expect(b.totalUsd).toBe(5);
    // One DO active all month at 128 MB is 324,000 GB-s of the 400,000 included.
    expect(line(b, "doGbS")?.used).toBe(324_000);
  });

  it("prices overage per million at the list prices", () => {
    const b = bill({
      ...ZERO,
      workerRequests: 20e6,
      doRequests: 3e6,
      d1RowsWritten: 60e6,
      doRowsWritten: 52e6,
      doActiveSeconds: 4 * MONTH_S,
    });
    expect(line(b, "workerRequests")?.overageUsd).toBeCloseTo(3, 6);
    expect(line(b, "doRequests")?.overageUsd).toBeCloseTo(0.3, 6);
    expect(line(b, "d1RowsWritten")?.overageUsd).toBeCloseTo(10, 6);
    expect(line(b, "doRowsWritten")?.overageUsd).toBeCloseTo(2, 6);
    // 4 x 324,000 GB-s = 1,296,000; 896,000 over at $12.50/M.
    expect(line(b, "doGbS")?.overageUsd).toBeCloseTo(11.2, 6);
    expect(b.totalUsd).toBeCloseTo(5 + 3 + 0.3 + 10 + 2 + 11.2, 6);
  });

  it("bills incoming WebSocket messages as DO requests at 20:1", () => {
    const b = bill({ ...ZERO, doRequests: 1e6, wsMessagesIn: 20e6 });
    expect(line(b, "doRequests")?.used).toBe(2e6);
    expect(line(b, "doRequests")?.overageUsd).toBeCloseTo(0.15, 6);
  });

  it("scales rows per host-second and requests per stream rotation", () => {
    const rates: MeasuredRates = {
      fleetDoRequestsPerS: 0.1,
      perHostS: { doRowsWritten: 1 / 120, doRowsRead: 0, d1RowsWritten: 1 / 60, d1RowsRead: 0 },
      perStream: { doRowsWritten: 2, doRowsRead: 1 },
      workerRequestsPerStream: 1,
    };
    const u = monthlyUsage(rates, {
      hosts: 1000,
      intervalS: 5,
      viewers: 10,
      streamRotateS: 900,
      hellosPerHost: 30,
      connectionsPerViewer: 720,
      messagesInPerViewer: 129_600,
      activeDos: 1,
      cronRuns: 43_200,
    });
    const streams = 1000 * (MONTH_S / 900); // 2,880,000
    expect(u.workerRequests).toBe(streams + 30_000 + 7_200 + 43_200);
    expect(u.doRequests).toBeCloseTo(streams + 30_000 + 7_200 + 43_200 + 0.1 * MONTH_S, 6);
    expect(u.doRowsWritten).toBeCloseTo((1000 * MONTH_S) / 120 + 2 * streams, 3);
    expect(u.d1RowsWritten).toBeCloseTo((1000 * MONTH_S) / 60, 3);
    expect(u.doRowsRead).toBeCloseTo(streams, 3);
    expect(u.wsMessagesIn).toBe(1_296_000);
    expect(u.doActiveSeconds).toBe(MONTH_S);
  });
});
