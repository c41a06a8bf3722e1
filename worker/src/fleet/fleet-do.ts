import { DurableObject } from "cloudflare:workers";
import type { AlertBoardUpdate } from "../alerts/live-board";
import type { AggregateQuery, EvaluationRead } from "../metrics/aggregate";
import type { HostInfoView, HostView, SeriesExport, SeriesResult } from "../metrics/types";
import type { TrafficReadOptions } from "../traffic/cache";
import type { TrafficSettings } from "../traffic/period";
import { type FleetTrafficSettings, TrafficSettingsStore } from "../traffic/settings-store";
import type { HostTraffic } from "../traffic/totals";
import { type FleetParts, loadFleet, wireFleet } from "./fleet-parts";
import type { FleetSeries, FleetSeriesQuery } from "./fleet-series";
import type { FlushHealthView } from "./flush-health";
import { INTERNAL, type ShardUpdate } from "./protocol";
import { newUsage, type Usage } from "./usage";

/**
 * One Durable Object per fleet: runs the fleet's Connect ingest handlers,
 * holds live host state, the raw window and pending rollups, and the
 * dashboards' hibernatable sockets. A large fleet may spread ingest over
 * shards (`FLEET_SHARDS`): more objects of this class that ingest their
 * hosts and forward changed views to the fleet's object.
 *
 * The class is a shell: lifecycle, entry points and metering. Each job is a
 * part of its own (`fleet-parts.ts` wires them): ingest-core, viewers,
 * shard-role, queries, status-watch, upkeep with its pure alarm plan.
 */
export class FleetDO extends DurableObject<Env> {
  private readonly usage: Usage = newUsage(Date.now());
  private readonly p: FleetParts;
  private starting: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.p = wireFleet(ctx, env, this.usage, (where, e) => this.logError(where, e));
    // Pings are answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** Connect ingest and dashboard WebSocket upgrades, forwarded by the Worker after auth. */
  override async fetch(req: Request): Promise<Response> {
    return this.enter(async () => {
      this.p.meta.rememberFleet(req.headers.get(INTERNAL.fleet));
      const url = new URL(req.url);
      if (url.pathname === INTERNAL.livePath) {
        const res = this.p.viewers.accept(req);
        if (res.status === 101) this.p.alarms.by(this.p.upkeep.next(Date.now()) ?? Date.now());
        return res;
      }
      const res = await this.p.connect(req);
      return (
        res ?? Response.json({ error: "not_found", message: `no route ${url.pathname}` }, { status: 404 })
      );
    });
  }

  /** Every host with status, info and latest merged state (with those of the fleet's shards). */
  listHosts(): Promise<HostView[]> {
    return this.enter(() => this.p.shards.allViews());
  }

  /** One host, or undefined. */
  getHost(id: string): Promise<HostView | undefined> {
    return this.enter(() => this.p.shards.viewOf(id));
  }

  /** Forgets a host: live state, raw window, pending rollups, or a shard's view of it. False when unknown. */
  deleteHost(id: string): Promise<boolean> {
    return this.enter(() => {
      const own = this.p.hosts.delete(id);
      this.p.raw.forget(id);
      this.p.rollups.forget(id);
      return this.p.shards.removed(id, own);
    });
  }

  /** Makes this object an ingest shard of `fleetId` and registers a host (the fleet's object calls this on Hello). */
  registerHost(fleetId: string, hostId: string, info: HostInfoView): Promise<HostView> {
    return this.enter(() => {
      this.p.meta.rememberFleet(fleetId);
      this.p.meta.becomeShard();
      this.p.hosts.upsertInfo(hostId, info, Date.now());
      const view = this.p.hosts.view(hostId);
      if (!view) throw new Error(`host ${hostId} not registered`);
      return view;
    });
  }

  /** Changed and removed hosts from one of the fleet's shards. */
  shardUpdate(update: ShardUpdate): Promise<void> {
    return this.enter(() => {
      this.p.shards.apply(update);
      if (this.p.shards.views.hasDirty) this.p.alarms.by(this.p.upkeep.stateFlushAt);
    });
  }

  /** A host's history of one series; undefined when the host is unknown. */
  series(
    host: string,
    metric: string,
    from: number,
    to: number,
    stepS?: number,
  ): Promise<SeriesResult | undefined> {
    return this.enter(() => this.p.queries.series(host, metric, from, to, stepS));
  }

