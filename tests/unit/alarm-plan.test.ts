import { describe, expect, it } from "vitest";
import {
  type AlarmState,
  DENSE_FLEET_HOSTS,
  nextAlarm,
  SOCKET_IDLE_MS,
  STATE_FLUSH_INTERVAL_MS,
  STATUS_BACKSTOP_MS,
  statusAlarmAt,
} from "../../worker/src/fleet/alarm-plan";

const NOW = 1_800_000_000_000;
const idle: AlarmState = {
  now: NOW,
  hosts: 3,
  viewers: 0,
  shardViewsDirty: false,
  lastStateFlush: NOW,
  hostDownPending: false,
};

describe("the fleet object's alarm plan", () => {
  it("sets no alarm when nothing waits", () => {
    expect(nextAlarm(idle)).toBeUndefined();
  });

  it("fires at the earliest of a host deadline, a raw flush and a due rollup", () => {
    expect(
      nextAlarm({
        ...idle,
        nextHostDeadline: NOW + 15_000,
        rawFlushAt: NOW + 9_000,
        rollupDue: NOW + 60_000,
      }),
    ).toBe(NOW + 9_000);
    expect(nextAlarm({ ...idle, nextHostDeadline: NOW + 5_000, rawFlushAt: NOW + 9_000 })).toBe(NOW + 5_000);
  });

  it("moves a large fleet's status alarm to the backstop after the deadline", () => {
    expect(statusAlarmAt(NOW, DENSE_FLEET_HOSTS - 1)).toBe(NOW);
    expect(statusAlarmAt(NOW, DENSE_FLEET_HOSTS)).toBe(NOW + STATUS_BACKSTOP_MS);
    expect(nextAlarm({ ...idle, hosts: 1_000, nextHostDeadline: NOW + 1_000 })).toBe(
      NOW + 1_000 + STATUS_BACKSTOP_MS,
    );
  });

  it("sweeps sockets only while dashboards are connected", () => {
    expect(nextAlarm({ ...idle, viewers: 2 })).toBe(NOW + SOCKET_IDLE_MS);
  });

  it("writes forwarded shard views one state-flush interval after the last", () => {
    expect(nextAlarm({ ...idle, shardViewsDirty: true, lastStateFlush: NOW - 1_000 })).toBe(
      NOW - 1_000 + STATE_FLUSH_INTERVAL_MS,
    );
  });

  it("runs pending host-down work at once", () => {
    expect(nextAlarm({ ...idle, rollupDue: NOW + 60_000, hostDownPending: true })).toBe(NOW);
  });

  it("never plans in the past: overdue work runs now", () => {
    expect(nextAlarm({ ...idle, rollupDue: NOW - 3_600_000 })).toBe(NOW);
  });
});
