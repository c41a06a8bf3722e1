import type { FunctionComponent } from "preact";
import { useState } from "preact/hooks";
import { session } from "../../lib/session";

type DialogProps = { fleet: string; onClose: () => void };

/** The dialog's code (forms, commands, copy) is its own chunk: most visits never open it. */
const loadDialog = () => import("./add-host-dialog").then((m) => m.AddHostDialog);

/**
 * "Add host" on the fleet toolbar, for admins only (it issues a token). The
 * dialog's chunk is fetched on the first click; the button shows that it is
 * loading, and a failed load says so in its title rather than silently.
 */
export function AddHostButton() {
  const s = session.value;
  const [dialog, setDialog] = useState<FunctionComponent<DialogProps> | undefined>(undefined);
  const [state, setState] = useState<"idle" | "loading" | "failed">("idle");
  if (s.state !== "signed-in" || s.info.role !== "admin") return null;
  const fleet = s.info.fleet;
  const open = () => {
    if (state === "loading") return;
    setState("loading");
    loadDialog().then(
      (c) => {
        setState("idle");
        setDialog(() => c);
      },
      () => setState("failed"),
    );
  };
  const Open = dialog;
  return (
    <>
      <button
        type="button"
        class="btn btn-primary add-host"
        onClick={open}
        aria-haspopup="dialog"
        aria-busy={state === "loading" ? true : undefined}
        title={
          state === "failed"
            ? "The dialog failed to load: the dashboard may have been updated, reload the page."
            : undefined
        }
        data-testid="add-host"
      >
        {state === "failed" ? "Add host (reload the page)" : "Add host"}
      </button>
      {Open && <Open fleet={fleet} onClose={() => setDialog(undefined)} />}
    </>
  );
}
