import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { listHosts } from "../../lib/api";
import {
  getStatusPage,
  listProbes,
  type StatusPageInput,
  type StatusPageView,
  saveStatusPage,
} from "../../lib/probes-api";
import { session } from "../../lib/session";
import { useResource } from "../../lib/use-resource";
import { Field, FormFooter, useSubmit } from "../common/form";
import { ErrorNotice } from "../common/notice";
import "../../styles/forms.css";
import "../../styles/alerts.css";
import "../../styles/probes.css";

type Entry = StatusPageInput["entries"][number];

/** One thing that can be shown: a probe or a host, with the name it has in the fleet. */
interface Candidate {
  kind: Entry["kind"];
  id: string;
  internal: string;
}

const FIELD_LABEL: Record<keyof StatusPageInput, string> = {
  slug: "Address",
  title: "Title",
  enabled: "Published",
  entries: "Shown",
  note: "Maintenance note",
};

/** Key of a candidate in the form's maps. */
const keyOf = (c: { kind: string; id: string }) => `${c.kind}:${c.id}`;

function SettingsForm({
  fleet,
  saved,
  candidates,
  onSaved,
}: {
  fleet: string;
  saved: StatusPageView | null;
  candidates: Candidate[];
  onSaved: (v: StatusPageView) => void;
}) {
  const slug = useSignal(saved?.slug ?? "");
  const title = useSignal(saved?.title ?? "Status");
  const enabled = useSignal(saved?.enabled ?? true);
  const note = useSignal(saved?.note ?? "");
  // Chosen entries by key, with their public names; the order is the fleet's list order.
  const chosen = useSignal<Map<string, string>>(
    new Map((saved?.entries ?? []).map((e) => [keyOf(e), e.name])),
  );
  const submission = useSubmit("status-form-error", FIELD_LABEL, async () => {
    const entries: Entry[] = [];
    for (const c of candidates) {
      const name = chosen.value.get(keyOf(c));
      if (name !== undefined) entries.push({ kind: c.kind, id: c.id, name: name.trim() });
    }
    onSaved(
      await saveStatusPage(fleet, {
        slug: slug.value.trim(),
        title: title.value.trim(),
        enabled: enabled.value,
        entries,
        note: note.value.trim() || null,
      }),
    );
  });
  const toggle = (c: Candidate, on: boolean) => {
    const next = new Map(chosen.value);
    if (on) next.set(keyOf(c), c.kind === "probe" ? c.internal : "");
    else next.delete(keyOf(c));
    chosen.value = next;
  };
  const rename = (c: Candidate, name: string) => {
    chosen.value = new Map(chosen.value).set(keyOf(c), name);
  };
  return (
    <form class="panel form-grid" onSubmit={submission.submit} data-testid="status-form" noValidate>
      <Field label="Address: /status/…">
        <input
          name="slug"
          value={slug.value}
          placeholder="acme"
          onInput={(e) => {
            slug.value = e.currentTarget.value;
          }}
          data-testid="status-slug"
          {...submission.aria("slug")}
        />
      </Field>
      <Field label="Title">
        <input
          name="title"
          value={title.value}
          maxLength={100}
          onInput={(e) => {
            title.value = e.currentTarget.value;
          }}
          data-testid="status-title"
          {...submission.aria("title")}
        />
      </Field>
      <Field label="Maintenance note (optional)" wide>
        <textarea
          name="note"
          rows={2}
          maxLength={1000}
          value={note.value}
          onInput={(e) => {
            note.value = e.currentTarget.value;
          }}
          {...submission.aria("note")}
        />
      </Field>
      <fieldset class="span-2" data-testid="status-entries">
        <legend>Shown on the page, under a public name (nothing else of the fleet is)</legend>
        {candidates.length === 0 && <p class="muted">No probes or hosts yet.</p>}
        {candidates.map((c) => {
          const name = chosen.value.get(keyOf(c));
          return (
            <div key={keyOf(c)} class="status-entry">
              <label class="field-check">
                <input
                  type="checkbox"
                  checked={name !== undefined}
                  onChange={(e) => toggle(c, e.currentTarget.checked)}
                  data-testid="status-entry"
                  data-entry={c.internal}
                />{" "}
                {c.kind === "probe" ? "Probe" : "Host"} {c.internal}
              </label>
              {name !== undefined && (
                <input
                  aria-label={`Public name of ${c.internal}`}
                  value={name}
                  placeholder="Public name"
                  maxLength={100}
                  onInput={(e) => rename(c, e.currentTarget.value)}
                  data-testid="status-entry-name"
                />
              )}
            </div>
          );
        })}
      </fieldset>
      <label class="field-check">
        <input
          type="checkbox"
          name="enabled"
          checked={enabled.value}
          onChange={(e) => {
            enabled.value = e.currentTarget.checked;
          }}
          data-testid="status-enabled"
        />{" "}
        Published (anyone with the address can read it)
      </label>
      <FormFooter
        submission={submission}
        label="Save status page"
        testId="status-save"
        onCancel={() => history.back()}
      />
    </form>
  );
}

/** Settings of the fleet's public status page (admins). */
export function StatusSettingsPage() {
  const s = session.value;
  const fleet = s.state === "signed-in" ? s.info.fleet : "";
  const admin = s.state === "signed-in" && s.info.role === "admin";
  const page = useResource(
    (signal) => (admin ? getStatusPage(fleet, signal) : Promise.resolve(null)),
    [fleet],
  );
  const probes = useResource((signal) => listProbes(fleet, signal), [fleet]);
  const hosts = useResource((signal) => listHosts(fleet, signal), [fleet]);
  const saved = useSignal<StatusPageView | null | undefined>(undefined);
  useEffect(() => {
    document.title = "Status page · fleetwatch";
    return () => {
      document.title = "fleetwatch";
    };
  }, []);
  const current = saved.value !== undefined ? saved.value : page.data;
  const ready = page.data !== undefined && probes.data && hosts.data;
  const candidates: Candidate[] = [
    ...(probes.data ?? []).map((p) => ({ kind: "probe" as const, id: p.id, internal: p.name })),
    ...(hosts.data ?? []).map((h) => ({ kind: "host" as const, id: h.id, internal: h.info.hostname })),
  ];
  return (
    <section
      class="page alerts-page"
      aria-labelledby="status-settings-title"
      data-testid="status-settings-page"
    >
      <div class="section-head">
        <h1 id="status-settings-title">Public status page</h1>
        {current?.enabled && (
          <a
            class="btn btn-small"
            href={`/status/${encodeURIComponent(current.slug)}`}
            data-testid="status-open"
          >
            Open /status/{current.slug}
          </a>
        )}
      </div>
      {!admin && <p class="notice">Sign in with an admin token to publish a status page.</p>}
      <ErrorNotice message={page.error ?? probes.error ?? hosts.error} />
      {saved.value && (
        <p class="notice" role="status" data-testid="status-saved">
          Saved.
        </p>
      )}
      {admin && ready && (
        <SettingsForm
          fleet={fleet}
          saved={current ?? null}
          candidates={candidates}
          onSaved={(v) => {
            saved.value = v;
          }}
        />
      )}
    </section>
  );
}
