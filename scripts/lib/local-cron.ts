/**
 * `wrangler dev` runs no cron trigger by itself, so nothing would evaluate
 * alert rules locally. This drives the Worker's minute cron the way
 * Cloudflare does in production: once a minute, at the start of the minute,
 * through wrangler's local trigger endpoint.
 */
export interface LocalCron {
  stop(): void;
}

/** The cron expression of wrangler.toml's `[triggers]`. */
export const MINUTE_CRON = "* * * * *";

/** Runs the scheduled handler of the hub at `url` at the start of every minute. */
export function startLocalCron(
  url: string,
  report: (message: string) => void = (m) => console.error(m),
  cron = MINUTE_CRON,
): LocalCron {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failing = false;
  const fire = async () => {
    try {
      const res = await fetch(
        `${url}/cdn-cgi/local/scheduled?cron=${encodeURIComponent(cron).replaceAll("%20", "+")}`,
      );
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      if (failing) report("[fleetwatch] local cron: running again");
      failing = false;
    } catch (e) {
      // One line per failing streak, not one a minute.
      if (!failing)
        report(
          `[fleetwatch] local cron: the hub did not run its minute cron (${String(e)}); retrying every minute`,
        );
      failing = true;
    }
  };
  const schedule = () => {
    const wait = 60_000 - (Date.now() % 60_000) + 50;
    timer = setTimeout(() => {
      void fire();
      schedule();
    }, wait);
    timer.unref?.();
  };
  schedule();
  return {
    stop() {
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
