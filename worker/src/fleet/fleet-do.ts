import { DurableObject } from "cloudflare:workers";
import { Code, ConnectError } from "@connectrpc/connect";
import { drizzle } from "drizzle-orm/d1";
import { onHostsChanged } from "../alerts/engine";
import type { Role } from "../db/schema";
import type { HostInfoView, HostView, LiveFrame, SeriesExport, SeriesResult } from "../metrics/types";
import { type ConnectFetchHandler, createConnectFetchHandler } from "../rpc/connect-handler";
import { type IngestCaller, registerIngestService } from "../rpc/ingest-service";
import { Broadcaster } from "./broadcaster";
import { hostIdFor } from "./host-id";
import { HostTable } from "./host-table";
import { INTERNAL, parseLiveRequest, type ShardUpdate, type SocketAttachment } from "./protocol";
import { IngestLimiter } from "./rate-limit";
import { RawWindow } from "./raw-window";
import { aggregateWindow, type WindowAgg } from "./rollup";
import { RollupStore } from "./rollup-store";
import { exportSeries, querySeries, RETENTION, type SeriesSource } from "./series";
import { ShardLink } from "./shard-link";
import { ShardViews } from "./shard-views";
import { shardOf } from "./shards";
import { fleetStub, shardStub } from "./stub";
import { MeteredSql, newUsage, type Usage } from "./usage";
import type { ValidSample } from "./validate-sample";

/** Host state rows are rewritten at most this often (the raw window has the samples). */
export const STATE_FLUSH_INTERVAL_MS = 600_000;
/** An alarm that writes raw segments also writes those due this much later. */
export const RAW_FLUSH_SLACK_MS = 60_000;
/** Raw segments past retention are deleted this often. */
export const RAW_PRUNE_EVERY_MS = 3_600_000;
/** Default sampling interval handed to agents that do not ask for one. */
export const DEFAULT_INTERVAL_S = 5;
/** Dashboards that stopped answering pings for this long are closed. */
export const SOCKET_IDLE_MS = 90_000;
/**
 * Host status. In a fleet of at least DENSE_FLEET_HOSTS hosts, samples
 * arrive many times a second, and each one checks whether a host's deadline
 * passed: a silent host turns stale within moments of its deadline with no
 * alarm. The billed alarm is then only the backstop for a fleet gone wholly
 * silent, STATUS_BACKSTOP_MS after the deadline (host-down still within 60 s
 * of the last sample), and fires about once a minute instead of every few
 * seconds. Smaller fleets get the alarm at the deadline itself.
 */
export const DENSE_FLEET_HOSTS = 50;
export const STATUS_BACKSTOP_MS = 40_000;

/** One value of an aggregated window, for alert evaluation. */
export interface WindowValue {
  hostId: string;
  series: string;
  value: number;
}

/**
 * One Durable Object per fleet: runs the fleet's Connect ingest handlers,
 * holds live host state (memory + DO SQLite), packs the raw window, rolls it
 * up into D1 and broadcasts to dashboards over hibernatable WebSockets.
 *
 * A large fleet may spread ingest over shards (`FLEET_SHARDS`): more
 * objects of this class, named `<fleet>#shard-<k>`, that ingest their hosts
 * as above but forward changed host views to the fleet's object instead of
 * broadcasting. The fleet's object then answers Hello, keeps those views
 * and holds every dashboard socket.
 */
