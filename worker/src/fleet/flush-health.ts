import type { Sql } from "./usage";

/** First retry of a failed rollup write, doubled per consecutive failure up to FLUSH_RETRY_MAX_MS. */
export const FLUSH_RETRY_MIN_MS = 30_000;
export const FLUSH_RETRY_MAX_MS = 15 * 60_000;

/** How the fleet object's writes of rollups to D1 are going, as operators see it. */
export interface FlushHealthView {
  /** Consecutive failed attempts (0 when the last attempt succeeded). */
  failures: number;
  lastError: string | null;
  lastErrorAt: number | null;
  lastSuccessAt: number | null;
  /** When the next attempt runs, while failing. */
  retryAt: number | null;
}

/** The wait before retry number `failures` (1 = first failure): 30 s, 1 min, 2 min, ... 15 min. */
export function flushRetryDelay(failures: number): number {
  return Math.min(FLUSH_RETRY_MAX_MS, FLUSH_RETRY_MIN_MS * 2 ** Math.max(0, Math.min(failures - 1, 20)));
}

type Row = {
  failures: number;
  last_error: string | null;
  last_error_at: number | null;
  last_success_at: number | null;
  retry_at: number | null;
};

/**
 * The record of rollup writes to D1, in DO SQLite so a failure stays visible
 * (and its backoff holds) across evictions. The pending hours themselves
 * stay in `rollup_pending` and the raw window until a write succeeds.
 */
export class FlushHealth {
  private state: FlushHealthView = {
    failures: 0,
    lastError: null,
    lastErrorAt: null,
    lastSuccessAt: null,
    retryAt: null,
  };

  constructor(private readonly sql: Sql) {}

  /** Creates the table and reads the record (called once, at start-up). */
  load(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS flush_health (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      failures INTEGER NOT NULL,
      last_error TEXT,
      last_error_at INTEGER,
      last_success_at INTEGER,
      retry_at INTEGER
    )`);
    const [r] = this.sql.exec<Row>("SELECT * FROM flush_health WHERE id = 1").toArray();
    if (!r) return;
    this.state = {
      failures: Number(r.failures) || 0,
      lastError: typeof r.last_error === "string" ? r.last_error : null,
      lastErrorAt: typeof r.last_error_at === "number" ? r.last_error_at : null,
      lastSuccessAt: typeof r.last_success_at === "number" ? r.last_success_at : null,
      retryAt: typeof r.retry_at === "number" ? r.retry_at : null,
    };
  }

  get view(): FlushHealthView {
    return { ...this.state };
  }

  /** Whether a write may be attempted at `now` (not inside a failure's backoff). */
  mayAttempt(now: number): boolean {
    return this.state.retryAt === null || now >= this.state.retryAt;
  }

  /** The earliest time a write may run, given when work is due. */
  attemptAt(due: number): number {
    return this.state.retryAt === null ? due : Math.max(due, this.state.retryAt);
  }

  failed(e: unknown, now: number): void {
    const failures = this.state.failures + 1;
    const message = (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 500);
    this.state = {
      ...this.state,
      failures,
      lastError: message,
      lastErrorAt: now,
      retryAt: now + flushRetryDelay(failures),
    };
    this.save();
  }

  succeeded(now: number): void {
    const wasFailing = this.state.failures > 0;
    this.state = { ...this.state, failures: 0, retryAt: null, lastSuccessAt: now };
    // A success after a failure is written; a run of successes only in memory (no row per hour).
    if (wasFailing) this.save();
  }

  private save(): void {
    const s = this.state;
    this.sql.exec(
      `INSERT INTO flush_health (id, failures, last_error, last_error_at, last_success_at, retry_at)
       VALUES (1, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET failures = excluded.failures, last_error = excluded.last_error,
         last_error_at = excluded.last_error_at, last_success_at = excluded.last_success_at,
         retry_at = excluded.retry_at`,
      s.failures,
      s.lastError,
      s.lastErrorAt,
      s.lastSuccessAt,
      s.retryAt,
    );
  }
}
