import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import {
  type HistoryDatabases,
  historyDatabase,
  historyDatabases,
  locateHost,
  locateHosts,
} from "../db/history";
import { PRIMARY_DB } from "../db/placement";
import type { AggregateQuery, EvaluationRead, SeriesValue } from "../metrics/aggregate";
import { isCounterMetric, seriesMatcher } from "../metrics/catalog";
import type { SeriesExport, SeriesResult } from "../metrics/types";
import { hostsTraffic, TrafficCache, type TrafficReadOptions } from "../traffic/cache";
import type { FleetTrafficSettings } from "../traffic/settings-store";
import type { HostTraffic } from "../traffic/totals";
import { type FleetSeries, type FleetSeriesQuery, queryFleetSeries } from "./fleet-series";
import type { HostTable } from "./host-table";
import type { FleetMeta } from "./meta";
import type { RawWindow } from "./raw-window";
import { aggregateWindow, windowIncrease } from "./rollup";
import type { RollupStore } from "./rollup-store";
import { exportSeries, querySeries, type SeriesSource } from "./series";

/**
 * Reads of the hosts this object ingests: history of a series (raw window
 * for the last day and hours not yet rolled up, beyond that the D1
 * database the host's rollups are placed in), a history export, and the
 * windowed aggregates alert evaluation compares.
 */
export class FleetQueries {
  private databases: HistoryDatabases | undefined;
  /** host -> binding of the database its rollups are recorded in. */
  private readonly located = new Map<string, string>();
  private readonly trafficCache = new TrafficCache();

  constructor(
    private readonly env: Env,
    private readonly meta: FleetMeta,
    private readonly hosts: HostTable,
    private readonly raw: RawWindow,
    private readonly rollups: RollupStore,
  ) {}

  /** A host's history of one series; undefined when the host is unknown. */
  async series(
    hostId: string,
    metric: string,
    from: number,
    to: number,
    stepS?: number,
  ): Promise<SeriesResult | undefined> {
    if (!this.hosts.get(hostId)) return undefined;
    return querySeries(this.source(), hostId, metric, from, to, Date.now(), stepS);
  }

  /** Several series of a host over one range (all of them when `metrics` is empty). */
  async export(
    hostId: string,
    metrics: string[],
    from: number,
    to: number,
    stepS?: number,
  ): Promise<SeriesExport | undefined> {
    if (!this.hosts.get(hostId)) return undefined;
    return exportSeries(this.source(), hostId, metrics, from, to, Date.now(), stepS);
  }

  /** Traffic this period of the named hosts, or of every host of this object (traffic/totals.ts). */
  traffic(all: FleetTrafficSettings, hostIds?: string[], opts?: TrafficReadOptions): Promise<HostTraffic[]> {
    return hostsTraffic(this.source(), this.hosts, hostIds ?? this.hosts.ids(), all, this.trafficCache, opts);
  }

  /** The hosts of this object ranked by one series over a range, the best `q.limit` with their lines. */
  fleetSeries(q: FleetSeriesQuery): Promise<FleetSeries> {
    return queryFleetSeries(
      {
        raw: this.raw,
        fleetId: this.meta.fleetId,
        pendingHours: (id) => this.rollups.pendingHours(id),
        histories: (ids) => this.histories(ids),
        hostname: (id) => this.hosts.get(id)?.info.hostname ?? id,
      },
      this.hosts.ids(),
      q,
      Date.now(),
    );
  }

  /** Every host and one aggregate per query: all one alert evaluation reads, in one request. */
  evaluationInputs(queries: AggregateQuery[], now = Date.now()): EvaluationRead {
    return { hosts: this.hosts.views(), values: queries.map((q) => this.aggregate(q, now)) };
  }

  /**
   * Aggregates every series named `q.metric` (a key like `cpu`, `disk:/`, or
   * a pattern `disk:*` for every instance) over the last `q.windowMs` for
   * every host.
   */
  aggregate(q: AggregateQuery, now = Date.now()): SeriesValue[] {
    const matches = seriesMatcher(q.metric);
    // A counter (container restarts) is watched for how much it grew in the window, whatever the aggregation.
    const counter = isCounterMetric(q.metric);
    const out: SeriesValue[] = [];
    for (const hostId of this.hosts.ids()) {
      const points = this.raw.range(hostId, now - q.windowMs, now);
      const values = counter ? windowIncrease(points) : aggregateWindow(points, q.agg);
      for (const series in values) {
        const value = values[series];
        if (value !== undefined && matches(series)) {
          out.push({ hostId, series, value });
        }
      }
    }
    return out;
  }

  private source(): SeriesSource {
    return {
      raw: this.raw,
      history: (id) => this.history(id),
      fleetId: this.meta.fleetId,
      pendingHours: (id) => this.rollups.pendingHours(id),
    };
  }

  /** Hosts grouped by the database of their rollups, located in one read for those not yet known. */
  private async histories(hostIds: string[]): Promise<Map<DrizzleD1Database, string[]>> {
    this.databases ??= historyDatabases(this.env);
    const unknown = hostIds.filter((id) => !this.located.has(id));
    if (unknown.length > 0) {
      for (const [id, name] of await locateHosts(drizzle(this.env.DB), this.meta.fleetId, unknown)) {
        this.located.set(id, name);
      }
    }
    const out = new Map<DrizzleD1Database, string[]>();
    for (const id of hostIds) {
      // No recorded placement: never flushed, so only rows written to DB before placements were recorded.
      const db = historyDatabase(this.databases, this.located.get(id) ?? PRIMARY_DB);
      const group = out.get(db);
      if (group) group.push(id);
      else out.set(db, [id]);
    }
    return out;
  }

  /**
   * The database of a host's rollups. A recorded placement never changes,
   * so it is kept for the object's life; a host with none yet is looked up
   * again next time (its first flush records one).
   */
  private async history(hostId: string): Promise<DrizzleD1Database> {
    this.databases ??= historyDatabases(this.env);
    let name = this.located.get(hostId);
    if (name === undefined) {
      const found = await locateHost(drizzle(this.env.DB), this.meta.fleetId, hostId);
      if (found.placed) this.located.set(hostId, found.database);
      name = found.database;
    }
    return historyDatabase(this.databases, name);
  }
}
