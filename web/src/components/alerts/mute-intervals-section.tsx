import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { formatDateTime } from "../../lib/format";
import {
  createMuteInterval,
  deleteMuteInterval,
  type MuteIntervalInput,
  type MuteIntervalView,
  type MuteTimes,
  updateMuteInterval,
  type Weekday,
} from "../../lib/routing-api";
import type { Resource } from "../../lib/use-resource";
import { ListTable } from "../common/data-table";
import { Field, FormFooter, useSubmit } from "../common/form";
import { ConfirmButton } from "./confirm-button";
import { NewButton } from "./row-actions";
import { AlertsSection, useAction, useEditor } from "./section";

const WEEKDAYS: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

const FIELD_LABEL: Record<string, string> = {
  name: "Name",
  timeZone: "Time zone",
  times: "Times",
  windows: "Windows",
};

/** `Mon–Fri 22:00–07:00 (next day)`, `every day 01:00–02:00`. */
export function timesText(t: MuteTimes): string {
  const days = t.weekdays?.length
    ? t.weekdays.map((d) => d[0]?.toUpperCase() + d.slice(1)).join(", ")
    : "every day";
  const overnight = t.end <= t.start ? " (next day)" : "";
  return `${days} ${t.start}–${t.end}${overnight}`;
}

function scheduleText(m: MuteIntervalView): string {
  const parts = m.times.map(timesText);
  for (const w of m.windows)
    parts.push(
      `${formatDateTime(w.startsAt)} – ${formatDateTime(w.endsAt)}${w.comment ? ` (${w.comment})` : ""}`,
    );
  return parts.join("; ");
}

/** `datetime-local` value (the browser's time zone) <-> Unix ms. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

interface WindowDraft {
  start: string;
  end: string;
  comment: string;
}

interface Draft {
  name: string;
  timeZone: string;
  times: MuteTimes[];
  windows: WindowDraft[];
}

function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

function draftOf(m: MuteIntervalView | undefined): Draft {
  return {
    name: m?.name ?? "",
    timeZone: m?.timeZone ?? browserZone(),
    times: m?.times ?? [],
    windows: (m?.windows ?? []).map((w) => ({
      start: localInput(w.startsAt),
      end: localInput(w.endsAt),
      comment: w.comment ?? "",
    })),
  };
}

function body(d: Draft): MuteIntervalInput {
  return {
    name: d.name,
    timeZone: d.timeZone.trim(),
    times: d.times,
    windows: d.windows.map((w) => ({
      startsAt: new Date(w.start).getTime(),
      endsAt: new Date(w.end).getTime(),
      ...(w.comment.trim() ? { comment: w.comment.trim() } : {}),
    })),
  };
}

/** Every time zone the browser knows, for suggestions (the hub validates what is typed). */
function zones(): readonly string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (k: string) => string[] };
  return intl.supportedValuesOf?.("timeZone") ?? ["UTC"];
}

