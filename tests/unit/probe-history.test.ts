import { describe, expect, it } from "vitest";
import {
  concatBytes,
  DAY_MS,
  dayOf,
  decodeDay,
  encodeEntry,
  type HistoryEntry,
} from "../../worker/src/probes/history-codec";
import { OUTCOMES } from "../../worker/src/probes/outcome";
import { type DayRow, uptimeOf } from "../../worker/src/probes/store";

function randomEntry(day: number): HistoryEntry {
  const outcome = OUTCOMES[Math.floor(Math.random() * OUTCOMES.length)] ?? "up";
  return {
    at: day * DAY_MS + Math.floor(Math.random() * 1440) * 60_000,
    outcome,
    status: Math.random() < 0.3 ? null : 100 + Math.floor(Math.random() * 500),
    latencyMs: Math.floor(Math.random() * 65_536),
  };
}

function row(day: number, entries: HistoryEntry[]): DayRow {
  return {
    probeId: "p",
    day,
    checks: entries.length,
    up: entries.filter((e) => e.outcome === "up").length,
    latencySum: 0,
    latencyMax: 0,
    data: concatBytes(entries.map((e, i) => encodeEntry(e, i === 0))),
  };
}

describe("probe history codec", () => {
  it("round-trips random days of checks", () => {
    for (let round = 0; round < 200; round++) {
      const day = 19_000 + Math.floor(Math.random() * 2000);
      const entries = Array.from({ length: Math.floor(Math.random() * 50) }, () => randomEntry(day));
      expect(decodeDay(day, row(day, entries).data)).toEqual(entries);
    }
  });

  it("caps latency and status at 16 bits instead of wrapping", () => {
    const day = 20_000;
    const [e] = decodeDay(
      day,
      encodeEntry({ at: day * DAY_MS, outcome: "up", status: 200, latencyMs: 1e9 }, true),
    );
    expect(e?.latencyMs).toBe(65_535);
  });

  it("reads a day of an unknown version as empty and ignores a torn tail", () => {
    const day = 20_000;
    const data = encodeEntry({ at: day * DAY_MS, outcome: "up", status: 200, latencyMs: 5 }, true);
    expect(decodeDay(day, Uint8Array.of(9, ...data.subarray(1)))).toEqual([]);
    expect(decodeDay(day, Uint8Array.of(...data, 1, 2, 3))).toHaveLength(1);
  });
});

describe("uptime", () => {
  it("counts the last 24 h exactly from the checks and 7/30 days from the day counters", () => {
    const now = Date.UTC(2026, 5, 10, 12, 0);
    const today = dayOf(now);
    const at = (ms: number, outcome: HistoryEntry["outcome"]): HistoryEntry => ({
      at: ms,
      outcome,
      status: 200,
      latencyMs: 10,
    });
    const rows = [
      // 25 h ago: outside the 24 h, inside the 7 days.
      row(dayOf(now - 25 * 3_600_000), [at(now - 25 * 3_600_000, "timeout")]),
      row(today, [at(now - 3_600_000, "up"), at(now - 60_000, "up"), at(now, "status")]),
      row(today - 10, [at((today - 10) * DAY_MS, "up")]),
    ];
    expect(uptimeOf(rows, now)).toEqual({ h24: 66.67, d7: 50, d30: 60 });
    expect(uptimeOf([], now)).toEqual({ h24: null, d7: null, d30: null });
  });
});
