import { z } from "zod";
import { type Check, schemaCheck, tryDecodeStored } from "../db/stored-json";

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * A recurring range: on the given weekdays (every day when absent), from
 * `start` to `end` (`HH:MM`, 24 h, in the interval's time zone; `end` may be
 * `24:00`). An `end` at or before `start` runs past midnight into the next
 * day: `22:00`-`07:00` on `fri` mutes Friday night to Saturday 07:00.
 */
export interface MuteTimes {
  weekdays?: Weekday[];
  start: string;
  end: string;
}

/** A one-off window (a maintenance), epoch ms, end exclusive. */
export interface MuteWindow {
  startsAt: number;
  endsAt: number;
  comment?: string;
}

/** A mute interval as routing sees it. */
export interface MuteSpec {
  timeZone: string;
  times: MuteTimes[];
  windows: MuteWindow[];
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export const MuteTimesSchema = z.strictObject({
  weekdays: z
    .array(z.enum(WEEKDAYS))
    .min(1, "give at least one weekday, or leave weekdays out for every day")
    .max(7)
    .optional(),
  start: z.string().regex(HHMM, "a time of day as HH:MM (00:00 to 23:59)"),
  end: z.string().regex(HHMM, "a time of day as HH:MM (00:01 to 24:00)"),
});

export const MuteWindowSchema = z
  .strictObject({
    startsAt: z.number().int().nonnegative(),
    endsAt: z.number().int().positive(),
    comment: z.string().max(200).optional(),
  })
  .refine((w) => w.endsAt > w.startsAt, { message: "endsAt must be after startsAt", path: ["endsAt"] });

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function minutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Weekday and minute of the day of `at` in `zone` (daylight saving time included). */
export function wallClock(at: number, zone: string): { weekday: number; minute: number } {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(zone, f);
  }
  let weekday = 0;
  let hour = 0;
  let minute = 0;
  for (const part of f.formatToParts(at)) {
    if (part.type === "weekday") weekday = WEEKDAYS.indexOf(part.value.toLowerCase() as Weekday);
    else if (part.type === "hour") hour = Number(part.value);
    else if (part.type === "minute") minute = Number(part.value);
  }
  return { weekday, minute: hour * 60 + minute };
}

function timesActive(t: MuteTimes, weekday: number, minute: number): boolean {
  const on = (day: number) => !t.weekdays || t.weekdays.includes(WEEKDAYS[day] as Weekday);
  const start = minutes(t.start);
  const end = minutes(t.end);
  if (start < end) return on(weekday) && minute >= start && minute < end;
  // Past midnight: the evening of a listed day, or the early hours after one.
  return (on(weekday) && minute >= start) || (on((weekday + 6) % 7) && minute < end);
}

/** Whether the interval mutes notifications at `now`. */
export function muteActive(m: MuteSpec, now: number): boolean {
  if (m.windows.some((w) => w.startsAt <= now && now < w.endsAt)) return true;
  if (m.times.length === 0) return false;
  const { weekday, minute } = wallClock(now, m.timeZone);
  return m.times.some((t) => timesActive(t, weekday, minute));
}

const checkTimes: Check<MuteTimes[]> = schemaCheck(z.array(MuteTimesSchema));
const checkWindows: Check<MuteWindow[]> = schemaCheck(z.array(MuteWindowSchema));

/**
 * A stored interval as routing uses it. A row that does not read mutes
 * nothing (notifications going out beats silently losing them), logged
 * with its id.
 */
export function readMuteSpec(row: {
  id: string;
  timeZone: string;
  times: string;
  windows: string;
}): MuteSpec {
  const times = tryDecodeStored(row.times, checkTimes, `alert_mute_intervals ${row.id}: times`);
  const windows = tryDecodeStored(row.windows, checkWindows, `alert_mute_intervals ${row.id}: windows`);
  if (!times.ok) console.error(`alerts: ${times.error.message}; its times mute nothing`);
  if (!windows.ok) console.error(`alerts: ${windows.error.message}; its windows mute nothing`);
  return {
    timeZone: isTimeZone(row.timeZone) ? row.timeZone : "UTC",
    times: times.ok ? times.value : [],
    windows: windows.ok ? windows.value : [],
  };
}
