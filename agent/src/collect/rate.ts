/** One reading of a monotonically increasing counter. */
export interface CounterReading {
  value: number;
  /** Monotonic clock in milliseconds (not wall time: NTP steps must not fake a rate). */
  atMs: number;
}

/**
 * Per-second rate between two readings of one counter. `undefined` when
 * there is no previous reading, no time passed, or the counter went backwards
 * (reset, wrap, device re-plugged): a rate that tick would be garbage.
 */
export function rateBetween(prev: CounterReading | undefined, cur: CounterReading): number | undefined {
  if (!prev) return undefined;
  const seconds = (cur.atMs - prev.atMs) / 1000;
  const delta = cur.value - prev.value;
  if (!(seconds > 0) || delta < 0 || !Number.isFinite(delta)) return undefined;
  return delta / seconds;
}

/**
 * Remembers the last reading of named counters and turns each new reading
 * into a rate. Keys not seen in a tick are forgotten, so a vanished interface
 * that comes back starts fresh instead of producing a bogus rate.
 */
export class RateTracker {
  #last = new Map<string, CounterReading>();

  /** Records `value` for `key` and returns its rate since the previous call. */
  rate(key: string, value: number, atMs: number): number | undefined {
    const cur = { value, atMs };
    const r = rateBetween(this.#last.get(key), cur);
    this.#last.set(key, cur);
    return r;
  }

  /** Drops every key not in `seen`. */
  retain(seen: ReadonlySet<string>): void {
    for (const key of this.#last.keys()) if (!seen.has(key)) this.#last.delete(key);
  }
}
