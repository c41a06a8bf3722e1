import { useSignal } from "@preact/signals";
import { expireSilence, type SilenceMatchers, type SilenceView } from "../../lib/alerts-api";
import { errorMessage } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import type { Resource } from "../../lib/use-resource";

function matchersText(m: SilenceMatchers): string {
  const parts: string[] = [];
  if (m.rule !== undefined) parts.push(`rule ${m.rule}`);
  if (m.host !== undefined) parts.push(`host ${m.host}`);
  if (m.severity !== undefined) parts.push(`severity ${m.severity}`);
  for (const [k, v] of Object.entries(m.labels ?? {})) parts.push(`${k}=${v}`);
  return parts.join(", ");
}

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
  const error = useSignal<string | undefined>(undefined);
  const list = silences.data ?? [];
  return (
    <section class="alerts-section" aria-labelledby="silences-title">
      <div class="section-head">
        <h2 id="silences-title">Silences</h2>
      </div>
      {(error.value ?? silences.error) && (
        <p class="notice notice-error" role="alert">
          {error.value ?? silences.error}
        </p>
      )}
      {silences.data && list.length === 0 && (
        <p class="notice" data-testid="silences-empty">
          No silences. Silence a firing alert to mute its notifications for a while.
        </p>
      )}
      {list.length > 0 && (
        <div class="table-scroll panel panel-flush">
          <table class="data-table" data-testid="silences-table">
            <thead>
              <tr>
                <th scope="col">Mutes</th>
                <th scope="col">Until</th>
                <th scope="col">Comment</th>
                {admin && (
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
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
                        onClick={async () => {
                          error.value = undefined;
                          try {
                            await expireSilence(fleet, s.id);
                            onChanged();
                          } catch (e) {
                            error.value = errorMessage(e);
                          }
                        }}
                      >
                        End now
                      </button>
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
