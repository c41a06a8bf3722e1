import { OUTCOMES, type Outcome } from "./outcome";

/**
 * A day of checks of one probe, packed: byte 0 is the format version (1),
 * then 7 bytes a check, little-endian: u16 minute of the UTC day, u8
 * outcome (outcome.ts, by index), u16 HTTP status (0: none), u16 latency ms
 * (capped at 65,535). Appending a check is appending its 7 bytes, so the
 * writer never rewrites what is there, and a reader that meets a version it
 * does not know reads the day as empty instead of guessing.
 */
export const HISTORY_VERSION = 1;
const ENTRY = 7;
export const DAY_MS = 86_400_000;

/** One check as the history keeps it. */
export interface HistoryEntry {
  /** Unix ms, to the minute. */
  at: number;
  outcome: Outcome;
  status: number | null;
  latencyMs: number;
}

/** UTC days since the epoch of a time. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** The bytes of one check, with the version byte in front when `first`. */
export function encodeEntry(e: HistoryEntry, first: boolean): Uint8Array {
  const out = new Uint8Array(ENTRY + (first ? 1 : 0));
  const view = new DataView(out.buffer);
  let o = 0;
  if (first) out[o++] = HISTORY_VERSION;
  const minute = Math.floor((e.at - dayOf(e.at) * DAY_MS) / 60_000);
  view.setUint16(o, minute, true);
  out[o + 2] = Math.max(0, OUTCOMES.indexOf(e.outcome));
  view.setUint16(o + 3, Math.min(65_535, Math.max(0, e.status ?? 0)), true);
  view.setUint16(o + 5, Math.min(65_535, Math.max(0, Math.round(e.latencyMs))), true);
  return out;
}

/** Concatenates byte arrays. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The checks of a day row; empty for an unknown version. A torn tail (fewer than 7 bytes) is ignored. */
export function decodeDay(day: number, data: Uint8Array): HistoryEntry[] {
  if (data.length === 0 || data[0] !== HISTORY_VERSION) return [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: HistoryEntry[] = [];
  for (let o = 1; o + ENTRY <= data.length; o += ENTRY) {
    const status = view.getUint16(o + 3, true);
    out.push({
      at: day * DAY_MS + view.getUint16(o, true) * 60_000,
      outcome: OUTCOMES[data[o + 2] as number] ?? "error",
      status: status === 0 ? null : status,
      latencyMs: view.getUint16(o + 5, true),
    });
  }
  return out;
}
