import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { Aggregation, Comparator, Severity } from "../../../../worker/src/db/alerts-schema";
import { createRule, type RuleInput, type RuleView, replaceRule } from "../../lib/alerts-api";
import { Field, FormFooter, useSubmit } from "../common/form";
import { Options } from "../common/options";
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
/** `>` shown as `> (above)`. */
const COMPARATOR_TEXT = Object.fromEntries(
  Object.entries(COMPARATOR_LABEL).map(([v, l]) => [v, `${v} (${l})`]),
) as Record<Comparator, string>;

/** Form labels by API field, so the hub's messages (`windowS: ...`) read in the form's words. */
const FIELD_LABEL: Record<keyof RuleInput, string> = {
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
export function parseLabelMatch(text: string): Record<string, string> {
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

function body(d: Draft): RuleInput {
  // Fields left blank are left out: the hub fills defaults or says which one is missing.
  const spec: Partial<RuleInput> = {
    name: d.name,
    metric: d.metric.trim(),
    aggregation: d.aggregation,
    comparator: d.comparator,
    severity: d.severity,
    enabled: d.enabled,
    hostMatch: d.hostMatch.trim() || "*",
    labelMatch: parseLabelMatch(d.labelMatch),
  };
  const set = <K extends keyof RuleInput>(k: K, v: RuleInput[K] | undefined) => {
    if (v !== undefined) spec[k] = v;
  };
  set("windowS", num(d.windowMin, 60));
  set("threshold", num(d.threshold));
  set("clearThreshold", num(d.clearThreshold) ?? num(d.threshold));
  set("forS", num(d.forMin, 60));
  set("repeatS", num(d.repeatMin, 60));
  return spec as RuleInput;
}

/** The input attributes a field spec may set. */
interface InputAttrs {
  type: "text" | "number";
  inputMode?: "numeric" | "decimal";
  min?: number;
  max?: number;
  step?: string;
  maxLength?: number;
  placeholder?: string;
  spellcheck?: boolean;
  list?: string;
}

/** One control of the form: the draft property it edits and the API field it becomes. */
interface FieldSpec {
  key: Exclude<keyof Draft, "enabled">;
  /** Names the control, so the hub's message about this field finds it. */
  field: keyof RuleInput;
  /** Words after the label: the unit, the syntax. */
  hint?: string;
  wide?: boolean;
  testId?: string;
  /** A select's options (value -> text); otherwise an input with `input`. */
  options?: Readonly<Record<string, string>>;
  input?: InputAttrs;
  /** Suggestions offered under the input (a datalist). */
  suggestions?: { id: string; items: readonly { value: string; help: string }[] };
}

const WHOLE: InputAttrs = { type: "number", inputMode: "numeric" };
const DECIMAL: InputAttrs = { type: "number", inputMode: "decimal", step: "any" };
const GLOB: InputAttrs = { type: "text", spellcheck: false };

/** The form's controls, in order (all but the Enabled checkbox). */
const FIELDS: readonly FieldSpec[] = [
  { key: "name", field: "name", wide: true, testId: "rule-name", input: { type: "text", maxLength: 100 } },
  {
    key: "metric",
    field: "metric",
    wide: true,
    testId: "rule-metric",
    input: { ...GLOB, list: "rule-metrics" },
    suggestions: { id: "rule-metrics", items: RULE_METRIC_SUGGESTIONS },
  },
  { key: "aggregation", field: "aggregation", options: AGGREGATION_LABEL },
  {
    key: "windowMin",
    field: "windowS",
    hint: "(min)",
    testId: "rule-window",
    input: { ...WHOLE, min: 1, max: 60 },
  },
  { key: "comparator", field: "comparator", testId: "rule-comparator", options: COMPARATOR_TEXT },
  { key: "threshold", field: "threshold", testId: "rule-threshold", input: DECIMAL },
  {
    key: "clearThreshold",
    field: "clearThreshold",
    testId: "rule-clear",
    input: { ...DECIMAL, placeholder: "same as threshold" },
  },
  { key: "forMin", field: "forS", hint: "(min)", testId: "rule-for", input: { ...WHOLE, min: 0 } },
  { key: "severity", field: "severity", testId: "rule-severity", options: SEVERITY_LABEL },
  { key: "repeatMin", field: "repeatS", hint: "every (min, 0 = never)", input: { ...WHOLE, min: 0 } },
  { key: "hostMatch", field: "hostMatch", hint: "(glob)", testId: "rule-hosts", input: GLOB },
  { key: "labelMatch", field: "labelMatch", hint: "(env=prod, role=web*)", wide: true, input: GLOB },
];

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
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const form = useSubmit("rule-form-error", FIELD_LABEL, async () => {
    const spec = body(draft.value);
    onSaved(rule ? await replaceRule(fleet, rule.id, spec) : await createRule(fleet, spec));
  });

  const d = draft.value;
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    draft.value = { ...draft.value, [k]: v };
  };

  return (
    <form
      class="panel rule-form"
      onSubmit={form.submit}
      noValidate
      data-testid="rule-form"
      aria-labelledby="rule-form-title"
    >
      <h3 id="rule-form-title">{rule ? `Edit “${rule.name}”` : "New rule"}</h3>
      <div class="form-grid">
        {FIELDS.map((f, i) => (
          <Field
            key={f.key}
            label={f.hint ? `${FIELD_LABEL[f.field]} ${f.hint}` : FIELD_LABEL[f.field]}
            wide={f.wide}
          >
            {f.options ? (
              <select
                name={f.field}
                value={d[f.key]}
                onChange={(e) => set(f.key, e.currentTarget.value as Draft[typeof f.key])}
                {...form.aria(f.field)}
                data-testid={f.testId}
              >
                <Options labels={f.options} />
              </select>
            ) : (
              <input
                {...f.input}
                ref={i === 0 ? first : undefined}
                name={f.field}
                value={d[f.key]}
                onInput={(e) => set(f.key, e.currentTarget.value)}
                {...form.aria(f.field)}
                data-testid={f.testId}
              />
            )}
            {f.suggestions && (
              <datalist id={f.suggestions.id}>
                {f.suggestions.items.map((m) => (
                  <option key={m.value} value={m.value}>
                    {m.help}
                  </option>
                ))}
              </datalist>
            )}
          </Field>
        ))}
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
      <FormFooter
        submission={form}
        label={rule ? "Save rule" : "Create rule"}
        testId="rule-submit"
        onCancel={onCancel}
      />
    </form>
  );
}
