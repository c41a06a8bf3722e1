import { Code, ConnectError } from "@connectrpc/connect";
import type { HostInfoView } from "../metrics/types";
import type { IngestCaller, IngestCore } from "../rpc/ingest-service";
import { statusAlarmAt } from "./alarm-plan";
import { hostIdFor } from "./host-id";
import type { HostTable } from "./host-table";
import { IngestLimiter } from "./rate-limit";
import type { RawWindow } from "./raw-window";
import type { RollupStore } from "./rollup-store";
import type { ShardRole } from "./shard-role";
import type { StatusWatch } from "./status-watch";
import type { Usage } from "./usage";
import type { ValidSample } from "./validate-sample";

/** Default sampling interval handed to agents that do not ask for one. */
export const DEFAULT_INTERVAL_S = 5;

/** What ingest needs of the object around it. */
export interface IngestHost {
  /** Runs `fn` as one DO SQLite transaction. */
  transaction(fn: () => void): void;
  /** Makes sure the alarm fires no later than `t`. */
  alarmBy(t: number): void;
}

/**
 * The fleet object's side of `IngestService`: Hello, admission (revoked
 * tokens, rate limits), storing a validated sample (raw window, live
 * state, rollup marks, host status) and the commit that makes a host's
 * accepted samples durable before they are acknowledged.
 */
export class FleetIngest implements IngestCore {
  private readonly limiter = new IngestLimiter();
  /** Tokens revoked while this object runs: their open streams end at the next message. */
  private readonly revoked = new Set<string>();

  constructor(
    private readonly hosts: HostTable,
    private readonly raw: RawWindow,
    private readonly rollups: RollupStore,
    private readonly shards: ShardRole,
    private readonly statuses: StatusWatch,
    private readonly usage: Usage,
    private readonly host: IngestHost,
  ) {}

  async hello(
    info: HostInfoView,
    shards: number,
  ): Promise<{ hostId: string; intervalS: number; hosts: number }> {
    const hostId = await hostIdFor(info);
    const intervalS = info.intervalS > 0 ? info.intervalS : DEFAULT_INTERVAL_S;
    if (shards > 1) {
      await this.shards.registerInShard(hostId, { ...info, intervalS }, shards);
      return { hostId, intervalS, hosts: this.shards.hostCount };
    }
    this.shards.views.delete(hostId);
    this.hosts.upsertInfo(hostId, { ...info, intervalS }, Date.now());
    this.shards.changed(hostId);
    return { hostId, intervalS, hosts: this.hosts.size };
  }

  requireHost(hostId: string): void {
    if (!this.hosts.get(hostId)) {
      throw new ConnectError(
        `unknown host ${hostId.slice(0, 64)}: call Hello first`,
        Code.FailedPrecondition,
      );
    }
  }

  admit(caller: IngestCaller, n: number): void {
    if (this.revoked.has(caller.tokenId)) throw new ConnectError("token revoked", Code.Unauthenticated);
    const refused = this.limiter.admit(caller.hostId, caller.tokenId, n, Date.now());
    if (refused) {
      throw new ConnectError(
        `${refused === "host" ? "this host" : "this agent token"} sends more samples than allowed; retry later`,
        Code.ResourceExhausted,
      );
    }
  }

  ingest(hostId: string, s: ValidSample): boolean {
    if (!this.raw.add(hostId, s)) return false;
    this.usage.samples++;
    this.rollups.mark(hostId, s.timeMs);
    const now = Date.now();
    this.hosts.applySample(hostId, s.seq, s.timeMs, s.metrics, now);
    this.shards.changed(hostId);
    if (this.raw.isFull(hostId)) this.commit(hostId);
    // O(1) per sample: only pull the alarm earlier for this host's deadline.
    const deadline = this.hosts.deadlineOf(hostId);
    if (deadline !== undefined) this.host.alarmBy(statusAlarmAt(deadline, this.hosts.size));
    this.statuses.checkIfDue(now);
    return true;
  }

  commit(hostId: string): void {
    this.host.transaction(() => {
      this.raw.flush(hostId);
      this.hosts.flush(hostId);
      this.rollups.persist();
    });
  }

  /** Ends a revoked token's streams at their next message. */
  revoke(tokenId: string): void {
    this.revoked.add(tokenId);
  }
}
