import { useSignal } from "@preact/signals";
import { deleteHost } from "../../lib/hosts-api";
import { live } from "../../lib/live";
import { navigate } from "../../lib/router";
import { ConfirmDialog } from "../common/dialog";

/**
 * "Remove host" on the host page (admins): a confirmation naming the host,
 * then the hub forgets it and the dashboard goes back to the fleet.
 */
export function RemoveHost({ fleet, id, name }: { fleet: string; id: string; name: string }) {
  const confirming = useSignal(false);
  return (
    <>
      <button
        type="button"
        class="btn btn-small btn-danger remove-host"
        aria-haspopup="dialog"
        onClick={() => {
          confirming.value = true;
        }}
        data-testid="remove-host"
      >
        Remove host
      </button>
      {confirming.value && (
        <ConfirmDialog
          title={`Remove ${name}?`}
          confirmLabel="Remove host"
          busyLabel="Removing…"
          testId="remove-host-dialog"
          onConfirm={() => deleteHost(fleet, id)}
          onDone={() => {
            // Gone here at once; the hub's `removed` frame tells every other dashboard.
            live.forget(id);
            navigate("/");
          }}
          onClose={() => {
            confirming.value = false;
          }}
        >
          <p>
            The hub forgets <strong>{name}</strong>: its live state and recent samples. History already rolled
            up ages out with retention.
          </p>
          <p>
            If its agent is still running with a valid token, the host comes back when it next connects: stop
            the agent or revoke its token first.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
