import { deleteRule, type RuleView, setRuleEnabled } from "../../lib/alerts-api";
import type { Resource } from "../../lib/use-resource";
import { ListTable } from "../common/data-table";
import { formatMetricValue, formatSeconds } from "./format-alert";
import { EnabledStatus, ManageButtons, NewButton } from "./row-actions";
import { RuleForm } from "./rule-form";
import { HOST_DOWN_METRIC } from "./rule-metrics";
import { AlertsSection, useAction, useEditor } from "./section";

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

const COLUMNS = ["Rule", "Condition", "Severity", "Applies to", "Status"] as const;

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
  const editor = useEditor<RuleView>();
  const action = useAction(rules.reload);
  const list = rules.data ?? [];
  return (
    <AlertsSection
      id="rules-title"
      title="Rules"
      error={action.error.value ?? rules.error}
      actions={
        admin && !editor.open && <NewButton kind="rule" label="New rule" onClick={() => editor.edit("new")} />
      }
    >
      {editor.open && (
        <RuleForm
          key={editor.key}
          fleet={fleet}
          rule={editor.item}
          onSaved={() => {
            editor.close();
            rules.reload();
          }}
          onCancel={editor.close}
        />
      )}
      {rules.data && list.length === 0 && <p class="notice">No rules: nothing is evaluated.</p>}
      {list.length > 0 && (
        <ListTable testId="rules-table" class="rules-table" columns={COLUMNS} actions={admin}>
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
              <td>
                <EnabledStatus enabled={r.enabled} />
              </td>
              {admin && (
                <td class="actions">
                  <ManageButtons
                    kind="rule"
                    enabled={r.enabled}
                    onEdit={() => editor.edit(r)}
                    onToggle={() => void action.run(() => setRuleEnabled(fleet, r.id, !r.enabled))}
                    onDelete={() => void action.run(() => deleteRule(fleet, r.id))}
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
