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
import { INTERNAL, parseLiveRequest, type SocketAttachment } from "./protocol";
import { IngestLimiter } from "./rate-limit";
import { RawWindow } from "./raw-window";
import { aggregateWindow, type WindowAgg } from "./rollup";
import { RollupStore } from "./rollup-store";
import { exportSeries, querySeries, RETENTION, type SeriesSource } from "./series";
import { MeteredSql, newUsage, type Usage } from "./usage";
import type { ValidSample } from "./validate-sample";

/** Host state rows are rewritten at most this often (the raw window has the samples). */
export const STATE_FLUSH_INTERVAL_MS = 600_000;
/** Raw segments past retention are deleted this often. */
export const RAW_PRUNE_EVERY_MS = 3_600_000;
/** Default sampling interval handed to agents that do not ask for one. */
export const DEFAULT_INTERVAL_S = 5;
/** Dashboards that stopped answering pings for this long are closed. */
export const SOCKET_IDLE_MS = 90_000;

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
 */
export class FleetDO extends DurableObject<Env> {
  private readonly usage: Usage = newUsage(Date.now());
  private readonly sql: MeteredSql;
  private readonly hosts: HostTable;
  private readonly raw: RawWindow;
  private readonly rollups: RollupStore;
  private readonly limiter = new IngestLimiter();
  private readonly broadcaster: Broadcaster;
  private readonly connectHandler: ConnectFetchHandler;
  /** Tokens revoked while this object runs: their open streams end at the next message. */
  private readonly revoked = new Set<string>();
  private fleetId = "";
  private lastStateFlush = Date.now();
  private lastRawPrune = 0;
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
      (id) => this.hosts.view(id),
      (e) => this.logError("broadcast", e),
      (n) => {
        this.usage.wsMessagesOut += n;
      },
    );
    this.connectHandler = createConnectFetchHandler((router) =>
      registerIngestService(router, {
        hello: (info) => this.hello(info),
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
      this.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      this.fleetId =
        this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'fleet'").toArray()[0]?.value ??
        "";
      this.hosts.load(Date.now());
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

  /** Every host with status, info and latest merged state. */
  async listHosts(): Promise<HostView[]> {
    this.usage.doRequests++;
    return this.hosts.views();
  }

  /** One host, or undefined. */
  async getHost(id: string): Promise<HostView | undefined> {
    this.usage.doRequests++;
    return this.hosts.view(id);
  }

  /** Forgets a host: live state, raw window and pending rollups. False when unknown. */
  async deleteHost(id: string): Promise<boolean> {
    this.usage.doRequests++;
    const existed = this.hosts.delete(id);
    this.raw.forget(id);
    this.rollups.forget(id);
    this.sql.settle();
    if (existed) this.broadcaster.send({ type: "removed", serverTime: Date.now(), hostIds: [id] });
    return existed;
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
   * Aggregates every series named `metric` (a key like `cpu`, `disk:/`, or a
   * pattern `disk:*` for every instance) over the last `windowMs` for every
   * host. Alert evaluation calls this once per rule.
   */
  async aggregate(metric: string, agg: WindowAgg, windowMs: number): Promise<WindowValue[]> {
    this.usage.doRequests++;
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
    this.sql.settle();
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
      const changed = this.hosts.refreshStatuses(now);
      if (changed.length > 0) {
        this.broadcaster.mark(...changed);
        // Host-down fires from here, not a minute later from the cron.
        if (this.fleetId) await onHostsChanged(this.env, this.fleetId, changed, this.hosts.views(), now);
      }
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
    return { type: "snapshot", fleet: this.fleetId, serverTime: Date.now(), hosts: this.hosts.views() };
  }

  private async hello(info: HostInfoView): Promise<{ hostId: string; intervalS: number }> {
    const hostId = await hostIdFor(info);
    const intervalS = info.intervalS > 0 ? info.intervalS : DEFAULT_INTERVAL_S;
    this.hosts.upsertInfo(hostId, { ...info, intervalS }, Date.now());
    this.sql.settle();
    this.broadcaster.mark(hostId);
    return { hostId, intervalS };
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
    this.broadcaster.mark(hostId);
    if (this.raw.isFull(hostId)) this.commit(hostId);
    // O(1) per sample: only pull the alarm earlier for this host's deadline.
    const deadline = this.hosts.deadlineOf(hostId);
    if (deadline !== undefined) void this.alarmBy(deadline);
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
      this.raw.flushDue(now);
      this.rollups.persist();
      if (now - this.lastStateFlush >= STATE_FLUSH_INTERVAL_MS) {
        this.hosts.flush();
        this.lastStateFlush = now;
      }
    });
  }

  /** Sets the alarm for the earliest of: a host deadline, a raw flush, a due rollup, a socket sweep. */
  private async scheduleAlarm(): Promise<void> {
    const now = Date.now();
    const candidates = [this.hosts.nextDeadline(), this.rollups.nextDue(), this.raw.nextFlushAt()];
    if (this.ctx.getWebSockets("viewer").length > 0) candidates.push(now + SOCKET_IDLE_MS);
    const next = Math.min(...candidates.filter((c): c is number => c !== undefined));
    this.alarmAt = undefined;
    if (Number.isFinite(next)) await this.alarmBy(next);
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
