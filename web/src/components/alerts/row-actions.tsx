import { ConfirmButton } from "./confirm-button";

/** Whether a rule or channel is active: a word, never colour alone. */
export function EnabledStatus({ enabled }: { enabled: boolean }) {
  return enabled ? "on" : <span class="muted">paused</span>;
}

/**
 * Edit, Pause/Resume and Delete (in two clicks) for one row. Test ids are
 * `<kind>-edit`, `<kind>-toggle` and `<kind>-delete`.
 */
export function ManageButtons({
  kind,
  enabled,
  onEdit,
  onToggle,
  onDelete,
}: {
  kind: string;
  enabled: boolean;
  onEdit: () => void;
  onToggle: () => void;
  onDelete: () => void;
}) {
  return (
    <>
      <button type="button" class="btn btn-small" onClick={onEdit} data-testid={`${kind}-edit`}>
        Edit
      </button>
      <button type="button" class="btn btn-small" onClick={onToggle} data-testid={`${kind}-toggle`}>
        {enabled ? "Pause" : "Resume"}
      </button>
      <ConfirmButton label="Delete" confirmLabel="Delete?" testId={`${kind}-delete`} onConfirm={onDelete} />
    </>
  );
}

/** A section's "New …" button. Test id `<kind>-new`. */
export function NewButton({ kind, label, onClick }: { kind: string; label: string; onClick: () => void }) {
  return (
    <button type="button" class="btn btn-small" onClick={onClick} data-testid={`${kind}-new`}>
      {label}
    </button>
  );
}
