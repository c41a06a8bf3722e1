import { useEffect } from "preact/hooks";
import { listAlerts, listRules, listSilences } from "../../lib/alerts-api";
import { formatDateTime } from "../../lib/format";
import { session } from "../../lib/session";
import { useResource } from "../../lib/use-resource";
import { AlertTable } from "./alert-table";
import { ChannelsSection } from "./channels-section";
import { RulesSection } from "./rules-section";
import { SilencesSection } from "./silences-section";
import "../../styles/alerts.css";

/** Rules are evaluated once a minute by the hub's cron: refreshing faster shows nothing new. */
const REFRESH_MS = 30_000;

/**
 * Alerts of the fleet: what is firing now (and pending), what fired
 * recently, silences, rules and (admins) notification channels.
 */
export function AlertsPage() {
  const s = session.value;
  const fleet = s.state === "signed-in" ? s.info.fleet : "";
  const admin = s.state === "signed-in" && s.info.role === "admin";
  const active = useResource((signal) => listAlerts(fleet, "active", 200, signal), [fleet]);
  const recent = useResource((signal) => listAlerts(fleet, "resolved", 25, signal), [fleet]);
  const silences = useResource((signal) => listSilences(fleet, signal), [fleet]);
  const rules = useResource((signal) => listRules(fleet, signal), [fleet]);
  const refresh = () => {
    active.reload();
    recent.reload();
    silences.reload();
  };

  useEffect(() => {
    document.title = "Alerts · fleetwatch";
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") refresh();
    }, REFRESH_MS);
    return () => {
      clearInterval(timer);
      document.title = "fleetwatch";
    };
  }, [fleet]);

  const evalError = active.data?.evaluation;
  return (
    <section class="page alerts-page" aria-labelledby="alerts-title" data-testid="alerts-page">
      <div class="section-head">
        <h1 id="alerts-title">Alerts</h1>
        <button
          type="button"
          class="btn btn-small"
          onClick={refresh}
          disabled={active.loading}
          data-testid="alerts-refresh"
        >
          {active.loading ? "Refreshing…" : "Refresh"}
        </button>
      </div>
      {evalError?.lastError && (
        <p class="notice notice-error" role="alert" data-testid="evaluation-error">
          Rule evaluation failed at {formatDateTime(evalError.lastErrorAt ?? 0)}: {evalError.lastError}
        </p>
      )}
      <section class="alerts-section" aria-labelledby="firing-title">
        <h2 id="firing-title">Firing and pending</h2>
        {active.error && (
          <p class="notice notice-error" role="alert">
            {active.error}
          </p>
        )}
        {active.data && (
          <AlertTable
            fleet={fleet}
            alerts={active.data.alerts}
            admin={admin}
            empty="Nothing is firing."
            testId="alerts-active"
            onChanged={refresh}
          />
        )}
      </section>
      <section class="alerts-section" aria-labelledby="recent-title">
        <h2 id="recent-title">Recently resolved</h2>
        {recent.error && (
          <p class="notice notice-error" role="alert">
            {recent.error}
          </p>
        )}
        {recent.data && (
          <AlertTable
            fleet={fleet}
            alerts={recent.data.alerts}
            admin={false}
            empty="No resolved alerts yet."
            testId="alerts-recent"
            onChanged={refresh}
          />
        )}
      </section>
      <SilencesSection fleet={fleet} admin={admin} silences={silences} onChanged={refresh} />
      <RulesSection fleet={fleet} admin={admin} rules={rules} />
      {admin ? (
        <ChannelsSection fleet={fleet} />
      ) : (
        <section class="alerts-section" aria-labelledby="channels-title">
          <h2 id="channels-title">Notification channels</h2>
          <p class="notice">Sign in with an admin token to manage rules, silences and channels.</p>
        </section>
      )}
    </section>
  );
}
