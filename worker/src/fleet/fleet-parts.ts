import { type ConnectFetchHandler, createConnectFetchHandler } from "../rpc/connect-handler";
import { registerIngestService } from "../rpc/ingest-service";
import { isDirectStream, serveStreamDirect } from "../rpc/stream-direct";
import { AlarmClock } from "./alarm-clock";
import { AlertBoardStore } from "./alert-board";
import { FlushHealth } from "./flush-health";
import { HostTable } from "./host-table";
import { FleetIngest } from "./ingest-core";
import { FleetMeta } from "./meta";
import { FleetQueries } from "./queries";
import { RawWindow } from "./raw-window";
import { RollupStore } from "./rollup-store";
import { ShardRole } from "./shard-role";
import { ShardViews } from "./shard-views";
import { StatusWatch } from "./status-watch";
import { Upkeep } from "./upkeep";
import { MeteredSql, type Usage } from "./usage";
import { Viewers } from "./viewers";

/** The parts of one fleet object, each with one job, wired to each other once. */
export interface FleetParts {
  sql: MeteredSql;
  meta: FleetMeta;
  hosts: HostTable;
  raw: RawWindow;
  rollups: RollupStore;
  health: FlushHealth;
  board: AlertBoardStore;
  alarms: AlarmClock;
  viewers: Viewers;
  shards: ShardRole;
  statuses: StatusWatch;
  ingest: FleetIngest;
  queries: FleetQueries;
  upkeep: Upkeep;
  /** Connect `IngestService` over `ingest` (`Stream` in binary read directly: rpc/stream-direct.ts). */
  connect: ConnectFetchHandler;
}

/** Builds a fleet object's parts over its storage (nothing is read yet: see `loadFleet`). */
export function wireFleet(
  ctx: DurableObjectState,
  env: Env,
  usage: Usage,
  log: (where: string, e: unknown) => void,
): FleetParts {
  const sql = new MeteredSql(ctx.storage.sql, usage);
  const transaction = (fn: () => void) => {
    ctx.storage.transactionSync(fn);
    sql.settle();
  };
  const meta = new FleetMeta(sql);
  const hosts = new HostTable(sql);
  const raw = new RawWindow(sql, {
    hostCount: () => hosts.size,
    seqBound: (id) => hosts.get(id)?.lastSeq ?? 0,
    onWrite: (groups, grp) => hosts.flushGroup(groups, grp),
  });
  const rollups = new RollupStore(sql, raw, usage);
  const health = new FlushHealth(sql);
  const board = new AlertBoardStore(sql);
  const alarms = new AlarmClock(ctx.storage, log);
  const alarmBy = (t: number) => alarms.by(t);
  const viewers = new Viewers(
    ctx,
    {
      fleet: () => meta.fleetId,
      views: () => shards.allViews(),
      view: (id) => shards.viewOf(id),
      alertsFrame: () => board.frame(),
    },
    usage,
    log,
  );
  const shards = new ShardRole(env, meta, hosts, viewers, sql, usage, log);
  const statuses = new StatusWatch(hosts, (ids) => shards.changed(...ids), alarmBy);
  const ingest = new FleetIngest(hosts, raw, rollups, shards, statuses, usage, { transaction, alarmBy });
  const queries = new FleetQueries(env, meta, hosts, raw, rollups);
  const upkeep = new Upkeep({
    ...{ env, meta, hosts, raw, rollups, shards, statuses, viewers, health, board },
    transaction,
    log,
  });
  const viaConnectEs = createConnectFetchHandler((router) => registerIngestService(router, ingest));
  // The agent's Stream is read directly off the body; every other request goes through connect-es.
  const connect: ConnectFetchHandler = (req, values) =>
    isDirectStream(req) ? serveStreamDirect(req, ingest) : viaConnectEs(req, values);
  return {
    sql,
    meta,
    hosts,
    raw,
    rollups,
    health,
    board,
    alarms,
    viewers,
    shards,
    statuses,
    ingest,
    queries,
    upkeep,
    connect,
  };
}

/** Creates missing tables and loads what the object keeps in memory (once, at start-up). */
export function loadFleet(p: FleetParts, now: number): void {
  for (const migrate of [HostTable.migrate, RawWindow.migrate, RollupStore.migrate, ShardViews.migrate]) {
    migrate(p.sql);
  }
  p.meta.load();
  p.health.load();
  p.board.load();
  p.hosts.load(now);
  p.shards.views.load(now);
  p.rollups.load();
  p.sql.settle();
}
