import { writeFileSync } from "node:fs";

/** One measured number. */
export interface Row {
  metric: string;
  value: number | string;
  unit?: string;
  note?: string;
}

/** What every benchmark hands to `bench/run.ts`. */
export interface BenchResult {
  id: string;
  title: string;
  rows: Row[];
  /** Conditions and caveats a reader needs to trust (or distrust) the numbers. */
  notes: string[];
  /** The command that reproduces this benchmark alone. */
  reproduce: string;
}

/**
 * Writes the result where `bench/run.ts` asked (`BENCH_RESULT`), or prints it
 * when the benchmark runs alone.
 */
export function emit(result: BenchResult): void {
  const out = process.env.BENCH_RESULT;
  if (out) writeFileSync(out, JSON.stringify(result));
  else {
    console.log(`\n${result.title}`);
    console.table(
      result.rows.map((r) => ({ metric: r.metric, value: r.value, unit: r.unit ?? "", note: r.note ?? "" })),
    );
    for (const n of result.notes) console.log(`- ${n}`);
  }
}

/** Progress for the person watching; stderr so it never mixes with results. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** The value at quantile q (0..1) of already sorted numbers, nearest rank. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

/** Rounds for display. */
export function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** `--name value` from argv, parsed as a number. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : undefined;
  const v = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Whether `--quick` was given. */
export const QUICK = process.argv.includes("--quick");
