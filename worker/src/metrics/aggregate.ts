import type { Aggregation } from "../db/alerts-schema";
import type { HostView } from "./types";

/** One windowed aggregate an alert rule needs: `metric` may be a pattern such as `disk:*`. */
export interface AggregateQuery {
  metric: string;
  agg: Aggregation;
  windowMs: number;
}

/** One host's value of one series, aggregated over a query's window. */
export interface SeriesValue {
  hostId: string;
  series: string;
  value: number;
}

/** What one alert evaluation reads of a fleet: every host, and one list of values per query. */
export interface EvaluationRead {
  hosts: HostView[];
  values: SeriesValue[][];
}
