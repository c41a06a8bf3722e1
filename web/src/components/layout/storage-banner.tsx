import type { InferResponseType } from "hono/client";
import { useEffect, useState } from "preact/hooks";
import { fleetApi, json, params, withSignal } from "../../lib/api";
import { formatCountOf, formatDateTime, NOUNS } from "../../lib/format";
import { session } from "../../lib/session";

type Health = InferResponseType<(typeof fleetApi.health)["$get"]>;

/** How often an admin's dashboard asks whether history reaches the database. */
const POLL_MS = 60_000;

/**
 * For admins: a banner while closed hours of history fail to reach D1
 * (a full or unavailable database). Nothing is lost meanwhile, and the
 * banner says so; it goes away once a write succeeds.
 */
export function StorageBanner() {
  const s = session.value;
  const fleet = s.state === "signed-in" && s.info.role === "admin" ? s.info.fleet : undefined;
  const [health, setHealth] = useState<Health | undefined>(undefined);
  useEffect(() => {
    if (!fleet) return;
    const ctrl = new AbortController();
    const poll = () =>
      json(fleetApi.health.$get({ param: params({ fleet }) }, withSignal(ctrl.signal))).then(
        setHealth,
        () => {
          // A failed poll keeps the last answer; the next one tries again.
        },
      );
    void poll();
    const timer = setInterval(poll, POLL_MS);
    return () => {
      ctrl.abort();
      clearInterval(timer);
    };
  }, [fleet]);
  const failing = health?.objects.map((o) => o.rollups).filter((r) => r.failures > 0) ?? [];
  const first = failing[0];
  if (!fleet || !first) return null;
  const pending = failing.reduce((n, r) => n + r.pendingHours, 0);
  return (
    <div class="notice notice-error storage-banner" role="alert" data-testid="storage-banner">
      <p>
        <strong>History is not reaching the database.</strong> {formatCountOf(first.failures, NOUNS.write)}{" "}
        failed
        {first.lastErrorAt ? ` since ${formatDateTime(first.lastErrorAt)}` : ""}:{" "}
        {first.lastError ?? "unknown error"}
      </p>
      <p>
        Nothing is lost: {formatCountOf(pending, NOUNS.hostHour)} wait in the live window and are retried
        {first.retryAt ? ` at ${formatDateTime(first.retryAt)}` : ""}. Check the D1 database's size and
        status.
      </p>
    </div>
  );
}
