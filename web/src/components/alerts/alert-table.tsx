import { useSignal } from "@preact/signals";
import type { LiveAlert } from "../../../../worker/src/alerts/live-board";
import { type AlertView, createSilence } from "../../lib/alerts-api";
import { now } from "../../lib/clock";
import { formatAgo, formatDateTime } from "../../lib/format";
import { hostPath } from "../../lib/router";
import { type Column, ListTable } from "../common/data-table";
import { Field, FormFooter, useSubmit } from "../common/form";
import { Link } from "../common/link";
import { Options } from "../common/options";
import { formatMetricValue } from "./format-alert";

/** Silence durations offered, seconds -> text. */
const DURATIONS: Record<number, string> = {
  3600: "1 hour",
  [4 * 3600]: "4 hours",
  86400: "1 day",
  [7 * 86_400]: "7 days",
};
const COLUMNS: Column[] = [
  "Severity",
  "State",
  "Rule",
  "Host",
  { label: "Value", num: true },
  { label: "Threshold", num: true },
  "Since",
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
  const form = useSubmit("silence-form-error", {}, async () => {
    // Globs on the hub side: a name is its own glob unless it contains * or ?.
    await createSilence(fleet, {
      matchers: scope.value === "host" ? { rule: alert.rule, host: alert.host } : { rule: alert.rule },
      durationS: duration.value,
      ...(comment.value.trim() ? { comment: comment.value.trim() } : {}),
    });
    onDone(true);
  });
  return (
    <form class="inline-form" onSubmit={form.submit} data-testid="silence-form">
      <Field label="For">
        <select
          value={duration.value}
          onChange={(e) => {
            duration.value = Number(e.currentTarget.value);
          }}
          data-testid="silence-duration"
        >
          <Options labels={DURATIONS} />
        </select>
      </Field>
      <Field label="Mute">
        <select
          value={scope.value}
          onChange={(e) => {
            scope.value = e.currentTarget.value === "rule" ? "rule" : "host";
          }}
        >
          <option value="host">this rule on {alert.host}</option>
          <option value="rule">this rule on every host</option>
        </select>
      </Field>
      <Field label="Comment" grow>
        <input
          type="text"
          maxLength={500}
          value={comment.value}
          placeholder="Why (optional)"
          onInput={(e) => {
            comment.value = e.currentTarget.value;
          }}
        />
      </Field>
      <FormFooter
        submission={form}
        label="Silence"
        testId="silence-submit"
        small
        onCancel={() => onDone(false)}
      />
    </form>
  );
}

/**
 * The value: for an open alert the one the last evaluation saw (the live
 * board), else the value at the alert's last transition.
 */
function ValueCell({
  alert,
  live,
  evaluatedAt,
}: {
  alert: AlertView;
  live: LiveAlert | undefined;
  evaluatedAt: number | null;
}) {
  const value = live?.value ?? alert.value;
  const title =
    live && evaluatedAt !== null
      ? `At the last evaluation, ${formatDateTime(evaluatedAt)}`
      : alert.state === "resolved"
        ? "When it resolved"
        : "When it last changed state";
  return (
    <td class="num" title={title} data-testid="alert-value" data-live={live ? "true" : "false"}>
      {formatMetricValue(alert.series, value)}
    </td>
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
  current,
  evaluatedAt,
}: {
  fleet: string;
  alerts: AlertView[];
  admin: boolean;
  empty: string;
  testId: string;
  onChanged: () => void;
  /** Open alerts as the hub last evaluated them (the live board), by id: their current values. */
  current?: ReadonlyMap<string, LiveAlert>;
  /** When that evaluation ran. */
  evaluatedAt?: number | null;
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
    <ListTable testId={testId} class="alerts-table" columns={COLUMNS} actions={admin}>
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
            <ValueCell alert={a} live={current?.get(a.id)} evaluatedAt={evaluatedAt ?? null} />
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
              <td colSpan={COLUMNS.length + (admin ? 1 : 0)}>
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
    </ListTable>
  );
}
