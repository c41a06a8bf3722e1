import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { ProbeKind, ProbeMethod } from "../../../../worker/src/db/probes-schema";
import { listHosts } from "../../lib/api";
import { createProbe, type ProbeInput, type ProbeView, updateProbe } from "../../lib/probes-api";
import { useResource } from "../../lib/use-resource";
import { Field, FormFooter, useSubmit } from "../common/form";
import { Options } from "../common/options";

const KIND_LABEL: Record<ProbeKind, string> = { http: "HTTP(S)", tcp: "TCP port" };
const METHOD_LABEL: Record<ProbeMethod, string> = {
  GET: "GET",
  HEAD: "HEAD",
  POST: "POST",
  PUT: "PUT",
  OPTIONS: "OPTIONS",
};

/** Form labels by API field, so the hub's messages read in the form's words. */
const FIELD_LABEL: Record<keyof ProbeInput, string> = {
  name: "Name",
  kind: "Kind",
  target: "Target",
  method: "Method",
  expectStatusMin: "Status from",
  expectStatusMax: "Status to",
  keyword: "Keyword",
  timeoutMs: "Timeout",
  followRedirects: "Follow redirects",
  headers: "Headers",
  intervalS: "Interval",
  enabled: "Enabled",
  hostId: "Watches host",
};

interface Draft {
  name: string;
  kind: ProbeKind;
  target: string;
  method: ProbeMethod;
  statusMin: string;
  statusMax: string;
  keyword: string;
  timeoutS: string;
  followRedirects: boolean;
  headers: string;
  intervalS: string;
  enabled: boolean;
  hostId: string;
}

function draftOf(p: ProbeView | undefined): Draft {
  return {
    name: p?.name ?? "",
    kind: p?.kind ?? "http",
    target: p?.target ?? "",
    method: p?.method ?? "GET",
    statusMin: String(p?.expectStatusMin ?? 200),
    statusMax: String(p?.expectStatusMax ?? 399),
    keyword: p?.keyword ?? "",
    timeoutS: String((p?.timeoutMs ?? 10_000) / 1000),
    followRedirects: p?.followRedirects ?? true,
    headers: "",
    intervalS: String(p?.intervalS ?? 60),
    enabled: p?.enabled ?? true,
    hostId: p?.hostId ?? "",
  };
}

/** `Name: value` lines -> headers; the hub validates names and values. */
function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const l = line.trim();
    if (!l) continue;
    const colon = l.indexOf(":");
    out[colon < 0 ? l : l.slice(0, colon).trim()] = colon < 0 ? "" : l.slice(colon + 1).trim();
  }
  return out;
}

const num = (text: string, scale = 1) => {
  const n = Number(text);
  return text.trim() === "" || !Number.isFinite(n) ? undefined : Math.round(n * scale);
};

function body(d: Draft, editing: boolean): ProbeInput {
  const http = d.kind === "http";
  const spec: ProbeInput = {
    name: d.name.trim(),
    kind: d.kind,
    target: d.target.trim(),
    method: d.method,
    expectStatusMin: num(d.statusMin),
    expectStatusMax: num(d.statusMax),
    keyword: http && d.keyword !== "" ? d.keyword : null,
    timeoutMs: num(d.timeoutS, 1000),
    followRedirects: d.followRedirects,
    intervalS: num(d.intervalS),
    enabled: d.enabled,
    hostId: d.hostId === "" ? null : d.hostId,
  };
  // Header values are never shown again: left blank while editing keeps them.
  if (!http) spec.headers = {};
  else if (d.headers.trim() !== "" || !editing) spec.headers = parseHeaders(d.headers);
  return spec;
}

