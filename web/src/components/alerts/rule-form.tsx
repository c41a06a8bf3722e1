import { useSignal } from "@preact/signals";
import type { TargetedSubmitEvent } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Aggregation, Comparator, Severity } from "../../../../worker/src/db/alerts-schema";
import { createRule, type RuleSpec, type RuleView, replaceRule } from "../../lib/alerts-api";
import { type FormError, formError } from "./field-error";
import { RULE_METRIC_SUGGESTIONS } from "./rule-metrics";

// Option labels typed against the hub's own unions: a value added there fails to compile here.
const AGGREGATION_LABEL: Record<Aggregation, string> = {
  avg: "average",
  max: "maximum",
  min: "minimum",
  last: "last value",
};
const COMPARATOR_LABEL: Record<Comparator, string> = {
  ">": "above",
  ">=": "at or above",
  "<": "below",
  "<=": "at or below",
};
const SEVERITY_LABEL: Record<Severity, string> = { warning: "Warning", critical: "Critical" };

/** Form labels by API field, so the hub's messages (`windowS: ...`) read in the form's words. */
const FIELD_LABEL: Record<keyof RuleSpec, string> = {
  name: "Name",
  metric: "Metric",
  aggregation: "Aggregation",
  windowS: "Window",
  comparator: "Comparison",
  threshold: "Threshold",
  clearThreshold: "Clears at",
  forS: "For",
  severity: "Severity",
  repeatS: "Repeat",
  enabled: "Enabled",
  hostMatch: "Hosts",
  labelMatch: "Labels",
};

/** Text fields of the form; numbers stay text until submit so an empty field is sent as absent. */
interface Draft {
  name: string;
  metric: string;
  aggregation: Aggregation;
  windowMin: string;
  comparator: Comparator;
  threshold: string;
  clearThreshold: string;
  forMin: string;
  severity: Severity;
  repeatMin: string;
  enabled: boolean;
  hostMatch: string;
  labelMatch: string;
}

function draftOf(r: RuleView | undefined): Draft {
  if (!r) {
    return {
      name: "",
      metric: "cpu",
      aggregation: "avg",
      windowMin: "5",
      comparator: ">",
      threshold: "",
      clearThreshold: "",
      forMin: "0",
      severity: "warning",
      repeatMin: "0",
      enabled: true,
      hostMatch: "*",
      labelMatch: "",
    };
  }
  return {
    name: r.name,
    metric: r.metric,
    aggregation: r.aggregation,
    windowMin: String(r.windowS / 60),
    comparator: r.comparator,
    threshold: String(r.threshold),
    clearThreshold: String(r.clearThreshold),
    forMin: String(r.forS / 60),
    severity: r.severity,
    repeatMin: String(r.repeatS / 60),
    enabled: r.enabled,
    hostMatch: r.hostMatch,
    labelMatch: Object.entries(r.labelMatch)
      .map(([k, v]) => `${k}=${v}`)
      .join(", "),
  };
}

/** `env=prod, role=web*` -> `{env: "prod", role: "web*"}`; the hub validates the rest. */
function parseLabelMatch(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf("=");
    out[eq < 0 ? p : p.slice(0, eq).trim()] = eq < 0 ? "*" : p.slice(eq + 1).trim();
  }
  return out;
}

/** A number field: absent when blank (the hub names what is missing), NaN-free otherwise. */
function num(text: string, scale = 1): number | undefined {
  if (text.trim() === "") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? Math.round(n * scale * 1000) / 1000 : undefined;
}

