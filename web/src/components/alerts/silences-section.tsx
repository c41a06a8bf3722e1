import { expireSilence, type SilenceMatchers, type SilenceView } from "../../lib/alerts-api";
import { formatDateTime } from "../../lib/format";
import type { Resource } from "../../lib/use-resource";
import { ListTable } from "../common/data-table";
import { AlertsSection, useAction } from "./section";

export function matchersText(m: SilenceMatchers): string {
  const parts: string[] = [];
  if (m.rule !== undefined) parts.push(`rule ${m.rule}`);
  if (m.host !== undefined) parts.push(`host ${m.host}`);
  if (m.severity !== undefined) parts.push(`severity ${m.severity}`);
  for (const [k, v] of Object.entries(m.labels ?? {})) parts.push(`${k}=${v}`);
  return parts.join(", ");
}

const COLUMNS = ["Mutes", "Until", "Comment"] as const;

/** Silences in force or scheduled; admins can end one early. */
export function SilencesSection({
  fleet,
  admin,
  silences,
  onChanged,
}: {
  fleet: string;
  admin: boolean;
  silences: Resource<SilenceView[]>;
  onChanged: () => void;
}) {
  const action = useAction(onChanged);
  const list = silences.data ?? [];
  return (
    <AlertsSection id="silences-title" title="Silences" error={action.error.value ?? silences.error}>
      {silences.data && list.length === 0 && (
        <p class="notice" data-testid="silences-empty">
          No silences. Silence a firing alert to mute its notifications for a while.
        </p>
      )}
      {list.length > 0 && (
        <ListTable testId="silences-table" columns={COLUMNS} actions={admin}>
          {list.map((s) => (
            <tr key={s.id} data-testid="silence-row" data-silence-id={s.id}>
              <th scope="row" class="cell-text" title={matchersText(s.matchers)}>
                {matchersText(s.matchers)}
                {!s.active && <span class="muted small"> (scheduled)</span>}
              </th>
              <td>{formatDateTime(s.endsAt)}</td>
              <td class="cell-text" title={s.comment}>
                {s.comment || <span class="muted">–</span>}
              </td>
              {admin && (
                <td class="actions">
                  <button
                    type="button"
                    class="btn btn-small"
                    data-testid="silence-expire"
                    onClick={() => void action.run(() => expireSilence(fleet, s.id))}
                  >
                    End now
                  </button>
                </td>
              )}
            </tr>
          ))}
        </ListTable>
      )}
    </AlertsSection>
  );
}