/** Create or edit a probe (admins). */
export function ProbeForm({
  fleet,
  probe,
  onSaved,
  onCancel,
}: {
  fleet: string;
  probe: ProbeView | undefined;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const draft = useSignal<Draft>(draftOf(probe));
  const hosts = useResource((signal) => listHosts(fleet, signal), [fleet]);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const d = draft.value;
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    draft.value = { ...draft.value, [k]: v };
  };
  const submission = useSubmit("probe-form-error", FIELD_LABEL, async () => {
    const b = body(draft.value, probe !== undefined);
    if (probe) await updateProbe(fleet, probe.id, b);
    else await createProbe(fleet, b);
    onSaved();
  });
  const http = d.kind === "http";
  return (
    <form class="panel form-grid" onSubmit={submission.submit} data-testid="probe-form" noValidate>
      <Field label="Name">
        <input
          ref={first}
          name="name"
          value={d.name}
          maxLength={64}
          onInput={(e) => set("name", e.currentTarget.value)}
          data-testid="probe-name"
          {...submission.aria("name")}
        />
      </Field>
      <Field label="Kind">
        <select
          name="kind"
          value={d.kind}
          onChange={(e) => set("kind", e.currentTarget.value as ProbeKind)}
          data-testid="probe-kind"
        >
          <Options labels={KIND_LABEL} />
        </select>
      </Field>
      <Field label={http ? "URL" : "Host and port"} wide>
        <input
          name="target"
          value={d.target}
          placeholder={http ? "https://example.com/health" : "db.example.com:5432"}
          onInput={(e) => set("target", e.currentTarget.value)}
          data-testid="probe-target"
          {...submission.aria("target")}
        />
      </Field>
      {http && (
        <>
          <Field label="Method">
            <select
              name="method"
              value={d.method}
              onChange={(e) => set("method", e.currentTarget.value as ProbeMethod)}
            >
              <Options labels={METHOD_LABEL} />
            </select>
          </Field>
          <Field label="Keyword in body (optional)">
            <input
              name="keyword"
              value={d.keyword}
              maxLength={200}
              onInput={(e) => set("keyword", e.currentTarget.value)}
              data-testid="probe-keyword"
              {...submission.aria("keyword")}
            />
          </Field>
          <Field label="Status from">
            <input
              name="expectStatusMin"
              inputMode="numeric"
              value={d.statusMin}
              onInput={(e) => set("statusMin", e.currentTarget.value)}
              {...submission.aria("expectStatusMin")}
            />
          </Field>
          <Field label="Status to">
            <input
              name="expectStatusMax"
              inputMode="numeric"
              value={d.statusMax}
              onInput={(e) => set("statusMax", e.currentTarget.value)}
              {...submission.aria("expectStatusMax")}
            />
          </Field>
          <Field
            label={
              probe?.headerNames.length
                ? `Headers (kept: ${probe.headerNames.join(", ")}; type to replace)`
                : "Headers, one Name: value a line (optional)"
            }
            wide
          >
            <textarea
              name="headers"
              rows={2}
              value={d.headers}
              onInput={(e) => set("headers", e.currentTarget.value)}
              {...submission.aria("headers")}
            />
          </Field>
          <label class="field-check">
            <input
              type="checkbox"
              name="followRedirects"
              checked={d.followRedirects}
              onChange={(e) => set("followRedirects", e.currentTarget.checked)}
            />{" "}
            Follow redirects
          </label>
        </>
      )}
      <Field label="Interval (s)">
        <input
          name="intervalS"
          inputMode="numeric"
          value={d.intervalS}
          onInput={(e) => set("intervalS", e.currentTarget.value)}
          data-testid="probe-interval"
          {...submission.aria("intervalS")}
        />
      </Field>
      <Field label="Timeout (s)">
        <input
          name="timeoutMs"
          inputMode="decimal"
          value={d.timeoutS}
          onInput={(e) => set("timeoutS", e.currentTarget.value)}
          {...submission.aria("timeoutMs")}
        />
      </Field>
      <Field label="Watches host (optional)">
        <select
          name="hostId"
          value={d.hostId}
          onChange={(e) => set("hostId", e.currentTarget.value)}
          data-testid="probe-host"
          {...submission.aria("hostId")}
        >
          <option value="">None</option>
          {d.hostId !== "" && hosts.data && !hosts.data.some((h) => h.id === d.hostId) && (
            <option value={d.hostId}>a removed host</option>
          )}
          {(hosts.data ?? [])
            .slice()
            .sort((a, b) => a.info.hostname.localeCompare(b.info.hostname))
            .map((h) => (
              <option key={h.id} value={h.id}>
                {h.info.hostname}
              </option>
            ))}
        </select>
      </Field>
      <FormFooter
        submission={submission}
        label={probe ? "Save probe" : "Create probe"}
        testId="probe-save"
        onCancel={onCancel}
      />
    </form>
  );
}
