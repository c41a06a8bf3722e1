import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { ChannelView } from "../../lib/alerts-api";
import {
  createPolicy,
  deletePolicy,
  type GroupField,
  type MuteIntervalView,
  type PolicyInput,
  type PolicyView,
  reorderPolicies,
  updatePolicy,
} from "../../lib/routing-api";
import type { Resource } from "../../lib/use-resource";
import { ListTable } from "../common/data-table";
import { Field, FormFooter, useSubmit } from "../common/form";
import { ConfirmButton } from "./confirm-button";
import { formatSeconds } from "./format-alert";
import { NewButton } from "./row-actions";
import { parseLabelMatch } from "./rule-form";
import { AlertsSection, useAction, useEditor } from "./section";
import { matchersText } from "./silences-section";

/** Form labels by API field, so the hub's messages read in the form's words. */
const FIELD_LABEL: Record<string, string> = {
  name: "Name",
  matchers: "Matches",
  channelIds: "Channels",
  continue: "Continue",
  groupBy: "Group by",
  groupWaitS: "Group wait",
  groupIntervalS: "Group interval",
  muteIntervalIds: "Mute during",
};

/** Built-in fields a policy groups by, with their labels. */
const GROUP_FIELDS: readonly { field: GroupField; label: string }[] = [
  { field: "rule", label: "rule" },
  { field: "severity", label: "severity" },
  { field: "host", label: "host" },
  { field: "series", label: "series" },
];

function groupText(g: readonly GroupField[]): string {
  if (g.length === 0) return "one message for all";
  if (g[0] === "...") return "each alert alone";
  return g.map((f) => (f.startsWith("label:") ? f.slice(6) : f)).join(", ");
}

function channelsText(ids: string[] | null, channels: readonly ChannelView[] | undefined): string {
  if (ids === null) return "every enabled channel";
  if (ids.length === 0) return "nowhere (dropped)";
  // Viewers do not see channels (their URLs are credentials): a count.
  if (!channels) return `${ids.length} channel${ids.length === 1 ? "" : "s"}`;
  const names = new Map(channels.map((c) => [c.id, c.name]));
  return ids.map((id) => names.get(id) ?? "(deleted channel)").join(", ");
}

function mutesText(ids: string[], mutes: readonly MuteIntervalView[]): string {
  const names = new Map(mutes.map((m) => [m.id, m.name]));
  return ids.map((id) => names.get(id) ?? "(deleted)").join(", ");
}

interface Draft {
  name: string;
  rule: string;
  host: string;
  severity: "" | "warning" | "critical";
  labels: string;
  /** null: every enabled channel. */
  channelIds: string[] | null;
  continue: boolean;
  perAlert: boolean;
  groupFields: GroupField[];
  groupLabels: string;
  waitS: string;
  intervalS: string;
  muteIds: string[];
}

