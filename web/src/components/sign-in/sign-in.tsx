import { useSignal } from "@preact/signals";
import type { TargetedSubmitEvent } from "preact";
import { signIn } from "../../lib/session";

/** Token sign-in. The token goes to the hub once and comes back as an HttpOnly cookie. */
export function SignIn({ error }: { error?: string | undefined }) {
  const token = useSignal("");
  const busy = useSignal(false);
  const failure = useSignal<string | undefined>(error);

  const submit = async (e: TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!token.value.trim() || busy.value) return;
    busy.value = true;
    failure.value = undefined;
    try {
      await signIn(token.value);
    } catch (err) {
      failure.value = err instanceof Error ? err.message : String(err);
      busy.value = false;
    }
  };

  return (
    <main class="sign-in" id="main">
      <form class="sign-in-card" onSubmit={submit} data-testid="sign-in-form" noValidate>
        <h1 class="brand brand-large">
          <span class="brand-mark" aria-hidden="true" />
          fleetwatch
        </h1>
        <p class="muted">Sign in with a viewer or admin token of your fleet.</p>
        <label class="stack">
          <span>Token</span>
          <input
            type="password"
            name="token"
            autocomplete="current-password"
            spellcheck={false}
            placeholder="fw_…"
            required
            value={token.value}
            onInput={(e) => {
              token.value = e.currentTarget.value;
            }}
            aria-invalid={failure.value ? true : undefined}
            aria-describedby={failure.value ? "sign-in-error" : undefined}
            data-testid="token-input"
          />
        </label>
        {failure.value && (
          <p id="sign-in-error" class="notice notice-error" role="alert" data-testid="sign-in-error">
            {failure.value}
          </p>
        )}
        <button type="submit" class="btn btn-primary" disabled={busy.value} data-testid="sign-in-submit">
          {busy.value ? "Signing in…" : "Sign in"}
        </button>
        <p class="muted small">
          Running locally? <code>npm start</code> prints a sign-in link.
        </p>
      </form>
    </main>
  );
}
