import { DAY_MS } from "./history-codec";

/** A time a host was down: a Host down episode, from firing to resolved (or now while it fires). */
export interface DownSpan {
  from: number;
  to: number;
}

/** One day of a host's bar: how long it was down and the share it was up (null: not known that day). */
export interface HostDay {
  /** The UTC day's start, Unix ms. */
  day: number;
  /** Percent up of the part of the day the host was known, two decimals; null before it was. */
  uptime: number | null;
  downMinutes: number;
}

const pct = (upMs: number, knownMs: number) =>
  knownMs > 0 ? Math.round((upMs / knownMs) * 10_000) / 100 : null;

/** Spans sorted and merged, so overlapping episodes (two Host down rules) count once. */
function merged(spans: DownSpan[]): DownSpan[] {
  const out: DownSpan[] = [];
  for (const s of [...spans].sort((a, b) => a.from - b.from)) {
    const last = out[out.length - 1];
    if (last && s.from <= last.to) last.to = Math.max(last.to, s.to);
    else if (s.to > s.from) out.push({ ...s });
  }
  return out;
}

/**
 * A host's daily bars over `days` UTC days from day `first` (days since
 * the epoch): each day is known from `knownSince` (the host's first
 * history) up to `now`, and up except where a down span covers it. Also
 * the uptime over all of them.
 */
export function hostDays(
  spans: DownSpan[],
  first: number,
  days: number,
  knownSince: number,
  now: number,
): { days: HostDay[]; uptime: number | null } {
  const down = merged(spans);
  let knownTotal = 0;
  let downTotal = 0;
  const out = Array.from({ length: days }, (_, i): HostDay => {
    const start = Math.max((first + i) * DAY_MS, knownSince);
    const end = Math.min((first + i + 1) * DAY_MS, now);
    const known = Math.max(0, end - start);
    let downMs = 0;
    if (known > 0) {
      for (const s of down) downMs += Math.max(0, Math.min(s.to, end) - Math.max(s.from, start));
    }
    knownTotal += known;
    downTotal += downMs;
    return {
      day: (first + i) * DAY_MS,
      uptime: pct(known - downMs, known),
      downMinutes: Math.round(downMs / 60_000),
    };
  });
  return { days: out, uptime: pct(knownTotal - downTotal, knownTotal) };
}

/**
 * What the bars of a fleet's hosts are computed from: their Host down
 * episodes (alerts with an empty series; kept 90 days, alerts/store.ts
 * ALERT_RETENTION_MS) that fired and overlap the days from `from` on, and
 * when each host's history began (`history_placement.placed_at`: its first
 * rollup flush; 0 for hosts older than placement). A host without
 * placement has no history yet: it is known from `now` only.
 */
export async function hostDownHistory(
  db: D1Database,
  fleetId: string,
  hostIds: string[],
  from: number,
  now: number,
): Promise<{ spans: Map<string, DownSpan[]>; knownSince: Map<string, number> }> {
  const spans = new Map<string, DownSpan[]>();
  const knownSince = new Map<string, number>(hostIds.map((id) => [id, now]));
  if (hostIds.length === 0) return { spans, knownSince };
  // Status pages list at most 50 entries: the ids and the other parameters fit one statement.
  const ids = (offset: number) => hostIds.map((_, i) => `?${i + offset}`).join(",");
  const [episodes, placed] = await db.batch([
    db
      .prepare(
        `SELECT host_id, starts_at, ends_at FROM alerts
         WHERE fleet_id = ?1 AND series = '' AND state <> 'pending' AND starts_at IS NOT NULL
           AND (ends_at IS NULL OR ends_at >= ?2) AND starts_at < ?3 AND host_id IN (${ids(4)})`,
      )
      .bind(fleetId, from, now, ...hostIds),
    db
      .prepare(
        `SELECT host_id, placed_at AS starts_at, NULL AS ends_at FROM history_placement
         WHERE fleet_id = ?1 AND host_id IN (${ids(2)})`,
      )
      .bind(fleetId, ...hostIds),
  ]);
  type Row = { host_id: string; starts_at: number; ends_at: number | null };
  for (const r of (episodes?.results ?? []) as Row[]) {
    const mine = spans.get(r.host_id) ?? [];
    mine.push({ from: r.starts_at, to: r.ends_at ?? now });
    spans.set(r.host_id, mine);
  }
  for (const r of (placed?.results ?? []) as Row[]) knownSince.set(r.host_id, r.starts_at);
  return { spans, knownSince };
}
