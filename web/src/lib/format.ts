/**
 * Number formatting for the dashboard. Sizes use binary units (GiB, as `free`
 * and `df -h` show them); rates use decimal units (MB/s, as network tools do).
 */

const IEC = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
const SI = ["B", "kB", "MB", "GB", "TB", "PB"];

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

/** `1.2 MB/s`. */
export function formatRate(bytesPerS: number | undefined): string {
  return bytesPerS === undefined ? "–" : `${scaled(bytesPerS, 1000, SI)}/s`;
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

/** A count with thousands separators. */
export function formatCount(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? "–" : Math.round(n).toLocaleString("en-US");
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

/** `2024-05-01 13:04:05` in local time, for tooltips. */
export function formatDateTime(ms: number): string {
  if (!ms) return "never";
  const d = new Date(ms);
  const p = (n: number) => n.toString().padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
