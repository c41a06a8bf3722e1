import { z } from "zod";
import { isTimeZone } from "../alerts/mute";

/** When a host's traffic month begins: a day of the month (1-28) at 00:00 in a time zone. */
export interface TrafficSettings {
  resetDay: number;
  timeZone: string;
}

/** A fleet's settings unless it sets its own: the 1st, UTC. */
export const DEFAULT_TRAFFIC_SETTINGS: TrafficSettings = { resetDay: 1, timeZone: "UTC" };

/** The REST body of traffic settings (fleet default or one host's override). */
export const TrafficSettingsSchema = z.strictObject({
  // 28 at most: every month has that day, so a period is always one calendar month long.
  resetDay: z.number().int().min(1).max(28),
  timeZone: z.string().max(64).refine(isTimeZone, "an IANA time zone such as Europe/Berlin or UTC"),
});

/** The period that holds `at`: [start, end) in Unix ms. */
export interface TrafficPeriod {
  start: number;
  end: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Calendar date and time of `at` in `zone`. */
function localParts(at: number, zone: string): { y: number; m: number; d: number; ms: number } {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      hourCycle: "h23",
    });
    formatters.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(at)) if (part.type !== "literal") p[part.type] = Number(part.value);
  return {
    y: p.year ?? 1970,
    m: p.month ?? 1,
    d: p.day ?? 1,
    ms: (((p.hour ?? 0) * 60 + (p.minute ?? 0)) * 60 + (p.second ?? 0)) * 1000 + (at % 1000),
  };
}

/** The zone's offset from UTC at `at`, in ms (positive east of Greenwich). */
function offsetAt(at: number, zone: string): number {
  const l = localParts(at, zone);
  return Date.UTC(l.y, l.m - 1, l.d) + l.ms - at;
}

/**
 * The instant of 00:00 on a calendar day in `zone`. Where that midnight does
 * not exist (a daylight saving jump at midnight) it is the first instant of
 * the day.
 */
export function localMidnight(y: number, m: number, d: number, zone: string): number {
  const wall = Date.UTC(y, m - 1, d);
  let at = wall - offsetAt(wall, zone);
  // Twice: the offset at the guess may differ from the offset at the answer across a DST change.
  at = wall - offsetAt(at, zone);
  const l = localParts(at, zone);
  if (Date.UTC(l.y, l.m - 1, l.d) < wall) at += 3_600_000;
  return at;
}

/** The traffic month holding `at`: from the last reset day at 00:00 local time to the next. */
export function trafficPeriod(at: number, s: TrafficSettings): TrafficPeriod {
  const l = localParts(at, s.timeZone);
  let y = l.y;
  let m = l.m;
  let start = localMidnight(y, m, s.resetDay, s.timeZone);
  if (start > at) {
    m -= 1;
    if (m === 0) {
      m = 12;
      y -= 1;
    }
    start = localMidnight(y, m, s.resetDay, s.timeZone);
  }
  const ny = m === 12 ? y + 1 : y;
  const nm = m === 12 ? 1 : m + 1;
  return { start, end: localMidnight(ny, nm, s.resetDay, s.timeZone) };
}
