import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { createToken, type IssuedToken, type TokenInput, type TokenRole } from "../../lib/tokens-api";
import { Field, FormFooter, useSubmit } from "../common/form";
import { Options } from "../common/options";

const FIELD_LABEL: Record<keyof TokenInput, string> = { name: "Name", role: "Role" };

/** What each role may do, as the select offers it. */
export const ROLE_LABEL: Record<TokenRole, string> = {
  agent: "Agent: sends a host's metrics",
  viewer: "Viewer: reads the dashboard and API",
  admin: "Admin: also manages rules, tokens and hosts",
};

/** A new token: its name and role. The hub checks both; its answer carries the secret, once. */
export function TokenForm({
  fleet,
  onCreated,
  onCancel,
}: {
  fleet: string;
  onCreated: (issued: IssuedToken) => void;
  onCancel: () => void;
}) {
  const name = useSignal("");
  const role = useSignal<TokenRole>("agent");
  const nameRef = useRef<HTMLInputElement>(null);
  // Opened by "New token", which goes away: start where the typing starts.
  useEffect(() => nameRef.current?.focus(), []);
  const form = useSubmit("token-form-error", FIELD_LABEL, async () => {
    onCreated(await createToken(fleet, { name: name.value, role: role.value }));
  });
  return (
    <form
      class="panel token-form"
      onSubmit={form.submit}
      noValidate
      data-testid="token-form"
      aria-label="New token"
    >
      <div class="form-grid">
        <Field label={FIELD_LABEL.name}>
          <input
            ref={nameRef}
            name="name"
            type="text"
            maxLength={100}
            autocomplete="off"
            placeholder="e.g. web-3 or Grafana"
            value={name.value}
            onInput={(e) => {
              name.value = e.currentTarget.value;
            }}
            {...form.aria("name")}
            data-testid="token-name"
          />
        </Field>
        <Field label={FIELD_LABEL.role} wide>
          <select
            name="role"
            value={role.value}
            onChange={(e) => {
              role.value = e.currentTarget.value as TokenRole;
            }}
            {...form.aria("role")}
            data-testid="token-role"
          >
            <Options labels={ROLE_LABEL} />
          </select>
        </Field>
      </div>
      <FormFooter submission={form} label="Create token" testId="token-submit" onCancel={onCancel} />
    </form>
  );
}