function MuteForm({
  fleet,
  mute,
  onSaved,
  onCancel,
}: {
  fleet: string;
  mute: MuteIntervalView | undefined;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const draft = useSignal(draftOf(mute));
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const form = useSubmit("mute-form-error", FIELD_LABEL, async () => {
    const b = body(draft.value);
    if (mute) await updateMuteInterval(fleet, mute.id, b);
    else await createMuteInterval(fleet, b);
    onSaved();
  });
  const d = draft.value;
  const set = (patch: Partial<Draft>) => {
    draft.value = { ...draft.value, ...patch };
  };
  const setTime = (i: number, patch: Partial<MuteTimes>) =>
    set({ times: d.times.map((t, j) => (j === i ? { ...t, ...patch } : t)) });
  const setWindow = (i: number, patch: Partial<WindowDraft>) =>
    set({ windows: d.windows.map((w, j) => (j === i ? { ...w, ...patch } : w)) });
  return (
    <form class="panel rule-form" onSubmit={form.submit} noValidate data-testid="mute-form">
      <h3>{mute ? `Edit “${mute.name}”` : "New mute interval"}</h3>
      <div class="form-grid">
        <Field label="Name">
          <input
            ref={first}
            name="name"
            maxLength={100}
            value={d.name}
            onInput={(e) => set({ name: e.currentTarget.value })}
            {...form.aria("name")}
            data-testid="mute-name"
          />
        </Field>
        <Field label="Time zone">
          <input
            name="timeZone"
            list="mute-zones"
            spellcheck={false}
            value={d.timeZone}
            onInput={(e) => set({ timeZone: e.currentTarget.value })}
            {...form.aria("timeZone")}
            data-testid="mute-zone"
          />
          <datalist id="mute-zones">
            {zones().map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </Field>
        <fieldset class="span-2 choice-list" name="times">
          <legend>
            Every week (times of day in the time zone above; an end at or before the start runs into the next
            day)
          </legend>
          {d.times.map((t, i) => (
            <div key={i} class="mute-times" data-testid="mute-times">
              {WEEKDAYS.map((w) => (
                <label key={w}>
                  <input
                    type="checkbox"
                    checked={t.weekdays?.includes(w) ?? false}
                    onChange={(e) => {
                      const days = (t.weekdays ?? []).filter((x) => x !== w);
                      if (e.currentTarget.checked) days.push(w);
                      const next: MuteTimes = { start: t.start, end: t.end };
                      if (days.length > 0) next.weekdays = WEEKDAYS.filter((x) => days.includes(x));
                      set({ times: d.times.map((x, j) => (j === i ? next : x)) });
                    }}
                    data-testid={`mute-day-${w}`}
                  />{" "}
                  {w}
                </label>
              ))}
              <input
                type="time"
                aria-label="From"
                value={t.start}
                onInput={(e) => setTime(i, { start: e.currentTarget.value })}
                data-testid="mute-start"
              />
              <input
                type="time"
                aria-label="To"
                value={t.end === "24:00" ? "23:59" : t.end}
                onInput={(e) => setTime(i, { end: e.currentTarget.value })}
                data-testid="mute-end"
              />
              <button
                type="button"
                class="btn btn-small"
                onClick={() => set({ times: d.times.filter((_, j) => j !== i) })}
              >
                Remove
              </button>
            </div>
          ))}
          <button
            type="button"
            class="btn btn-small"
            onClick={() => set({ times: [...d.times, { start: "22:00", end: "07:00" }] })}
            data-testid="mute-add-times"
          >
            Add times
          </button>
          <p class="muted small">No weekday ticked: every day.</p>
        </fieldset>
        <fieldset class="span-2 choice-list" name="windows">
          <legend>Once (maintenance windows, in this browser's time)</legend>
          {d.windows.map((w, i) => (
            <div key={i} class="mute-times" data-testid="mute-window">
              <input
                type="datetime-local"
                aria-label="From"
                value={w.start}
                onInput={(e) => setWindow(i, { start: e.currentTarget.value })}
              />
              <input
                type="datetime-local"
                aria-label="To"
                value={w.end}
                onInput={(e) => setWindow(i, { end: e.currentTarget.value })}
              />
              <input
                type="text"
                aria-label="Comment"
                placeholder="Comment"
                maxLength={200}
                value={w.comment}
                onInput={(e) => setWindow(i, { comment: e.currentTarget.value })}
              />
              <button
                type="button"
                class="btn btn-small"
                onClick={() => set({ windows: d.windows.filter((_, j) => j !== i) })}
              >
                Remove
              </button>
            </div>
          ))}
          <button
            type="button"
            class="btn btn-small"
            onClick={() => {
              const start = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
              set({
                windows: [
                  ...d.windows,
                  { start: localInput(start), end: localInput(start + 3_600_000), comment: "" },
                ],
              });
            }}
            data-testid="mute-add-window"
          >
            Add window
          </button>
        </fieldset>
      </div>
      <FormFooter
        submission={form}
        label={mute ? "Save" : "Add mute interval"}
        testId="mute-submit"
        onCancel={onCancel}
      />
    </form>
  );
}

const COLUMNS = ["Mute interval", "When", "Time zone", "Now"] as const;

/** Quiet hours and maintenance windows that policies can name: they mute sending, never evaluation. */
export function MuteIntervalsSection({
  fleet,
  admin,
  mutes,
  onChanged,
}: {
  fleet: string;
  admin: boolean;
  mutes: Resource<MuteIntervalView[]>;
  onChanged: () => void;
}) {
  const editor = useEditor<MuteIntervalView>();
  const action = useAction(() => {
    mutes.reload();
    onChanged();
  });
  const list = mutes.data ?? [];
  return (
    <AlertsSection
      id="mutes-title"
      title="Mute intervals"
      error={action.error.value ?? mutes.error}
      actions={
        admin &&
        !editor.open && <NewButton kind="mute" label="New mute interval" onClick={() => editor.edit("new")} />
      }
    >
      {editor.open && (
        <MuteForm
          key={editor.key}
          fleet={fleet}
          mute={editor.item}
          onSaved={() => {
            editor.close();
            mutes.reload();
            onChanged();
          }}
          onCancel={editor.close}
        />
      )}
      {mutes.data && list.length === 0 && (
        <p class="notice" data-testid="mutes-empty">
          No mute intervals. Add quiet hours or a maintenance window, then name it in a policy.
        </p>
      )}
      {list.length > 0 && (
        <ListTable testId="mutes-table" columns={COLUMNS} actions={admin}>
          {list.map((m) => (
            <tr key={m.id} data-testid="mute-row" data-mute-id={m.id} data-active={String(m.active)}>
              <th scope="row" class="cell-text" title={m.name}>
                {m.name}
              </th>
              <td class="cell-text" title={scheduleText(m)}>
                {scheduleText(m)}
              </td>
              <td>{m.timeZone}</td>
              <td>
                {m.active ? <span class="state state-silenced">muting</span> : <span class="muted">–</span>}
              </td>
              {admin && (
                <td class="actions">
                  <button
                    type="button"
                    class="btn btn-small"
                    onClick={() => editor.edit(m)}
                    data-testid="mute-edit"
                  >
                    Edit
                  </button>
                  <ConfirmButton
                    label="Delete"
                    confirmLabel="Delete?"
                    testId="mute-delete"
                    onConfirm={() => void action.run(() => deleteMuteInterval(fleet, m.id))}
                  />
                </td>
              )}
            </tr>
          ))}
        </ListTable>
      )}
    </AlertsSection>
  );
}
