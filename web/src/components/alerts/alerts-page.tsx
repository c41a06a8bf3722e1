import { useEffect, useMemo, useRef } from "preact/hooks";
import type { AlertBoard } from "../../../../worker/src/alerts/live-board";
import { type AlertList, listAlerts, listChannels, listRules, listSilences } from "../../lib/alerts-api";
import { now } from "../../lib/clock";
import { firingCount } from "../../lib/fleet-alerts";
import { formatAgo, formatDateTime } from "../../lib/format";
import { live } from "../../lib/live";
import { listMuteIntervals, listPolicies } from "../../lib/routing-api";
import { session } from "../../lib/session";
import { thresholds, thresholdsFromRules } from "../../lib/thresholds";
import { type Resource, useResource } from "../../lib/use-resource";
import { ErrorNotice } from "../common/notice";
import { AlertTable } from "./alert-table";
import { ChannelsSection } from "./channels-section";
import { MuteIntervalsSection } from "./mute-intervals-section";
import { PoliciesSection } from "./policies-section";
import { RulesSection } from "./rules-section";
import { AlertsSection } from "./section";
import { SilencesSection } from "./silences-section";
import "../../styles/forms.css";
import "../../styles/alerts.css";

/** Open alerts listed at most. */
const ACTIVE_LIMIT = 200;

/** The two lists of alert episodes: heading, and what an empty list says. */
const LISTS = {
  active: { id: "firing-title", title: "Firing and pending", empty: "Nothing is firing." },
  recent: { id: "recent-title", title: "Recently resolved", empty: "No resolved alerts yet." },
} as const;

/** One list of alert episodes under its heading (test id `alerts-<kind>`). */
function AlertsList({
  kind,
  list,
  ...table
}: {
  kind: keyof typeof LISTS;
  list: Resource<AlertList>;
  fleet: string;
  admin: boolean;
  onChanged: () => void;
  board?: AlertBoard | undefined;
}) {
  const { id, title, empty } = LISTS[kind];
  const { board, ...rest } = table;
  const current = useMemo(() => new Map(board?.alerts.map((a) => [a.id, a])), [board]);
  const evaluated = board?.evaluatedAt;
  return (
    <AlertsSection
      id={id}
      title={title}
      error={list.error}
      actions={
        kind === "active" &&
        evaluated != null && (
          <span class="muted" data-testid="alerts-evaluated" title={formatDateTime(evaluated)}>
            Rules evaluated {formatAgo(evaluated, now.value)} (every minute)
          </span>
        )
      }
    >
      {list.data && (
        <AlertTable
          alerts={list.data.alerts}
          empty={empty}
          testId={`alerts-${kind}`}
          {...rest}
          {...(kind === "active" ? { current, evaluatedAt: evaluated ?? null } : {})}
        />
      )}
    </AlertsSection>
  );
}

/** What changes the lists: an alert opening, changing state or closing (not a new value). */
function boardKey(board: AlertBoard | undefined): string | undefined {
  return board?.alerts.map((a) => `${a.id}:${a.state}:${a.silenced ? 1 : 0}`).join(",");
}

/**
 * Alerts of the fleet: what is firing now (and pending), what fired
 * recently, silences, rules and (admins) notification channels.
 */
export function AlertsPage() {
  const s = session.value;
  const fleet = s.state === "signed-in" ? s.info.fleet : "";
  const admin = s.state === "signed-in" && s.info.role === "admin";
  const active = useResource((signal) => listAlerts(fleet, "active", ACTIVE_LIMIT, signal), [fleet]);
  const recent = useResource((signal) => listAlerts(fleet, "resolved", 25, signal), [fleet]);
  const silences = useResource((signal) => listSilences(fleet, signal), [fleet]);
  const rules = useResource((signal) => listRules(fleet, signal), [fleet]);
  const policies = useResource((signal) => listPolicies(fleet, signal), [fleet]);
  const mutes = useResource((signal) => listMuteIntervals(fleet, signal), [fleet]);
  // Channel names for the policies (admins only: channels are credentials).
  const channels = useResource(
    (signal) => (admin ? listChannels(fleet, signal) : Promise.resolve(undefined)),
    [fleet, admin],
  );
  const refresh = () => {
    active.reload();
    recent.reload();
    silences.reload();
  };

  useEffect(() => {
    document.title = "Alerts · fleetwatch";
    return () => {
      document.title = "fleetwatch";
    };
  }, [fleet]);

  // The hub sends the fleet's open alerts after every evaluation: the lists follow without polling.
  const board = live.alerts.value;
  const key = boardKey(board);
  const seen = useRef(key);
  useEffect(() => {
    if (key === undefined || key === seen.current) return;
    seen.current = key;
    refresh();
  }, [key]);

  // What this page loads is newer than the header's summary: share it (when the list is whole).
  useEffect(() => {
    const open = active.data?.alerts;
    if (open && open.length < ACTIVE_LIMIT)
      firingCount.value = open.filter((a) => a.state === "firing").length;
  }, [active.data]);
  useEffect(() => {
    if (rules.data) thresholds.value = thresholdsFromRules(rules.data);
  }, [rules.data]);

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
      <ErrorNotice
        testId="evaluation-error"
        message={
          evalError?.lastError
            ? `Rule evaluation failed at ${formatDateTime(evalError.lastErrorAt ?? 0)}: ${evalError.lastError}`
            : undefined
        }
      />
      <AlertsList kind="active" list={active} fleet={fleet} admin={admin} onChanged={refresh} board={board} />
      <AlertsList kind="recent" list={recent} fleet={fleet} admin={false} onChanged={refresh} />
      <SilencesSection fleet={fleet} admin={admin} silences={silences} onChanged={refresh} />
      <PoliciesSection
        fleet={fleet}
        admin={admin}
        policies={policies}
        channels={channels.data}
        mutes={mutes.data ?? []}
      />
      <MuteIntervalsSection fleet={fleet} admin={admin} mutes={mutes} onChanged={policies.reload} />
      <RulesSection fleet={fleet} admin={admin} rules={rules} />
      {admin ? (
        <ChannelsSection fleet={fleet} />
      ) : (
        <AlertsSection id="channels-title" title="Notification channels">
          <p class="notice">Sign in with an admin token to manage rules, silences and channels.</p>
        </AlertsSection>
      )}
    </section>
  );
}