function draftOf(p: PolicyView | undefined): Draft {
  const g = p?.groupBy ?? ["rule"];
  return {
    name: p?.name ?? "",
    rule: p?.matchers.rule ?? "",
    host: p?.matchers.host ?? "",
    severity: p?.matchers.severity ?? "",
    labels: Object.entries(p?.matchers.labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(", "),
    channelIds: p ? p.channelIds : [],
    continue: p?.continue ?? false,
    perAlert: g[0] === "...",
    groupFields: g.filter((f) => !f.startsWith("label:") && f !== "..."),
    groupLabels: g
      .filter((f) => f.startsWith("label:"))
      .map((f) => f.slice(6))
      .join(", "),
    waitS: String(p?.groupWaitS ?? 0),
    intervalS: String(p?.groupIntervalS ?? 0),
    muteIds: p?.muteIntervalIds ?? [],
  };
}

function body(d: Draft, isDefault: boolean): PolicyInput {
  const labels = d.groupLabels
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((k) => `label:${k}` as GroupField);
  const matchers: PolicyInput["matchers"] = {};
  if (d.rule.trim()) matchers.rule = d.rule.trim();
  if (d.host.trim()) matchers.host = d.host.trim();
  if (d.severity) matchers.severity = d.severity;
  const lm = parseLabelMatch(d.labels);
  if (Object.keys(lm).length > 0) matchers.labels = lm;
  return {
    name: d.name,
    ...(isDefault ? {} : { matchers, continue: d.continue }),
    channelIds: d.channelIds,
    groupBy: d.perAlert ? ["..."] : [...d.groupFields, ...labels],
    groupWaitS: Number(d.waitS) || 0,
    groupIntervalS: Number(d.intervalS) || 0,
    muteIntervalIds: d.muteIds,
  };
}

function toggle<T>(list: readonly T[], v: T, on: boolean): T[] {
  return on ? [...list.filter((x) => x !== v), v] : list.filter((x) => x !== v);
}

/** Create or edit a policy (the default takes no matchers and no continue). */
function PolicyForm({
  fleet,
  policy,
  channels,
  mutes,
  onSaved,
  onCancel,
}: {
  fleet: string;
  policy: PolicyView | undefined;
  channels: readonly ChannelView[];
  mutes: readonly MuteIntervalView[];
  onSaved: () => void;
  onCancel: () => void;
}) {
  const isDefault = policy?.isDefault ?? false;
  const draft = useSignal(draftOf(policy));
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const form = useSubmit("policy-form-error", FIELD_LABEL, async () => {
    const b = body(draft.value, isDefault);
    if (policy) await updatePolicy(fleet, policy.id, b);
    else await createPolicy(fleet, b);
    onSaved();
  });
  const d = draft.value;
  const set = (patch: Partial<Draft>) => {
    draft.value = { ...draft.value, ...patch };
  };
  const text = (key: "name" | "rule" | "host" | "labels" | "groupLabels" | "waitS" | "intervalS") => ({
    value: d[key],
    onInput: (e: { currentTarget: HTMLInputElement }) => set({ [key]: e.currentTarget.value }),
  });
  return (
    <form class="panel rule-form" onSubmit={form.submit} noValidate data-testid="policy-form">
      <h3>{policy ? `Edit “${policy.name}”` : "New policy"}</h3>
      <div class="form-grid">
        <Field label="Name" wide>
          <input
            ref={first}
            name="name"
            maxLength={100}
            {...text("name")}
            {...form.aria("name")}
            data-testid="policy-name"
          />
        </Field>
        {!isDefault && (
          <>
            <Field label="Rule (glob)">
              <input
                name="matchers"
                spellcheck={false}
                placeholder="any"
                {...text("rule")}
                data-testid="policy-rule"
              />
            </Field>
            <Field label="Host (glob)">
              <input spellcheck={false} placeholder="any" {...text("host")} data-testid="policy-host" />
            </Field>
            <Field label="Severity">
              <select
                value={d.severity}
                onChange={(e) => set({ severity: e.currentTarget.value as Draft["severity"] })}
                data-testid="policy-severity"
              >
                <option value="">any</option>
                <option value="warning">warning</option>
                <option value="critical">critical</option>
              </select>
            </Field>
            <Field label="Labels (env=prod, role=db*)">
              <input spellcheck={false} placeholder="any" {...text("labels")} data-testid="policy-labels" />
            </Field>
          </>
        )}
        <fieldset class="span-2 choice-list" name="channelIds" data-testid="policy-channels">
          <legend>Send to</legend>
          <label>
            <input
              type="checkbox"
              checked={d.channelIds === null}
              onChange={(e) => set({ channelIds: e.currentTarget.checked ? null : [] })}
              data-testid="policy-all-channels"
            />{" "}
            every enabled channel
          </label>
          {d.channelIds !== null &&
            channels.map((c) => (
              <label key={c.id}>
                <input
                  type="checkbox"
                  checked={d.channelIds?.includes(c.id) ?? false}
                  onChange={(e) =>
                    set({ channelIds: toggle(d.channelIds ?? [], c.id, e.currentTarget.checked) })
                  }
                  data-testid="policy-channel"
                  data-channel-id={c.id}
                />{" "}
                {c.name}
              </label>
            ))}
          {d.channelIds !== null && d.channelIds.length === 0 && (
            <p class="muted small">No channel: what this policy takes is not sent anywhere.</p>
          )}
        </fieldset>
        <fieldset class="span-2 choice-list" name="groupBy">
          <legend>One message per</legend>
          <label>
            <input
              type="checkbox"
              checked={d.perAlert}
              onChange={(e) => set({ perAlert: e.currentTarget.checked })}
              data-testid="policy-per-alert"
            />{" "}
            alert (no grouping)
          </label>
          {!d.perAlert &&
            GROUP_FIELDS.map((g) => (
              <label key={g.field}>
                <input
                  type="checkbox"
                  checked={d.groupFields.includes(g.field)}
                  onChange={(e) =>
                    set({ groupFields: toggle(d.groupFields, g.field, e.currentTarget.checked) })
                  }
                  data-testid={`policy-group-${g.field}`}
                />{" "}
                {g.label}
              </label>
            ))}
        </fieldset>
        {!d.perAlert && (
          <Field label="and labels (env, role)">
            <input spellcheck={false} {...text("groupLabels")} data-testid="policy-group-labels" />
          </Field>
        )}
        <Field label="Group wait (s)">
          <input
            type="number"
            inputMode="numeric"
            min={0}
            max={86400}
            name="groupWaitS"
            {...text("waitS")}
            {...form.aria("groupWaitS")}
            data-testid="policy-wait"
          />
        </Field>
        <Field label="Group interval (s)">
          <input
            type="number"
            inputMode="numeric"
            min={0}
            max={86400}
            name="groupIntervalS"
            {...text("intervalS")}
            {...form.aria("groupIntervalS")}
            data-testid="policy-interval"
          />
        </Field>
        {mutes.length > 0 && (
          <fieldset class="span-2 choice-list" name="muteIntervalIds">
            <legend>Mute during</legend>
            {mutes.map((m) => (
              <label key={m.id}>
                <input
                  type="checkbox"
                  checked={d.muteIds.includes(m.id)}
                  onChange={(e) => set({ muteIds: toggle(d.muteIds, m.id, e.currentTarget.checked) })}
                  data-testid="policy-mute"
                />{" "}
                {m.name}
              </label>
            ))}
          </fieldset>
        )}
        {!isDefault && (
          <label class="span-2 check">
            <input
              type="checkbox"
              checked={d.continue}
              onChange={(e) => set({ continue: e.currentTarget.checked })}
              data-testid="policy-continue"
            />{" "}
            Continue: alerts this policy takes also go on to the policies below
          </label>
        )}
      </div>
      <FormFooter
        submission={form}
        label={policy ? "Save" : "Add policy"}
        testId="policy-submit"
        onCancel={onCancel}
      />
    </form>
  );
}

const COLUMNS = ["Policy", "Matches", "Sends to", "One message per", "Waits", "Muted during"] as const;

/**
 * Notification policies in order: which channels hear of which alerts,
 * grouped how. Every viewer sees them; admins add, edit, reorder and delete.
 */
export function PoliciesSection({
  fleet,
  admin,
  policies,
  channels,
  mutes,
}: {
  fleet: string;
  admin: boolean;
  policies: Resource<PolicyView[]>;
  channels: readonly ChannelView[] | undefined;
  mutes: readonly MuteIntervalView[];
}) {
  const editor = useEditor<PolicyView>();
  const action = useAction(policies.reload);
  const list = policies.data ?? [];
  const ordered = list.filter((p) => !p.isDefault).map((p) => p.id);
  const move = (id: string, by: number) => {
    const i = ordered.indexOf(id);
    const next = [...ordered];
    next.splice(i, 1);
    next.splice(i + by, 0, id);
    void action.run(() => reorderPolicies(fleet, next));
  };
  return (
    <AlertsSection
      id="policies-title"
      title="Notification policies"
      error={action.error.value ?? policies.error}
      actions={
        admin &&
        !editor.open && <NewButton kind="policy" label="New policy" onClick={() => editor.edit("new")} />
      }
    >
      <p class="muted small">
        Each alert goes to the first policy that matches it, and on down the list while a matched policy says
        continue; alerts no policy takes go by the default. Rules are evaluated every minute, so waits round
        up to the minute.
      </p>
      {editor.open && (
        <PolicyForm
          key={editor.key}
          fleet={fleet}
          policy={editor.item}
          channels={channels ?? []}
          mutes={mutes}
          onSaved={() => {
            editor.close();
            policies.reload();
          }}
          onCancel={editor.close}
        />
      )}
      {list.length > 0 && (
        <ListTable testId="policies-table" columns={COLUMNS} actions={admin}>
          {list.map((p, i) => (
            <tr key={p.id} data-testid="policy-row" data-policy-id={p.id}>
              <th scope="row" class="cell-text" title={p.name}>
                {p.name}
                {p.isDefault && <span class="muted small"> default</span>}
                {p.continue && <span class="muted small"> · continues</span>}
              </th>
              <td class="cell-text">
                {p.isDefault ? "everything else" : matchersText(p.matchers) || "every alert"}
              </td>
              <td class="cell-text" data-testid="policy-sends-to">
                {channelsText(p.channelIds, channels)}
              </td>
              <td>{groupText(p.groupBy)}</td>
              <td>
                {formatSeconds(p.groupWaitS)} / {formatSeconds(p.groupIntervalS)}
              </td>
              <td class="cell-text">{mutesText(p.muteIntervalIds, mutes) || <span class="muted">–</span>}</td>
              {admin && (
                <td class="actions">
                  {!p.isDefault && (
                    <>
                      <button
                        type="button"
                        class="btn btn-small"
                        disabled={i === 0}
                        onClick={() => move(p.id, -1)}
                        aria-label={`Move ${p.name} up`}
                        data-testid="policy-up"
                      >
                        ↑
                      </button>
                      <button
                        type="button"
                        class="btn btn-small"
                        disabled={i === ordered.length - 1}
                        onClick={() => move(p.id, 1)}
                        aria-label={`Move ${p.name} down`}
                        data-testid="policy-down"
                      >
                        ↓
                      </button>
                    </>
                  )}
                  <button
                    type="button"
                    class="btn btn-small"
                    onClick={() => editor.edit(p)}
                    data-testid="policy-edit"
                  >
                    Edit
                  </button>
                  {!p.isDefault && (
                    <ConfirmButton
                      label="Delete"
                      confirmLabel="Delete?"
                      testId="policy-delete"
                      onConfirm={() => void action.run(() => deletePolicy(fleet, p.id))}
                    />
                  )}
                </td>
              )}
            </tr>
          ))}
        </ListTable>
      )}
    </AlertsSection>
  );
}
