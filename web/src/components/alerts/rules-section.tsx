import { useSignal } from "@preact/signals";
import { deleteRule, type RuleView, setRuleEnabled } from "../../lib/alerts-api";
import { errorMessage } from "../../lib/api";
import type { Resource } from "../../lib/use-resource";
import { ConfirmButton } from "./confirm-button";
import { formatMetricValue, formatSeconds } from "./format-alert";
import { RuleForm } from "./rule-form";
import { HOST_DOWN_METRIC } from "./rule-metrics";

/** `avg over 5 min > 90 % (clears at 80 %) for 5 min`. */
function condition(r: RuleView): string {
  const value = (v: number) => formatMetricValue(r.metric, v);
  const base =
    r.metric === HOST_DOWN_METRIC
      ? `${r.comparator} ${value(r.threshold)}`
      : `${r.aggregation} over ${formatSeconds(r.windowS)} ${r.comparator} ${value(r.threshold)}`;
  const clear = r.clearThreshold !== r.threshold ? ` (clears at ${value(r.clearThreshold)})` : "";
  const hold = r.forS > 0 ? ` for ${formatSeconds(r.forS)}` : "";
  return `${base}${clear}${hold}`;
}

function scope(r: RuleView): string {
  const labels = Object.entries(r.labelMatch).map(([k, v]) => `${k}=${v}`);
  const hosts = r.hostMatch === "*" ? "all hosts" : `hosts ${r.hostMatch}`;
  return labels.length ? `${hosts} with ${labels.join(", ")}` : hosts;
}

/** Fleet-wide rules: every viewer sees them, admins create, edit, pause and delete. */
export function RulesSection({
  fleet,
  admin,
  rules,
}: {
  fleet: string;
  admin: boolean;
  rules: Resource<RuleView[]>;
}) {
  const editing = useSignal<RuleView | "new" | undefined>(undefined);
  const error = useSignal<string | undefined>(undefined);
  const act = async (f: () => Promise<unknown>) => {
    error.value = undefined;
    try {
      await f();
      rules.reload();
    } catch (e) {
      error.value = errorMessage(e);
    }
  };
  const list = rules.data ?? [];
  return (
    <section class="alerts-section" aria-labelledby="rules-title">
      <div class="section-head">
        <h2 id="rules-title">Rules</h2>
        {admin && editing.value === undefined && (
          <button
            type="button"
            class="btn btn-small"
            onClick={() => {
              editing.value = "new";
            }}
            data-testid="rule-new"
          >
            New rule
          </button>
        )}
      </div>
      {editing.value !== undefined && (
        <RuleForm
          key={editing.value === "new" ? "new" : editing.value.id}
          fleet={fleet}
          {...(editing.value === "new" ? {} : { rule: editing.value })}
          onSaved={() => {
            editing.value = undefined;
            rules.reload();
          }}
          onCancel={() => {
            editing.value = undefined;
          }}
        />
      )}
      {(error.value ?? rules.error) && (
        <p class="notice notice-error" role="alert">
          {error.value ?? rules.error}
        </p>
      )}
      {rules.data && list.length === 0 && <p class="notice">No rules: nothing is evaluated.</p>}
      {list.length > 0 && (
        <div class="table-scroll panel panel-flush">
          <table class="data-table rules-table" data-testid="rules-table">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Condition</th>
                <th scope="col">Severity</th>
                <th scope="col">Applies to</th>
                <th scope="col">Status</th>
                {admin && (
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={r.id} data-testid="rule-row" data-rule-id={r.id} data-enabled={String(r.enabled)}>
                  <th scope="row" class="cell-text" title={r.name}>
                    {r.name}
                    {r.builtin && <span class="muted small"> built-in</span>}
                  </th>
                  <td>
                    <code>{r.metric}</code> {condition(r)}
                  </td>
                  <td>
                    <span class={`badge badge-${r.severity}`}>{r.severity}</span>
                  </td>
                  <td class="cell-text" title={scope(r)}>
                    {scope(r)}
                  </td>
                  <td>{r.enabled ? "on" : <span class="muted">paused</span>}</td>
                  {admin && (
                    <td class="actions">
                      <button
                        type="button"
                        class="btn btn-small"
                        onClick={() => {
                          editing.value = r;
                        }}
                        data-testid="rule-edit"
                      >
                        Edit
                      </button>
                      <button
                        type="button"
                        class="btn btn-small"
                        onClick={() => void act(() => setRuleEnabled(fleet, r.id, !r.enabled))}
                        data-testid="rule-toggle"
                      >
                        {r.enabled ? "Pause" : "Resume"}
                      </button>
                      <ConfirmButton
                        label="Delete"
                        confirmLabel="Delete?"
                        testId="rule-delete"
                        onConfirm={() => void act(() => deleteRule(fleet, r.id))}
                      />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
