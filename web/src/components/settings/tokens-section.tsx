import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { agentCommands } from "../../lib/agent-commands";
import { formatAgo, formatDateTime } from "../../lib/format";
import { session } from "../../lib/session";
import { type IssuedToken, listTokens, revokeToken, type TokenView } from "../../lib/tokens-api";
import { useResource } from "../../lib/use-resource";
import { CopyBlock } from "../common/copy-block";
import { ListTable } from "../common/data-table";
import { ConfirmDialog } from "../common/dialog";
import { ErrorNotice } from "../common/notice";
import { TokenForm } from "./token-form";

const ACTIVE_COLUMNS = ["Name", "Role", "Created", "Last used"] as const;
const REVOKED_COLUMNS = ["Name", "Role", "Created", "Revoked"] as const;

/** `5 m ago` (the exact time in its tooltip), or `never`. */
function LastUsed({ at }: { at: number | null }) {
  if (at === null) return <span class="muted">never</span>;
  return (
    <time dateTime={new Date(at).toISOString()} title={formatDateTime(at)}>
      {formatAgo(at, Date.now())}
    </time>
  );
}

/** A new token's secret, shown this once with a copy button; for agent tokens, the agent's commands too. */
function IssuedSecret({ issued, onDismiss }: { issued: IssuedToken; onDismiss: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  // The form that had focus is gone: move it here, where the secret is.
  useEffect(() => ref.current?.focus(), [issued]);
  const { token, secret } = issued;
  return (
    <div class="notice notice-ok issued" tabIndex={-1} ref={ref} data-testid="token-issued">
      <p>
        New {token.role} token <strong>{token.name}</strong> created. Copy its secret now: it is shown{" "}
        <strong>only this once</strong> (the hub keeps only a hash).
      </p>
      <CopyBlock label="Secret" text={secret} testId="token-secret" />
      {token.role === "agent" ? (
        <details class="issued-commands">
          <summary>Commands that start an agent with it</summary>
          {agentCommands(location.origin, secret).map((c) => (
            <CopyBlock key={c.id} label={c.label} text={c.command} testId={`command-${c.id}`} />
          ))}
        </details>
      ) : (
        <p>
          Sign in to the dashboard with it, or send it to the API as <code>Authorization: Bearer …</code>.
        </p>
      )}
      <p>
        <button type="button" class="btn btn-small" onClick={onDismiss} data-testid="token-issued-done">
          Done
        </button>
      </p>
    </div>
  );
}

/** One active token: its name (and whether this session uses it), role, times and Revoke. */
function TokenRow({ t, onRevoke }: { t: TokenView; onRevoke: () => void }) {
  return (
    <tr data-testid="token-row" data-token-id={t.id} data-role={t.role}>
      <th scope="row" class="cell-text" title={t.name}>
        {t.name}
        {t.current && <span class="token-current"> (this session)</span>}
      </th>
      <td>{t.role}</td>
      <td>{formatDateTime(t.createdAt)}</td>
      <td>
        <LastUsed at={t.lastUsedAt} />
      </td>
      <td class="actions">
        <button type="button" class="btn btn-small btn-danger" onClick={onRevoke} data-testid="token-revoke">
          Revoke<span class="visually-hidden"> {t.name}</span>
        </button>
      </td>
    </tr>
  );
}

/**
 * The fleet's access tokens (admin): list with when each was last used,
 * issue one (its secret shown once), revoke one after a confirmation that
 * names it. Revoked tokens stay listed apart, for the record.
 */
export function TokensSection({ fleet }: { fleet: string }) {
  const tokens = useResource((signal) => listTokens(fleet, signal), [fleet]);
  const creating = useSignal(false);
  const issued = useSignal<IssuedToken | undefined>(undefined);
  const revoking = useSignal<TokenView | undefined>(undefined);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const revoked = useRef(false);
  const list = tokens.data ?? [];
  const active = list.filter((t) => t.revokedAt === null);
  const gone = list.filter((t) => t.revokedAt !== null).reverse();
  const target = revoking.value;

  return (
    <section class="settings-section" aria-labelledby="tokens-title" data-testid="tokens-section">
      <div class="section-head">
        <h2 id="tokens-title" tabIndex={-1} ref={headingRef}>
          Access tokens
        </h2>
        {!creating.value && (
          <button
            type="button"
            class="btn btn-small"
            onClick={() => {
              creating.value = true;
              issued.value = undefined;
            }}
            data-testid="token-new"
          >
            New token
          </button>
        )}
      </div>
      <p class="muted small section-intro">
        Agents send metrics, viewers read the dashboard and API, admins also manage rules, tokens and hosts.
        Revoking a token ends its sessions, live views and agent streams at once.
      </p>
      <ErrorNotice message={tokens.error} />
      {creating.value && (
        <TokenForm
          fleet={fleet}
          onCreated={(r) => {
            creating.value = false;
            issued.value = r;
            tokens.reload();
          }}
          onCancel={() => {
            creating.value = false;
          }}
        />
      )}
      {issued.value && (
        <IssuedSecret
          issued={issued.value}
          onDismiss={() => {
            issued.value = undefined;
            headingRef.current?.focus();
          }}
        />
      )}
      {tokens.data && (
        <ListTable testId="tokens-table" columns={ACTIVE_COLUMNS} actions>
          {active.map((t) => (
            <TokenRow
              key={t.id}
              t={t}
              onRevoke={() => {
                revoked.current = false;
                revoking.value = t;
              }}
            />
          ))}
        </ListTable>
      )}
      {gone.length > 0 && (
        <details class="revoked-tokens">
          <summary>Revoked tokens ({gone.length})</summary>
          <ListTable testId="revoked-tokens-table" columns={REVOKED_COLUMNS}>
            {gone.map((t) => (
              <tr key={t.id} data-testid="revoked-token-row" data-token-id={t.id}>
                <th scope="row" class="cell-text" title={t.name}>
                  {t.name}
                </th>
                <td>{t.role}</td>
                <td>{formatDateTime(t.createdAt)}</td>
                <td>{formatDateTime(t.revokedAt ?? 0)}</td>
              </tr>
            ))}
          </ListTable>
        </details>
      )}
      {target && (
        <ConfirmDialog
          title={`Revoke the token “${target.name}”?`}
          confirmLabel="Revoke token"
          busyLabel="Revoking…"
          testId="revoke-dialog"
          onConfirm={() => revokeToken(fleet, target.id)}
          onDone={() => {
            revoked.current = true;
            revoking.value = undefined;
            if (target.current) {
              session.value = {
                state: "signed-out",
                error: "You revoked the token this session used. Sign in with another admin token.",
              };
              return;
            }
            tokens.reload();
          }}
          onClose={() => {
            revoking.value = undefined;
          }}
          // Its row (and Revoke button) leaves the list: land on the section instead.
          returnFocus={() => (revoked.current ? headingRef.current : null)}
        >
          <p>
            Whatever uses this {target.role} token stops working at once:{" "}
            {target.role === "agent"
              ? "agents started with it are refused and stop sending metrics."
              : "dashboard sessions end and API calls with it are refused."}{" "}
            This cannot be undone.
          </p>
          {target.current && (
            <p class="notice notice-error" data-testid="revoke-current">
              This session uses this token: you will be signed out.
            </p>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}