export class FleetDO extends DurableObject<Env> {
  private readonly usage: Usage = newUsage(Date.now());
  private readonly sql: MeteredSql;
  private readonly hosts: HostTable;
  private readonly raw: RawWindow;
  private readonly rollups: RollupStore;
  private readonly limiter = new IngestLimiter();
  private readonly broadcaster: Broadcaster;
  /** Views of the hosts the fleet's shards own (used by the fleet's own object). */
  private readonly shardViews: ShardViews;
  /** A shard's link to the fleet's object (used once this object is a shard). */
  private readonly link: ShardLink;
  /** True when this object is an ingest shard of `fleetId` (kept in `meta`). */
  private shard = false;
  private readonly connectHandler: ConnectFetchHandler;
  /** Tokens revoked while this object runs: their open streams end at the next message. */
  private readonly revoked = new Set<string>();
  private fleetId = "";
  private lastStateFlush = Date.now();
  private lastRawPrune = 0;
  /** The earliest host deadline as of the last status check; samples past it check again. */
  private statusDueAt = 0;
  /** When the alarm is known to be set (memory only; undefined after a restart). */
  private alarmAt: number | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new MeteredSql(ctx.storage.sql, this.usage);
    this.hosts = new HostTable(this.sql);
    this.raw = new RawWindow(this.sql);
    this.rollups = new RollupStore(this.sql, this.raw, this.usage);
    this.broadcaster = new Broadcaster(
      () => ctx.getWebSockets("viewer"),
      (id) => this.viewOf(id),
      (e) => this.logError("broadcast", e),
      (n) => {
        this.usage.wsMessagesOut += n;
      },
    );
    this.shardViews = new ShardViews(this.sql);
    this.link = new ShardLink(
      (id) => this.hosts.view(id),
      (update) => fleetStub(this.env, this.fleetId).shardUpdate(update),
      (e) => this.logError("shardUpdate", e),
    );
    this.connectHandler = createConnectFetchHandler((router) =>
      registerIngestService(router, {
        hello: (info, shards) => this.hello(info, shards),
        requireHost: (id) => this.requireHost(id),
        admit: (caller, n) => this.admit(caller, n),
        ingest: (id, s) => this.ingest(id, s),
        commit: (id) => this.commit(id),
      }),
    );
    ctx.blockConcurrencyWhile(async () => {
      HostTable.migrate(this.sql);
      RawWindow.migrate(this.sql);
      RollupStore.migrate(this.sql);
      ShardViews.migrate(this.sql);
      this.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      const meta = new Map(
        this.sql
          .exec<{ key: string; value: string }>("SELECT key, value FROM meta")
          .toArray()
          .map((r) => [r.key, r.value]),
      );
      this.fleetId = meta.get("fleet") ?? "";
      this.shard = meta.get("role") === "shard";
      this.hosts.load(Date.now());
      this.shardViews.load(Date.now());
      this.rollups.load();
      this.sql.settle();
      // Pings are answered by the runtime without waking the object.
      ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    });
  }

  /** Connect ingest and dashboard WebSocket upgrades, forwarded by the Worker after auth. */
  override async fetch(req: Request): Promise<Response> {
    this.usage.doRequests++;
    this.rememberFleet(req.headers.get(INTERNAL.fleet));
    const url = new URL(req.url);
    if (url.pathname === INTERNAL.livePath) return this.acceptViewer(req);
    const res = await this.connectHandler(req);
    return res ?? Response.json({ error: "not_found", message: `no route ${url.pathname}` }, { status: 404 });
  }

  /** Every host with status, info and latest merged state (with those of the fleet's shards). */
  async listHosts(): Promise<HostView[]> {
    this.usage.doRequests++;
    return this.allViews();
  }

  /** One host, or undefined. */
  async getHost(id: string): Promise<HostView | undefined> {
    this.usage.doRequests++;
    return this.viewOf(id);
  }

  /**
   * Forgets a host: live state, raw window and pending rollups, or the view
   * a shard forwarded. A shard tells the fleet's object before it returns.
   * False when unknown.
   */
  async deleteHost(id: string): Promise<boolean> {
    this.usage.doRequests++;
    const existed = this.hosts.delete(id);
    const forwarded = this.shardViews.delete(id);
    this.raw.forget(id);
    this.rollups.forget(id);
    this.sql.settle();
    if (this.shard && existed) {
      this.link.remove(id);
      await this.link.flush();
    }
    if (existed || forwarded)
      this.broadcaster.send({ type: "removed", serverTime: Date.now(), hostIds: [id] });
    return existed || forwarded;
  }

  /**
   * Makes this object an ingest shard of `fleetId` and registers a host in
   * it; the fleet's object calls this on Hello. Returns the host's view.
   */
  async registerHost(fleetId: string, hostId: string, info: HostInfoView): Promise<HostView> {
    this.usage.doRequests++;
    this.rememberFleet(fleetId);
    if (!this.shard) {
      this.shard = true;
      this.sql.exec(
        "INSERT INTO meta (key, value) VALUES ('role', 'shard') ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      );
    }
    this.hosts.upsertInfo(hostId, info, Date.now());
    this.sql.settle();
    const view = this.hosts.view(hostId);
    if (!view) throw new Error(`host ${hostId} not registered`);
    return view;
  }

  /** Changed and removed hosts from one of the fleet's shards: kept, and broadcast to dashboards. */
  async shardUpdate(update: ShardUpdate): Promise<void> {
    this.usage.doRequests++;
    this.usage.shardViewsIn += update.views.length;
    this.shardViews.apply(update.views);
    const gone = update.removed.filter((id) => this.shardViews.delete(id));
    this.sql.settle();
    if (update.views.length > 0) this.broadcaster.mark(...update.views.map((v) => v.id));
    if (gone.length > 0) this.broadcaster.send({ type: "removed", serverTime: Date.now(), hostIds: gone });
    if (this.shardViews.hasDirty) void this.alarmBy(this.lastStateFlush + STATE_FLUSH_INTERVAL_MS);
  }

  /** A host's history of one series; undefined when the host is unknown. */
  async series(
    hostId: string,
    metric: string,
    from: number,
    to: number,
    stepS?: number,
  ): Promise<SeriesResult | undefined> {
    this.usage.doRequests++;
    if (!this.hosts.get(hostId)) return undefined;
    const result = await querySeries(this.seriesSource(), hostId, metric, from, to, Date.now(), stepS);
    this.sql.settle();
    return result;
  }

  /** Several series of a host over one range (all of them when `metrics` is empty). */
  async exportSeries(
    hostId: string,
    metrics: string[],
    from: number,
    to: number,
    stepS?: number,
  ): Promise<SeriesExport | undefined> {
    this.usage.doRequests++;
    if (!this.hosts.get(hostId)) return undefined;
    const result = await exportSeries(this.seriesSource(), hostId, metrics, from, to, Date.now(), stepS);
    this.sql.settle();
    return result;
  }

  /**
   * Everything one alert evaluation reads, in one request: every host and
   * one aggregate per query (the cron would otherwise make a DO request per
   * distinct metric every minute).
   */
  async evaluationInputs(
    queries: { metric: string; agg: WindowAgg; windowMs: number }[],
  ): Promise<{ hosts: HostView[]; values: WindowValue[][] }> {
    this.usage.doRequests++;
    const values = queries.map((q) => this.aggregateNow(q.metric, q.agg, q.windowMs));
    this.sql.settle();
    return { hosts: this.hosts.views(), values };
  }

  /**
   * Aggregates every series named `metric` (a key like `cpu`, `disk:/`, or a
   * pattern `disk:*` for every instance) over the last `windowMs` for every
   * host. Alert evaluation calls this once per rule.
   */
  async aggregate(metric: string, agg: WindowAgg, windowMs: number): Promise<WindowValue[]> {
    this.usage.doRequests++;
    const out = this.aggregateNow(metric, agg, windowMs);
    this.sql.settle();
    return out;
  }

  private aggregateNow(metric: string, agg: WindowAgg, windowMs: number): WindowValue[] {
    const now = Date.now();
    const prefix = metric.endsWith(":*") ? metric.slice(0, -1) : undefined;
    const out: WindowValue[] = [];
    for (const hostId of this.hosts.ids()) {
      const values = aggregateWindow(this.raw.range(hostId, now - windowMs, now), agg);
      for (const series in values) {
        if (prefix ? series.startsWith(prefix) : series === metric) {
          out.push({ hostId, series, value: values[series] as number });
        }
      }
    }
    return out;
  }

  /** Ends a revoked token's streams (at their next message) and closes its dashboard sockets. */
  async revokeToken(tokenId: string): Promise<number> {
    this.usage.doRequests++;
    this.revoked.add(tokenId);
    const sockets = this.ctx.getWebSockets(`token:${tokenId}`);
    for (const ws of sockets) ws.close(4001, "token revoked");
    return sockets.length;
  }

  /** Operations performed since this object started (see bench/cost). */
  async usageReport(): Promise<Usage> {
    this.usage.doRequests++;
    this.sql.settle();
    return { ...this.usage, wsMessagesIn: this.usage.wsMessagesIn };
  }

  override async alarm(): Promise<void> {
    this.usage.doRequests++;
    const now = Date.now();
    try {
      this.commitAll(now);
      if (now - this.lastRawPrune >= RAW_PRUNE_EVERY_MS) {
        // A full scan of the window: hourly, not on every alarm.
        this.raw.prune(now - RETENTION.raw);
        this.lastRawPrune = now;
      }
      await this.refreshStatuses(now);
      this.sweepSockets(now);
      if (this.fleetId && this.rollups.hasDue(now)) {
        await this.rollups.flush(drizzle(this.env.DB), this.fleetId, now);
      }
    } catch (e) {
      // The pending work stays pending; the next alarm retries it.
      this.logError("alarm", e);
    } finally {
      this.sql.settle();
      await this.scheduleAlarm();
    }
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.usage.wsMessagesIn++;
    try {
      const req = parseLiveRequest(message);
      if (!req) {
        ws.close(1003, "unsupported message");
        return;
      }
      if (req.type === "resync") ws.send(JSON.stringify(this.snapshot()));
    } catch (e) {
      this.logError("webSocketMessage", e);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      // Recent compatibility dates complete the close handshake in the
      // runtime; closing again would throw.
      if (ws.readyState === WebSocket.OPEN) ws.close(code === 1005 ? 1000 : code, "closing");
    } catch (e) {
      this.logError("webSocketClose", e);
    }
  }

  override async webSocketError(_ws: WebSocket, error: unknown): Promise<void> {
    this.logError("webSocketError", error);
  }

  private acceptViewer(req: Request): Response {
    if (req.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return Response.json(
        { error: "upgrade_required", message: "expected a WebSocket upgrade" },
        { status: 426 },
      );
    }
    const tokenId = req.headers.get(INTERNAL.tokenId) ?? "";
    const role = (req.headers.get(INTERNAL.role) ?? "viewer") as Role;
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, ["viewer", `token:${tokenId}`]);
    const attachment: SocketAttachment = { v: 1, tokenId, role, connectedAt: Date.now() };
    server.serializeAttachment(attachment);
    server.send(JSON.stringify(this.snapshot()));
    this.usage.wsMessagesOut++;
    void this.alarmBy(Date.now() + SOCKET_IDLE_MS);
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * `webSocketClose` may never fire when a browser vanishes: sockets whose
   * last ping is older than SOCKET_IDLE_MS are closed here.
   */
  private sweepSockets(now: number): void {
    for (const ws of this.ctx.getWebSockets("viewer")) {
      const att = ws.deserializeAttachment() as SocketAttachment | null;
      const last = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? att?.connectedAt ?? now;
      if (now - last > SOCKET_IDLE_MS) {
        try {
          ws.close(4000, "idle");
        } catch (e) {
          this.logError("sweepSockets", e);
        }
      }
    }
  }

  private seriesSource(): SeriesSource {
    return {
      raw: this.raw,
      db: drizzle(this.env.DB),
      fleetId: this.fleetId,
      pendingHours: (id) => this.rollups.pendingHours(id),
    };
  }

  private snapshot(): LiveFrame {
    return { type: "snapshot", fleet: this.fleetId, serverTime: Date.now(), hosts: this.allViews() };
  }

  /** A host's view: its own state here, else the view its shard forwarded. */
  private viewOf(id: string): HostView | undefined {
    return this.hosts.view(id) ?? this.shardViews.get(id);
  }

  /** Own hosts, then the shards' (a host ingested here wins over a stale forwarded view). */
  private allViews(): HostView[] {
    const own = this.hosts.views();
    if (this.shardViews.size === 0) return own;
    return [...own, ...this.shardViews.all().filter((v) => !this.hosts.get(v.id))];
  }

  /** Hosts whose view changed: to the dashboards, or from a shard to the fleet's object. */
  private viewsChanged(...ids: string[]): void {
    if (this.shard) this.link.mark(...ids);
    else this.broadcaster.mark(...ids);
  }

  private async hello(
    info: HostInfoView,
    shards: number,
  ): Promise<{ hostId: string; intervalS: number; hosts: number }> {
    const hostId = await hostIdFor(info);
    const intervalS = info.intervalS > 0 ? info.intervalS : DEFAULT_INTERVAL_S;
    if (shards > 1) {
      const view = await shardStub(this.env, this.fleetId, shardOf(hostId, shards))
        .registerHost(this.fleetId, hostId, { ...info, intervalS })
        .catch((e: unknown) => {
          this.logError("registerHost", e);
          throw new ConnectError("the host's ingest shard is unavailable; retry", Code.Unavailable);
        });
      // A host ingested here before the fleet was sharded moves to its shard.
      this.hosts.delete(hostId);
      this.shardViews.apply([view]);
      this.sql.settle();
      this.broadcaster.mark(hostId);
      return { hostId, intervalS, hosts: this.hosts.size + this.shardViews.size };
    }
    this.shardViews.delete(hostId);
    this.hosts.upsertInfo(hostId, { ...info, intervalS }, Date.now());
    this.sql.settle();
    this.broadcaster.mark(hostId);
    return { hostId, intervalS, hosts: this.hosts.size };
  }

  private requireHost(hostId: string): void {
    if (!this.hosts.get(hostId)) {
      throw new ConnectError(
        `unknown host ${hostId.slice(0, 64)}: call Hello first`,
        Code.FailedPrecondition,
      );
    }
  }

  private admit(caller: IngestCaller, n: number): void {
    if (this.revoked.has(caller.tokenId)) throw new ConnectError("token revoked", Code.Unauthenticated);
    const refused = this.limiter.admit(caller.hostId, caller.tokenId, n, Date.now());
    if (refused) {
      throw new ConnectError(
        `${refused === "host" ? "this host" : "this agent token"} sends more samples than allowed; retry later`,
        Code.ResourceExhausted,
      );
    }
  }

  private ingest(hostId: string, s: ValidSample): boolean {
    if (!this.raw.add(hostId, s)) return false;
    this.usage.samples++;
    this.rollups.mark(hostId, s.timeMs);
    const now = Date.now();
    this.hosts.applySample(hostId, s.seq, s.timeMs, s.metrics, now);
    this.viewsChanged(hostId);
    if (this.raw.isFull(hostId)) this.commit(hostId);
    // O(1) per sample: only pull the alarm earlier for this host's deadline.
    const deadline = this.hosts.deadlineOf(hostId);
    if (deadline !== undefined) void this.alarmBy(this.statusAlarmAt(deadline));
    if (now >= this.statusDueAt) this.refreshStatuses(now).catch((e) => this.logError("status", e));
    return true;
  }

  /** Writes a host's pending samples and state before its samples are acknowledged. */
  private commit(hostId: string): void {
    this.ctx.storage.transactionSync(() => {
      this.raw.flush(hostId);
      this.hosts.flush(hostId);
      this.rollups.persist();
    });
    this.sql.settle();
  }

  private commitAll(now: number): void {
    this.ctx.storage.transactionSync(() => {
      // Hosts due within the next minute are written now too: one alarm, not one per host.
      this.raw.flushDue(now + RAW_FLUSH_SLACK_MS);
      this.rollups.persist();
      if (now - this.lastStateFlush >= STATE_FLUSH_INTERVAL_MS) {
        this.hosts.flush();
        this.shardViews.flush();
        this.lastStateFlush = now;
      }
    });
  }

  /** Sets the alarm for the earliest of: a host deadline, a raw flush, a due rollup, a socket sweep. */
  private async scheduleAlarm(): Promise<void> {
    const now = Date.now();
    const deadline = this.hosts.nextDeadline();
    const candidates = [
      deadline === undefined ? undefined : this.statusAlarmAt(deadline),
      this.rollups.nextDue(),
      this.raw.nextFlushAt(),
    ];
    if (this.ctx.getWebSockets("viewer").length > 0) candidates.push(now + SOCKET_IDLE_MS);
    if (this.shardViews.hasDirty) candidates.push(this.lastStateFlush + STATE_FLUSH_INTERVAL_MS);
    const next = Math.min(...candidates.filter((c): c is number => c !== undefined));
    this.alarmAt = undefined;
    if (Number.isFinite(next)) await this.alarmBy(next);
  }

  /**
   * Turns hosts whose deadline passed stale, tells viewers, and fires
   * host-down for them right away rather than a minute later from the cron.
   */
  private async refreshStatuses(now: number): Promise<void> {
    const changed = this.hosts.refreshStatuses(now);
    this.statusDueAt = this.hosts.nextDeadline() ?? Number.POSITIVE_INFINITY;
    if (changed.length === 0) return;
    this.viewsChanged(...changed);
    if (this.fleetId) await onHostsChanged(this.env, this.fleetId, changed, this.hosts.views(), now);
  }

  /** When the alarm must fire for a status deadline (see DENSE_FLEET_HOSTS). */
  private statusAlarmAt(deadline: number): number {
    return this.hosts.size >= DENSE_FLEET_HOSTS ? deadline + STATUS_BACKSTOP_MS : deadline;
  }

  /** Makes sure the alarm fires no later than `t`. */
  private async alarmBy(t: number): Promise<void> {
    const now = Date.now();
    if (this.alarmAt !== undefined && this.alarmAt <= t && this.alarmAt >= now) return;
    const at = Math.max(t, now);
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  private rememberFleet(fleet: string | null): void {
    if (!fleet || fleet === this.fleetId) return;
    this.fleetId = fleet;
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('fleet', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      fleet,
    );
    this.sql.settle();
  }

  private logError(where: string, e: unknown): void {
    console.error(`FleetDO(${this.fleetId || this.ctx.id.toString()}) ${where}:`, e);
  }
}
