import { drizzle } from "drizzle-orm/d1";
import { recordHostDown } from "../alerts/host-down";
import { historyDatabases } from "../db/history";
import { nextAlarm, RAW_FLUSH_SLACK_MS, RAW_PRUNE_EVERY_MS, STATE_FLUSH_INTERVAL_MS } from "./alarm-plan";
import type { AlertBoardStore } from "./alert-board";
import type { FlushHealth } from "./flush-health";
import type { HostTable } from "./host-table";
import type { FleetMeta } from "./meta";
import type { RawWindow } from "./raw-window";
import type { RollupStore } from "./rollup-store";
import { RETENTION } from "./series";
import type { ShardRole } from "./shard-role";
import type { StatusWatch } from "./status-watch";
import type { Viewers } from "./viewers";

/** The parts of a fleet object its alarm looks after. */
export interface UpkeepParts {
  env: Env;
  meta: FleetMeta;
  hosts: HostTable;
  raw: RawWindow;
  rollups: RollupStore;
  shards: ShardRole;
  statuses: StatusWatch;
  viewers: Viewers;
  health: FlushHealth;
  board: AlertBoardStore;
  transaction(fn: () => void): void;
  log(where: string, e: unknown): void;
}

/**
 * What the fleet object's alarm does, step by step, each step on its own
 * (one failing never skips the others): write buffered raw samples and
 * state, prune the raw window, turn silent hosts stale and record host-down
 * (outbox only; the cron delivers), sweep dead sockets, and write closed
 * hours' rollups to D1, retried with backoff and recorded when D1 refuses.
 */
export class Upkeep {
  private lastStateFlush = Date.now();
  private lastRawPrune = 0;

  constructor(private readonly p: UpkeepParts) {}

  async run(now: number): Promise<void> {
    this.step("commit", () => this.commitAll(now));
    if (now - this.lastRawPrune >= RAW_PRUNE_EVERY_MS) this.step("prune", () => this.prune(now));
    this.step("status", () => this.p.statuses.check(now));
    await this.hostDown(now);
    this.step("sweepSockets", () => this.p.viewers.sweep(now));
    await this.flushRollups(now);
  }

  /** When the alarm must fire next. */
  next(now: number): number | undefined {
    const { hosts, raw, rollups, shards, statuses, viewers, health } = this.p;
    const rollupDue = rollups.nextDue();
    return nextAlarm({
      now,
      hosts: hosts.size,
      nextHostDeadline: hosts.nextDeadline(),
      rollupDue: rollupDue === undefined ? undefined : health.attemptAt(rollupDue),
      rawFlushAt: raw.nextFlushAt(),
      viewers: viewers.count,
      shardViewsDirty: shards.views.hasDirty,
      lastStateFlush: this.lastStateFlush,
      hostDownPending: statuses.hasPending,
    });
  }

  /** When forwarded views are next written (the shard-update path asks for an alarm then). */
  get stateFlushAt(): number {
    return this.lastStateFlush + STATE_FLUSH_INTERVAL_MS;
  }

  private commitAll(now: number): void {
    this.p.transaction(() => {
      // Hosts due within the next minute are written now too: one alarm, not one per host.
      this.p.raw.flushDue(now + RAW_FLUSH_SLACK_MS);
      this.p.rollups.persist();
      if (now - this.lastStateFlush >= STATE_FLUSH_INTERVAL_MS) {
        this.p.hosts.flush();
        this.p.shards.views.flush();
        this.lastStateFlush = now;
      }
    });
  }

  /** A full scan of the window: hourly, not on every alarm. Hours not yet rolled up stay. */
  private prune(now: number): void {
    const oldestPending = this.p.rollups.oldestPending() ?? Number.POSITIVE_INFINITY;
    this.p.raw.prune(Math.min(now - RETENTION.raw, oldestPending));
    this.lastRawPrune = now;
  }

  private async hostDown(now: number): Promise<void> {
    const { statuses, meta, hosts, env, board, viewers } = this.p;
    if (!statuses.hasPending || !meta.fleetId) return;
    await recordHostDown(env, meta.fleetId, statuses.take(), hosts.views(), now, async (u) =>
      viewers.alerts(board.apply(u)),
    );
  }

  private async flushRollups(now: number): Promise<void> {
    const { meta, rollups, health, env } = this.p;
    if (!meta.fleetId || !rollups.hasDue(now) || !health.mayAttempt(now)) return;
    try {
      await rollups.flush(drizzle(env.DB), meta.fleetId, now, historyDatabases(env));
      health.succeeded(now);
    } catch (e) {
      // The hours stay pending (and in the raw window) until a write succeeds.
      health.failed(e, now);
      this.p.log("rollups", e);
    }
  }

  private step(where: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.p.log(where, e);
    }
  }
}