function body(d: Draft): RuleSpec {
  // Fields left blank are left out: the hub fills defaults or says which one is missing.
  const spec: Partial<RuleSpec> = {
    name: d.name,
    metric: d.metric.trim(),
    aggregation: d.aggregation,
    comparator: d.comparator,
    severity: d.severity,
    enabled: d.enabled,
    hostMatch: d.hostMatch.trim() || "*",
    labelMatch: parseLabelMatch(d.labelMatch),
  };
  const set = <K extends keyof RuleSpec>(k: K, v: RuleSpec[K] | undefined) => {
    if (v !== undefined) spec[k] = v;
  };
  set("windowS", num(d.windowMin, 60));
  set("threshold", num(d.threshold));
  set("clearThreshold", num(d.clearThreshold) ?? num(d.threshold));
  set("forS", num(d.forMin, 60));
  set("repeatS", num(d.repeatMin, 60));
  return spec as RuleSpec;
}

/** Create or edit a rule. Validation is the hub's: its message is shown next to the form. */
export function RuleForm({
  fleet,
  rule,
  onSaved,
  onCancel,
}: {
  fleet: string;
  rule?: RuleView;
  onSaved: (r: RuleView) => void;
  onCancel: () => void;
}) {
  const draft = useSignal<Draft>(draftOf(rule));
  const busy = useSignal(false);
  const error = useSignal<FormError | undefined>(undefined);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);

  const d = draft.value;
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    draft.value = { ...draft.value, [k]: v };
  };
  const invalid = (field: keyof RuleSpec) => (error.value?.field === field ? true : undefined);
  const describedBy = (field: keyof RuleSpec) =>
    error.value?.field === field ? "rule-form-error" : undefined;

  const submit = async (e: TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    // currentTarget is gone once the event has been dispatched: keep the form for after the await.
    const formEl = e.currentTarget;
    if (busy.value) return;
    busy.value = true;
    error.value = undefined;
    try {
      const saved = rule ? await replaceRule(fleet, rule.id, body(d)) : await createRule(fleet, body(d));
      onSaved(saved);
    } catch (err) {
      error.value = formError(err, FIELD_LABEL);
      busy.value = false;
      const el = error.value.field
        ? formEl.querySelector<HTMLElement>(`[name="${error.value.field}"]`)
        : null;
      el?.focus();
    }
  };

  return (
    <form
      class="panel rule-form"
      onSubmit={submit}
      noValidate
      data-testid="rule-form"
      aria-labelledby="rule-form-title"
    >
      <h3 id="rule-form-title">{rule ? `Edit “${rule.name}”` : "New rule"}</h3>
      <div class="form-grid">
        <label class="field-stack span-2">
          <span>{FIELD_LABEL.name}</span>
          <input
            ref={first}
            name="name"
            type="text"
            maxLength={100}
            value={d.name}
            onInput={(e) => set("name", e.currentTarget.value)}
            aria-invalid={invalid("name")}
            aria-describedby={describedBy("name")}
            data-testid="rule-name"
          />
        </label>
        <label class="field-stack span-2">
          <span>{FIELD_LABEL.metric}</span>
          <input
            name="metric"
            type="text"
            list="rule-metrics"
            spellcheck={false}
            value={d.metric}
            onInput={(e) => set("metric", e.currentTarget.value)}
            aria-invalid={invalid("metric")}
            aria-describedby={describedBy("metric")}
            data-testid="rule-metric"
          />
          <datalist id="rule-metrics">
            {RULE_METRIC_SUGGESTIONS.map((m) => (
              <option key={m.value} value={m.value}>
                {m.help}
              </option>
            ))}
          </datalist>
        </label>
        <label class="field-stack">
          <span>{FIELD_LABEL.aggregation}</span>
          <select
            name="aggregation"
            value={d.aggregation}
            onChange={(e) => set("aggregation", e.currentTarget.value as Aggregation)}
          >
            {Object.entries(AGGREGATION_LABEL).map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label class="field-stack">
          <span>{FIELD_LABEL.windowS} (min)</span>
          <input
            name="windowS"
            type="number"
            inputMode="numeric"
            min={1}
            max={60}
            value={d.windowMin}
            onInput={(e) => set("windowMin", e.currentTarget.value)}
            aria-invalid={invalid("windowS")}
            aria-describedby={describedBy("windowS")}
            data-testid="rule-window"
          />
        </label>
        <label class="field-stack">
          <span>{FIELD_LABEL.comparator}</span>
          <select
            name="comparator"
            value={d.comparator}
            onChange={(e) => set("comparator", e.currentTarget.value as Comparator)}
            data-testid="rule-comparator"
          >
            {Object.entries(COMPARATOR_LABEL).map(([v, l]) => (
              <option key={v} value={v}>
                {v} ({l})
              </option>
            ))}
          </select>
        </label>
        <label class="field-stack">
          <span>{FIELD_LABEL.threshold}</span>
          <input
            name="threshold"
            type="number"
            inputMode="decimal"
            step="any"
            value={d.threshold}
            onInput={(e) => set("threshold", e.currentTarget.value)}
            aria-invalid={invalid("threshold")}
            aria-describedby={describedBy("threshold")}
            data-testid="rule-threshold"
          />
        </label>
        <label class="field-stack">
          <span>{FIELD_LABEL.clearThreshold}</span>
          <input
            name="clearThreshold"
            type="number"
            inputMode="decimal"
            step="any"
            placeholder="same as threshold"
            value={d.clearThreshold}
            onInput={(e) => set("clearThreshold", e.currentTarget.value)}
            aria-invalid={invalid("clearThreshold")}
            aria-describedby={describedBy("clearThreshold")}
            data-testid="rule-clear"
          />
        </label>
        <label class="field-stack">
          <span>{FIELD_LABEL.forS} (min)</span>
          <input
            name="forS"
            type="number"
            inputMode="numeric"
            min={0}
            value={d.forMin}
            onInput={(e) => set("forMin", e.currentTarget.value)}
            aria-invalid={invalid("forS")}
            aria-describedby={describedBy("forS")}
            data-testid="rule-for"
          />
        </label>
        <label class="field-stack">
          <span>{FIELD_LABEL.severity}</span>
          <select
            name="severity"
            value={d.severity}
            onChange={(e) => set("severity", e.currentTarget.value as Severity)}
            data-testid="rule-severity"
          >
            {Object.entries(SEVERITY_LABEL).map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label class="field-stack">
          <span>{FIELD_LABEL.repeatS} every (min, 0 = never)</span>
          <input
            name="repeatS"
            type="number"
            inputMode="numeric"
            min={0}
            value={d.repeatMin}
            onInput={(e) => set("repeatMin", e.currentTarget.value)}
            aria-invalid={invalid("repeatS")}
            aria-describedby={describedBy("repeatS")}
          />
        </label>
        <label class="field-stack">
          <span>{FIELD_LABEL.hostMatch} (glob)</span>
          <input
            name="hostMatch"
            type="text"
            spellcheck={false}
            value={d.hostMatch}
            onInput={(e) => set("hostMatch", e.currentTarget.value)}
            aria-invalid={invalid("hostMatch")}
            aria-describedby={describedBy("hostMatch")}
            data-testid="rule-hosts"
          />
        </label>
        <label class="field-stack span-2">
          <span>{FIELD_LABEL.labelMatch} (env=prod, role=web*)</span>
          <input
            name="labelMatch"
            type="text"
            spellcheck={false}
            value={d.labelMatch}
            onInput={(e) => set("labelMatch", e.currentTarget.value)}
            aria-invalid={invalid("labelMatch")}
            aria-describedby={describedBy("labelMatch")}
          />
        </label>
        <label class="field-check">
          <input
            name="enabled"
            type="checkbox"
            checked={d.enabled}
            onChange={(e) => set("enabled", e.currentTarget.checked)}
          />
          <span>{FIELD_LABEL.enabled}</span>
        </label>
      </div>
      {error.value && (
        <p id="rule-form-error" class="notice notice-error form-error" role="alert" data-testid="form-error">
          {error.value.message}
        </p>
      )}
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy.value} data-testid="rule-submit">
          {rule ? "Save rule" : "Create rule"}
        </button>
        <button type="button" class="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
