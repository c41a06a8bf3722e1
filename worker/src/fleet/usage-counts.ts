/**
 * Operations the fleet DO performed since it started, as Cloudflare bills
 * them. `bench/cost` turns these counts into a monthly bill.
 */
export interface Usage {
  since: number;
  doRequests: number;
  wsMessagesIn: number;
  wsMessagesOut: number;
  doRowsWritten: number;
  doRowsRead: number;
  d1RowsWritten: number;
  d1RowsRead: number;
  samples: number;
  /** Host views received from the fleet's ingest shards (fleet's object of a sharded fleet). */
  shardViewsIn: number;
}

export function newUsage(now: number): Usage {
  return {
    since: now,
    doRequests: 0,
    wsMessagesIn: 0,
    wsMessagesOut: 0,
    doRowsWritten: 0,
    doRowsRead: 0,
    d1RowsWritten: 0,
    d1RowsRead: 0,
    samples: 0,
    shardViewsIn: 0,
  };
}