  /** This object's hosts ranked by one series over a range: the best `q.limit`, each with its line. */
  fleetSeries(q: FleetSeriesQuery): Promise<FleetSeries> {
    return this.enter(() => this.p.queries.fleetSeries(q));
  }

  /** Several series of a host over one range (all of them when `metrics` is empty). */
  exportSeries(
    host: string,
    metrics: string[],
    from: number,
    to: number,
    stepS?: number,
  ): Promise<SeriesExport | undefined> {
    return this.enter(() => this.p.queries.export(host, metrics, from, to, stepS));
  }

  /** The fleet's traffic settings and host overrides (kept in the fleet's own object). */
  trafficSettings(): Promise<FleetTrafficSettings> {
    return this.enter(() => new TrafficSettingsStore(this.p.sql).read());
  }

  /** Sets the fleet's traffic settings (`hostId` '') or a host's; `null` removes a host's override. */
  setTrafficSettings(hostId: string, s: TrafficSettings | null): Promise<FleetTrafficSettings> {
    return this.enter(() => {
      const store = new TrafficSettingsStore(this.p.sql);
      store.write(hostId, s);
      return store.read();
    });
  }

  /** Traffic this period of the named hosts this object ingests, or of all of them. */
  traffic(all: FleetTrafficSettings, hostIds?: string[], opts?: TrafficReadOptions): Promise<HostTraffic[]> {
    return this.enter(() => this.p.queries.traffic(all, hostIds, opts));
  }

  /** Everything one alert evaluation reads, in one request: every host and one aggregate per query. */
  evaluationInputs(queries: AggregateQuery[]): Promise<EvaluationRead> {
    return this.enter(() => this.p.queries.evaluationInputs(queries));
  }

  /** The fleet's open alerts after an evaluation, for its dashboards (alerts/live-board.ts). */
  publishAlerts(update: AlertBoardUpdate): Promise<void> {
    return this.enter(() => this.p.viewers.alerts(this.p.board.apply(update)));
  }

  /** Ends a revoked token's streams (at their next message) and closes its dashboard sockets. */
  revokeToken(tokenId: string): Promise<number> {
    return this.enter(() => {
      this.p.ingest.revoke(tokenId);
      return this.p.viewers.revoke(tokenId);
    });
  }

  /** Operations performed since this object started (see bench/cost). */
  usageReport(): Promise<Usage> {
    return this.enter(() => {
      this.p.sql.settle();
      return { ...this.usage };
    });
  }

  /** How writes of rollups to D1 are going: a failure stays visible until a write succeeds. */
  storageHealth(): Promise<{ rollups: FlushHealthView & { pendingHours: number } }> {
    return this.enter(() => ({
      rollups: { ...this.p.health.view, pendingHours: this.p.rollups.pendingCount() },
    }));
  }

  override async alarm(): Promise<void> {
    await this.enter(async () => {
      try {
        await this.p.upkeep.run(Date.now());
      } finally {
        await this.p.alarms.reset(this.p.upkeep.next(Date.now()));
      }
    });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.started();
    this.guard("webSocketMessage", () => this.p.viewers.message(ws, message));
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.guard("webSocketClose", () => this.p.viewers.closed(ws, code));
  }

  override async webSocketError(_ws: WebSocket, error: unknown): Promise<void> {
    this.logError("webSocketError", error);
  }

  /** Every billed entry point: start-up first, one request counted, SQL metering settled after. */
  private async enter<T>(fn: () => T | Promise<T>): Promise<T> {
    await this.started();
    this.usage.doRequests++;
    try {
      return await fn();
    } finally {
      this.p.sql.settle();
    }
  }

  /**
   * Start-up runs once, inside `blockConcurrencyWhile`, and its error is
   * re-thrown outside it (as partyserver does): every waiting caller sees
   * the failure, and the next request tries again.
   */
  private started(): Promise<void> {
    this.starting ??= this.start().catch((e: unknown) => {
      this.starting = undefined;
      this.logError("start", e);
      throw e;
    });
    return this.starting;
  }

  private async start(): Promise<void> {
    let failure: { error: unknown } | undefined;
    await this.ctx.blockConcurrencyWhile(async () => {
      try {
        loadFleet(this.p, Date.now());
      } catch (error) {
        failure = { error };
      }
    });
    if (failure) throw failure.error;
  }

  private guard(where: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.logError(where, e);
    }
  }

  private logError(where: string, e: unknown): void {
    console.error(`FleetDO(${this.p.meta.fleetId || this.ctx.id.toString()}) ${where}:`, e);
  }
}
