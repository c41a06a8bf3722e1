import { drizzle } from "drizzle-orm/d1";
import type { AggregateQuery, EvaluationRead, SeriesValue } from "../metrics/aggregate";
import type { SeriesExport, SeriesResult } from "../metrics/types";
import type { HostTable } from "./host-table";
import type { FleetMeta } from "./meta";
import type { RawWindow } from "./raw-window";
import { aggregateWindow } from "./rollup";
import type { RollupStore } from "./rollup-store";
import { exportSeries, querySeries, type SeriesSource } from "./series";

/**
 * Reads of the hosts this object ingests: history of a series (raw window
 * for the last day and hours not yet rolled up, D1 beyond), a history
 * export, and the windowed aggregates alert evaluation compares.
 */
export class FleetQueries {
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
    const prefix = q.metric.endsWith(":*") ? q.metric.slice(0, -1) : undefined;
    const out: SeriesValue[] = [];
    for (const hostId of this.hosts.ids()) {
      const values = aggregateWindow(this.raw.range(hostId, now - q.windowMs, now), q.agg);
      for (const series in values) {
        const value = values[series];
        if (value !== undefined && (prefix ? series.startsWith(prefix) : series === q.metric)) {
          out.push({ hostId, series, value });
        }
      }
    }
    return out;
  }

  private source(): SeriesSource {
    return {
      raw: this.raw,
      db: drizzle(this.env.DB),
      fleetId: this.meta.fleetId,
      pendingHours: (id) => this.rollups.pendingHours(id),
    };
  }
}
