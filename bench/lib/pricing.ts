/**
 * Cloudflare Workers Paid list prices (docs/DESIGN: Workers, Durable Objects,
 * D1 and DO SQLite) and the monthly bill they give. Pure: `bench/cost.ts`
 * feeds it counted operations.
 */

/** Seconds in the 30-day month Cloudflare bills. */
export const MONTH_S = 30 * 24 * 3600;

export const PRICES = {
  baseUsd: 5,
  included: {
    workerRequests: 10e6,
    doRequests: 1e6,
    doGbS: 400e3,
    d1RowsWritten: 50e6,
    doRowsWritten: 50e6,
    d1RowsRead: 25e9,
    doRowsRead: 25e9,
  },
  /** USD per million units beyond the included amount. */
  overagePerM: {
    workerRequests: 0.3,
    doRequests: 0.15,
    doGbS: 12.5,
    d1RowsWritten: 1,
    doRowsWritten: 1,
    // Not in DESIGN.md: Cloudflare's list price for rows read beyond 25 B is $0.001/M.
    d1RowsRead: 0.001,
    doRowsRead: 0.001,
  },
  /** Incoming WebSocket messages bill as DO requests at 20:1. */
  wsMessagesPerDoRequest: 20,
  /** A Durable Object's billed memory, whatever it uses. */
  doMemoryGb: 0.125,
} as const;

export type BillItem = keyof typeof PRICES.included;

/** A month of billable operations. */
export interface MonthlyUsage {
  workerRequests: number;
  /** DO requests excluding WebSocket messages. */
  doRequests: number;
  wsMessagesIn: number;
  /** Seconds a DO is active (not hibernated), summed over objects. */
  doActiveSeconds: number;
  d1RowsWritten: number;
  doRowsWritten: number;
  d1RowsRead: number;
  doRowsRead: number;
}

export interface BillLine {
  item: BillItem;
  included: number;
  used: number;
  overageUsd: number;
}

export interface Bill {
  lines: BillLine[];
  baseUsd: number;
  totalUsd: number;
}

/** The monthly bill of `u` on Workers Paid. */
export function bill(u: MonthlyUsage): Bill {
  const used: Record<BillItem, number> = {
    workerRequests: u.workerRequests,
    doRequests: u.doRequests + u.wsMessagesIn / PRICES.wsMessagesPerDoRequest,
    doGbS: u.doActiveSeconds * PRICES.doMemoryGb,
    d1RowsWritten: u.d1RowsWritten,
    doRowsWritten: u.doRowsWritten,
    d1RowsRead: u.d1RowsRead,
    doRowsRead: u.doRowsRead,
  };
  const lines = (Object.keys(PRICES.included) as BillItem[]).map((item) => {
    const over = Math.max(0, used[item] - PRICES.included[item]);
    return {
      item,
      included: PRICES.included[item],
      used: used[item],
      overageUsd: (over / 1e6) * PRICES.overagePerM[item],
    };
  });
  const totalUsd = PRICES.baseUsd + lines.reduce((s, l) => s + l.overageUsd, 0);
  return { lines, baseUsd: PRICES.baseUsd, totalUsd };
}

/**
 * Operation rates measured through the real hub. What drives each one:
 * the DO's own periodic work (alarms) per fleet-second; packed row writes
 * and reads per host-second (flush and rollup cadences are timers, not
 * sample counts); stream rotation per stream; viewers per connection.
 */
export interface MeasuredRates {
  /** DO requests per second of the fleet's life that no client made (alarms). */
  fleetDoRequestsPerS: number;
  perHostS: { doRowsWritten: number; doRowsRead: number; d1RowsWritten: number; d1RowsRead: number };
  /** Operations of one stream's end-of-stream commit, per stream. */
  perStream: { doRowsWritten: number; doRowsRead: number };
  /** Worker requests (and DO requests) per stream opened, including the agent's Hello share. */
  workerRequestsPerStream: number;
}

/** How the fleet runs for a month. */
export interface Scenario {
  hosts: number;
  intervalS: number;
  viewers: number;
  /** An agent rotates its stream this often (hub config). */
  streamRotateS: number;
  /** Hellos per host per month (agent restarts and reconnects). */
  hellosPerHost: number;
  /** Dashboard connections per viewer per month (reconnects). */
  connectionsPerViewer: number;
  /** Incoming messages per viewer per month (keep-alive pings, resyncs). */
  messagesInPerViewer: number;
  /** Fleet DOs kept active all month (streams never let one hibernate). */
  activeDos: number;
  /** Cron runs a month: each is a Worker invocation and one DO request per fleet (alert evaluation). */
  cronRuns: number;
}

/** A month of operations for `s`, scaled from `r`. */
export function monthlyUsage(r: MeasuredRates, s: Scenario): MonthlyUsage {
  const streams = s.hosts * (MONTH_S / s.streamRotateS);
  const hostS = s.hosts * MONTH_S;
  const clientRequests = streams * r.workerRequestsPerStream + s.hosts * s.hellosPerHost;
  const viewerRequests = s.viewers * s.connectionsPerViewer;
  return {
    workerRequests: clientRequests + viewerRequests + s.cronRuns,
    // Each Worker request of a stream, a Hello or a socket is one DO request too.
    doRequests: clientRequests + viewerRequests + s.cronRuns * s.activeDos + r.fleetDoRequestsPerS * MONTH_S,
    wsMessagesIn: s.viewers * s.messagesInPerViewer,
    doActiveSeconds: s.activeDos * MONTH_S,
    d1RowsWritten: r.perHostS.d1RowsWritten * hostS,
    doRowsWritten: r.perHostS.doRowsWritten * hostS + r.perStream.doRowsWritten * streams,
    d1RowsRead: r.perHostS.d1RowsRead * hostS,
    doRowsRead: r.perHostS.doRowsRead * hostS + r.perStream.doRowsRead * streams,
  };
}
