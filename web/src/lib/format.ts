/**
 * Every number, size, date and count the dashboard shows goes through here,
 * so one convention holds everywhere:
 *
 * - Bytes use binary (IEC) units for sizes and rates alike: 1 KiB = 1,024
 *   bytes, `16.0 GiB`, `1.2 MiB/s` (`BYTE_UNITS` says so in tooltips).
 * - Dates and times follow the reader's locale (`Intl`): its order of day
 *   and month, and a 24-hour clock where the locale uses one.
 * - Counts of things agree in number: `1 host`, `2 hosts` (`Intl.PluralRules`).
 *
 * Each function takes an optional `locale` (a BCP 47 tag) for tests; the
 * dashboard leaves it out and gets the browser's.
 */

const IEC = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** The byte convention, for a tooltip or legend next to sizes and rates. */
export const BYTE_UNITS = "Sizes and rates in binary units: 1 KiB = 1,024 bytes, 1 MiB = 1,024 KiB";

/** Formatters by locale and options: building one costs far more than using it. */
const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.PluralRules>();

function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.PluralRules>(
  kind: string,
  locale: string | undefined,
  options: object,
  make: () => T,
): T {
  const key = `${kind}|${locale ?? ""}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    f = make();
    cache.set(key, f);
  }
  return f as T;
}

function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  return cached("n", locale, options, () => new Intl.NumberFormat(locale, options));
}

function dateFormat(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return cached("d", locale, options, () => new Intl.DateTimeFormat(locale, options));
}

function scaled(value: number, base: number, units: string[]): string {
  if (!Number.isFinite(value)) return "–";
  let v = Math.abs(value);
  let i = 0;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : 1;
  return `${value < 0 ? "-" : ""}${v.toFixed(digits)} ${units[i]}`;
}

/** `16.0 GiB`. */
export function formatBytes(bytes: number | undefined): string {
  return bytes === undefined ? "–" : scaled(bytes, 1024, IEC);
}

/** `1.2 MiB/s`: binary units, as sizes. */
export function formatRate(bytesPerS: number | undefined): string {
  return bytesPerS === undefined ? "–" : `${scaled(bytesPerS, 1024, IEC)}/s`;
}

/** `42 %` with one decimal below 10 so small values stay visible. */
export function formatPct(pct: number | undefined): string {
  if (pct === undefined || !Number.isFinite(pct)) return "–";
  return `${pct < 10 ? pct.toFixed(1) : Math.round(pct).toString()} %`;
}

/** A load average with two decimals. */
export function formatLoad(load: number | undefined): string {
  return load === undefined || !Number.isFinite(load) ? "–" : load.toFixed(2);
}

/** A whole count with the locale's digit grouping: `12,345` (en), `12.345` (de). */
export function formatCount(n: number | undefined, locale?: string): string {
  if (n === undefined || !Number.isFinite(n)) return "–";
  return numberFormat(locale, { maximumFractionDigits: 0 }).format(Math.round(n));
}

/** Singular and plural of a noun: `{ one: "host", other: "hosts" }`. */
export interface Noun {
  one: string;
  other: string;
}

/** Common nouns of the dashboard. */
export const NOUNS = {
  host: { one: "host", other: "hosts" },
  alert: { one: "alert", other: "alerts" },
  write: { one: "write", other: "writes" },
  hostHour: { one: "host-hour", other: "host-hours" },
} satisfies Record<string, Noun>;

/** The noun's form for `n`: `host` for 1, `hosts` for 0 and 2 (by the locale's plural rules). */
export function pluralForm(n: number, noun: Noun, locale?: string): string {
  const rules = cached("p", locale, {}, () => new Intl.PluralRules(locale));
  return rules.select(n) === "one" ? noun.one : noun.other;
}

/** `1 host`, `2 hosts`, `1,024 hosts`. */
export function formatCountOf(n: number, noun: Noun, locale?: string): string {
  return `${formatCount(n, locale)} ${pluralForm(n, noun, locale)}`;
}

/** `3 d 4 h`, `2 h 5 m`, `4 m 10 s`: the two largest units. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "–";
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} m`;
  if (m > 0) return `${m} m ${s % 60} s`;
  return `${s} s`;
}

/** `3 s ago`, `5 m ago`, `never` for a host that has not sent a sample. */
export function formatAgo(lastSeenMs: number, nowMs: number): string {
  if (!lastSeenMs) return "never";
  const s = Math.max(0, Math.floor((nowMs - lastSeenMs) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

const DATE_TIME: Intl.DateTimeFormatOptions = {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
  second: "2-digit",
};

/**
 * A moment in the reader's locale and time zone: `May 1, 2024, 1:04:05 PM`
 * (en-US), `1 May 2024, 13:04:05` (en-GB), `1. Mai 2024, 13:04:05` (de).
 * `never` for 0 (a time that did not happen yet).
 */
export function formatDateTime(ms: number, locale?: string): string {
  if (!ms) return "never";
  return dateFormat(locale, DATE_TIME).format(ms);
}

/** Whether the locale writes a 24-hour clock (then hours take two digits: `09:00`, `00:30`). */
function uses24h(locale: string | undefined): boolean {
  const cycle = dateFormat(locale, { hour: "numeric" }).resolvedOptions().hourCycle;
  return cycle === "h23" || cycle === "h24";
}

/** The time of day, to the minute (`13:04`, `1:04 PM`), or to the second with `seconds`. */
export function formatTime(ms: number, locale?: string, seconds = false): string {
  return dateFormat(locale, {
    hour: uses24h(locale) ? "2-digit" : "numeric",
    minute: "2-digit",
    ...(seconds ? { second: "2-digit" } : {}),
  }).format(ms);
}

/** A day without the year: `May 1` (en-US), `1 May` (en-GB), `1. Mai` (de). */
export function formatDay(ms: number, locale?: string): string {
  return dateFormat(locale, { month: "short", day: "numeric" }).format(ms);
}

/**
 * A time axis label for ticks `tickMs` apart: the time of day while ticks
 * are less than a day apart (with the day where a new one starts, when
 * `dayStart`), the day beyond.
 */
export function formatTimeTick(ms: number, tickMs: number, locale?: string, dayStart = false): string {
  if (tickMs >= 86_400_000) return formatDay(ms, locale);
  const time = formatTime(ms, locale, tickMs < 60_000);
  return dayStart ? `${formatDay(ms, locale)} ${time}` : time;
}

/** Labels of a chart's time axis (uPlot `values`): splits in seconds, as uPlot gives them. */
export function timeAxisValues(splits: number[], locale?: string): string[] {
  const tick = splits.length > 1 ? ((splits[1] ?? 0) - (splits[0] ?? 0)) * 1000 : 3_600_000;
  return splits.map((s, i) => {
    const ms = s * 1000;
    const prev = i > 0 ? (splits[i - 1] ?? s) * 1000 : undefined;
    const newDay = prev === undefined || new Date(prev).getDate() !== new Date(ms).getDate();
    return formatTimeTick(ms, tick, locale, newDay && i > 0);
  });
}
