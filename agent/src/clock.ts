/**
 * Milliseconds on the monotonic clock: what rates and schedules are measured
 * with, since NTP steps of the wall clock must not fake a rate or a delay.
 * Read through `process.hrtime` because the first use of the global
 * `performance` loads perf_hooks (nine modules) into the agent.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
