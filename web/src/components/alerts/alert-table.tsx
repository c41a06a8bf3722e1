import { useSignal } from "@preact/signals";
import type { TargetedSubmitEvent } from "preact";
import { type AlertView, createSilence } from "../../lib/alerts-api";
import { errorMessage } from "../../lib/api";
import { now } from "../../lib/clock";
import { formatAgo, formatDateTime } from "../../lib/format";
import { hostPath } from "../../lib/router";
import { Link } from "../common/link";
import { formatMetricValue } from "./format-alert";

const DURATIONS: { s: number; label: string }[] = [
  { s: 3600, label: "1 hour" },
  { s: 4 * 3600, label: "4 hours" },
  { s: 86_400, label: "1 day" },
  { s: 7 * 86_400, label: "7 days" },
];

/** Mutes this alert's notifications: this rule on this host, or this rule everywhere. */
function SilenceForm({
  fleet,
  alert,
  onDone,
}: {
  fleet: string;
  alert: AlertView;
  onDone: (silenced: boolean) => void;
}) {
  const duration = useSignal(3600);
  const scope = useSignal<"host" | "rule">("host");
  const comment = useSignal("");
  const busy = useSignal(false);
  const error = useSignal<string | undefined>(undefined);
  const submit = async (e: TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    busy.value = true;
    error.value = undefined;
    try {
      // Globs on the hub side: a name is its own glob unless it contains * or ?.
      await createSilence(fleet, {
        matchers: scope.value === "host" ? { rule: alert.rule, host: alert.host } : { rule: alert.rule },
        durationS: duration.value,
        ...(comment.value.trim() ? { comment: comment.value.trim() } : {}),
      });
      onDone(true);
    } catch (err) {
      error.value = errorMessage(err);
      busy.value = false;
    }
  };
  return (
    <form class="inline-form" onSubmit={submit} data-testid="silence-form">
      <label class="field-stack">
        <span>For</span>
        <select
          value={duration.value}
          onChange={(e) => {
            duration.value = Number(e.currentTarget.value);
          }}
          data-testid="silence-duration"
        >
          {DURATIONS.map((d) => (
            <option key={d.s} value={d.s}>
              {d.label}
            </option>
          ))}
        </select>
      </label>
      <label class="field-stack">
        <span>Mute</span>
        <select
          value={scope.value}
          onChange={(e) => {
            scope.value = e.currentTarget.value === "rule" ? "rule" : "host";
          }}
        >
          <option value="host">this rule on {alert.host}</option>
          <option value="rule">this rule on every host</option>
        </select>
      </label>
      <label class="field-stack field-grow">
        <span>Comment</span>
        <input
          type="text"
          maxLength={500}
          value={comment.value}
          placeholder="Why (optional)"
          onInput={(e) => {
            comment.value = e.currentTarget.value;
          }}
        />
      </label>
      <div class="form-actions">
        <button
          type="submit"
          class="btn btn-primary btn-small"
          disabled={busy.value}
          data-testid="silence-submit"
        >
          Silence
        </button>
        <button type="button" class="btn btn-small" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
      {error.value && (
        <p class="notice notice-error form-error" role="alert" data-testid="form-error">
          {error.value}
        </p>
      )}
    </form>
  );
}

function StateCell({ alert }: { alert: AlertView }) {
  return (
    <td>
      <span class={`state state-${alert.state}`}>{alert.state}</span>
      {alert.silenced && (
        <span class="state state-silenced" title="Notifications are muted by a silence">
          silenced
        </span>
      )}
    </td>
  );
}

/**
 * Alert episodes, newest first. Hostnames and rule names are text nodes
 * only (hostnames come from agents). Admins can silence an open alert.
 */
export function AlertTable({
  fleet,
  alerts,
  admin,
  empty,
  testId,
  onChanged,
}: {
  fleet: string;
  alerts: AlertView[];
  admin: boolean;
  empty: string;
  testId: string;
  onChanged: () => void;
}) {
  const silencing = useSignal<string | undefined>(undefined);
  const t = now.value;
  if (alerts.length === 0) {
    return (
      <p class="notice" data-testid={`${testId}-empty`}>
        {empty}
      </p>
    );
  }
  return (
    <div class="table-scroll panel panel-flush">
      <table class="data-table alerts-table" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">Severity</th>
            <th scope="col">State</th>
            <th scope="col">Rule</th>
            <th scope="col">Host</th>
            <th scope="col" class="num">
              Value
            </th>
            <th scope="col" class="num">
              Threshold
            </th>
            <th scope="col">Since</th>
            {admin && (
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {alerts.map((a) => {
            const since = a.startsAt ?? a.pendingSince;
            const open = a.state !== "resolved";
            const instance = a.series.includes(":") ? a.series.slice(a.series.indexOf(":") + 1) : "";
            return [
              <tr
                key={a.id}
                data-testid="alert-row"
                data-alert-id={a.id}
                data-state={a.state}
                data-silenced={a.silenced ? "true" : "false"}
              >
                <td>
                  <span class={`badge badge-${a.severity}`}>{a.severity}</span>
                </td>
                <StateCell alert={a} />
                <th scope="row" class="cell-text" title={a.rule}>
                  {a.rule}
                </th>
                <td class="cell-text" title={a.host}>
                  <Link href={hostPath(a.hostId)}>{a.host}</Link>
                  {instance && <span class="muted"> {instance}</span>}
                </td>
                <td class="num">{formatMetricValue(a.series, a.value)}</td>
                <td class="num">{formatMetricValue(a.series, a.threshold)}</td>
                <td>
                  <time dateTime={new Date(since).toISOString()} title={formatDateTime(since)}>
                    {formatAgo(since, t)}
                  </time>
                  {a.endsAt !== null && <span class="muted"> · ended {formatAgo(a.endsAt, t)}</span>}
                </td>
                {admin && (
                  <td class="actions">
                    {open && !a.silenced && silencing.value !== a.id && (
                      <button
                        type="button"
                        class="btn btn-small"
                        onClick={() => {
                          silencing.value = a.id;
                        }}
                        data-testid="alert-silence"
                      >
                        Silence…
                      </button>
                    )}
                  </td>
                )}
              </tr>,
              silencing.value === a.id && (
                <tr key={`${a.id}-silence`} class="form-row">
                  <td colSpan={admin ? 8 : 7}>
                    <SilenceForm
                      fleet={fleet}
                      alert={a}
                      onDone={(done) => {
                        silencing.value = undefined;
                        if (done) onChanged();
                      }}
                    />
                  </td>
                </tr>
              ),
            ];
          })}
        </tbody>
      </table>
    </div>
  );
}
