/** How long an agent keeps one `Stream` open before rotating it (small fleets). */
export const STREAM_ROTATE_S = 900;
/** The longest rotation the hub asks for. */
export const MAX_STREAM_ROTATE_S = 3600;
/**
 * Each stream is one billed request. Large fleets rotate less often so that
 * a fleet's streams stay near this many requests a month: 250 hosts rotate
 * every 15 min, 1,000 hosts every hour.
 */
export const STREAM_REQUESTS_PER_MONTH = 720_000;

/** The rotation the hub hands agents of a fleet of `hosts` hosts. */
export function streamRotateS(hosts: number): number {
  const spread = Math.ceil((hosts * 30 * 86_400) / STREAM_REQUESTS_PER_MONTH);
  return Math.min(MAX_STREAM_ROTATE_S, Math.max(STREAM_ROTATE_S, spread));
}
