import { useComputed, useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { LiveHost } from "../../../../worker/src/metrics/summary";
import { agentCommands } from "../../lib/agent-commands";
import { live } from "../../lib/live";
import { hostPath } from "../../lib/router";
import { createToken } from "../../lib/tokens-api";
import { CopyBlock } from "../common/copy-block";
import { AUTOFOCUS, Dialog, DialogActions } from "../common/dialog";
import { Field, FormFooter, useSubmit } from "../common/form";
import { Link } from "../common/link";
import "../../styles/add-host.css";

const FIELD_LABEL = { name: "Token name" } as const;

/** A default name that tells tokens apart in the list: `New host, 2026-05-01`. */
function defaultName(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `New host, ${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

/** The issued agent token: its secret goes into the commands, shown this once. */
interface Issued {
  name: string;
  secret: string;
  /** Hosts of the fleet when the token was issued: any other is a newcomer. */
  known: ReadonlySet<string>;
}

/** Hosts that joined since the token was issued, as the live feed reports them. */
function Arrivals({ known }: { known: ReadonlySet<string> }) {
  const arrived = useComputed(() => {
    const out: LiveHost[] = [];
    for (const [id, h] of live.hosts.value) if (!known.has(id)) out.push(h.value);
    return out;
  });
  const hosts = arrived.value;
  return (
    <div
      class="arrivals"
      role="status"
      data-testid="add-host-status"
      data-state={hosts.length ? "connected" : "waiting"}
    >
      {hosts.length === 0 ? (
        <p class="arrival arrival-waiting">
          <span class="arrival-dot" aria-hidden="true" />
          Waiting for the agent…
          {live.status.value !== "open" && <span class="muted"> (reconnecting to the hub)</span>}
        </p>
      ) : (
        hosts.map((h) => (
          <p key={h.id} class="arrival" data-testid="add-host-arrival" data-host-id={h.id}>
            <span class="arrival-dot arrival-dot-on" aria-hidden="true" />
            <span data-testid="add-host-connected">{`${h.info.hostname || h.id} connected`}</span>{" "}
            <Link href={hostPath(h.id)}>Open its page</Link>
          </p>
        ))
      )}
    </div>
  );
}

/**
 * "Add a host" (admin): issues an agent token, then shows the commands that
 * install and start the agent against this hub (the page's own origin), and
 * reports the new host live as soon as its agent says hello.
 */
export function AddHostDialog({ fleet, onClose }: { fleet: string; onClose: () => void }) {
  const name = useSignal(defaultName());
  const issued = useSignal<Issued | undefined>(undefined);
  const form = useSubmit("add-host-error", FIELD_LABEL, async () => {
    // Taken before the token exists, so no host of this token can already be in it.
    const known = new Set(live.hosts.peek().keys());
    const r = await createToken(fleet, { role: "agent", name: name.value });
    issued.value = { name: r.token.name, secret: r.secret, known };
  });
  const doneRef = useRef<HTMLParagraphElement>(null);
  const done = issued.value;
  // The form (and its focused button) is gone: put focus on what replaced it.
  useEffect(() => {
    if (done) doneRef.current?.focus();
  }, [done]);

  return (
    <Dialog title="Add a host" onClose={onClose} testId="add-host-dialog" wide>
      <p>
        The agent runs on the host and streams its metrics to this hub. It needs Node.js 22 or later and an
        agent token (ingest only) of this fleet.
      </p>
      {done ? (
        <>
          <p class="notice notice-ok" tabIndex={-1} ref={doneRef} data-testid="add-host-token">
            Agent token <strong>{done.name}</strong> created. Its secret is in the commands below and is shown{" "}
            <strong>only this once</strong>: copy them before closing. Revoke it any time under Settings.
          </p>
          {agentCommands(location.origin, done.secret).map((c) => (
            <CopyBlock key={c.id} label={c.label} text={c.command} testId={`command-${c.id}`} />
          ))}
          <Arrivals known={done.known} />
        </>
      ) : (
        <form class="add-host-form" onSubmit={form.submit} noValidate data-testid="add-host-form">
          <Field label={`${FIELD_LABEL.name} (to recognise it under Settings)`}>
            <input
              name="name"
              type="text"
              maxLength={100}
              autocomplete="off"
              value={name.value}
              onInput={(e) => {
                name.value = e.currentTarget.value;
              }}
              {...form.aria("name")}
              {...AUTOFOCUS}
              data-testid="add-host-name"
            />
          </Field>
          <FormFooter
            submission={form}
            label={form.busy.value ? "Creating…" : "Create agent token"}
            testId="add-host-create"
            onCancel={onClose}
          />
        </form>
      )}
      {done && (
        <DialogActions>
          <button type="button" class="btn" onClick={onClose} data-testid="add-host-close">
            Close
          </button>
        </DialogActions>
      )}
    </Dialog>
  );
}
