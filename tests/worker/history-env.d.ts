declare namespace Cloudflare {
  interface Env {
    /** History databases bound by vitest.config.ts for the worker tests. */
    HISTORY_1: D1Database;
    HISTORY_2: D1Database;
  }
}
