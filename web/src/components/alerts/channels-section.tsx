import { useSignal } from "@preact/signals";
import type { TargetedSubmitEvent } from "preact";
import type { ChannelKind } from "../../../../worker/src/db/alerts-schema";
import {
  type ChannelInput,
  type ChannelTestResult,
  type ChannelView,
  createChannel,
  deleteChannel,
  listChannels,
  testChannel,
  updateChannel,
} from "../../lib/alerts-api";
import { errorMessage } from "../../lib/api";
import { useResource } from "../../lib/use-resource";
import { ConfirmButton } from "./confirm-button";
import { type FormError, formError } from "./field-error";

const KIND_LABEL: Record<ChannelKind, string> = {
  webhook: "Webhook (signed JSON)",
  slack: "Slack",
  discord: "Discord",
};
const FIELD_LABEL: Record<keyof ChannelInput, string> = {
  name: "Name",
  kind: "Kind",
  url: "URL",
  secret: "Signing secret",
  enabled: "Enabled",
};

function ChannelForm({ fleet, onCreated }: { fleet: string; onCreated: (secret?: string) => void }) {
  const name = useSignal("");
  const kind = useSignal<ChannelKind>("webhook");
  const url = useSignal("");
  const secret = useSignal("");
  const busy = useSignal(false);
  const error = useSignal<FormError | undefined>(undefined);
  const submit = async (e: TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    busy.value = true;
    error.value = undefined;
    try {
      const res = await createChannel(fleet, {
        name: name.value,
        kind: kind.value,
        url: url.value.trim(),
        ...(kind.value === "webhook" && secret.value ? { secret: secret.value } : {}),
      });
      onCreated(res.secret);
    } catch (err) {
      error.value = formError(err, FIELD_LABEL);
      busy.value = false;
    }
  };
  const invalid = (f: keyof ChannelInput) => (error.value?.field === f ? true : undefined);
  return (
    <form class="panel" onSubmit={submit} noValidate data-testid="channel-form" aria-label="New channel">
      <div class="form-grid">
        <label class="field-stack">
          <span>{FIELD_LABEL.name}</span>
          <input
            name="name"
            type="text"
            maxLength={100}
            value={name.value}
            onInput={(e) => {
              name.value = e.currentTarget.value;
            }}
            aria-invalid={invalid("name")}
            data-testid="channel-name"
          />
        </label>
        <label class="field-stack">
          <span>{FIELD_LABEL.kind}</span>
          <select
            name="kind"
            value={kind.value}
            onChange={(e) => {
              kind.value = e.currentTarget.value as ChannelKind;
            }}
            data-testid="channel-kind"
          >
            {Object.entries(KIND_LABEL).map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label class="field-stack span-2">
          <span>{FIELD_LABEL.url}</span>
          <input
            name="url"
            type="url"
            inputMode="url"
            spellcheck={false}
            placeholder="https://…"
            value={url.value}
            onInput={(e) => {
              url.value = e.currentTarget.value;
            }}
            aria-invalid={invalid("url")}
            data-testid="channel-url"
          />
        </label>
        {kind.value === "webhook" && (
          <label class="field-stack span-2">
            <span>{FIELD_LABEL.secret} (optional, at least 16 characters; generated when empty)</span>
            <input
              name="secret"
              type="password"
              autocomplete="off"
              value={secret.value}
              onInput={(e) => {
                secret.value = e.currentTarget.value;
              }}
              aria-invalid={invalid("secret")}
            />
          </label>
        )}
      </div>
      {error.value && (
        <p class="notice notice-error form-error" role="alert" data-testid="form-error">
          {error.value.message}
        </p>
      )}
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy.value} data-testid="channel-submit">
          Add channel
        </button>
      </div>
    </form>
  );
}

function TestResult({ r }: { r: ChannelTestResult | string }) {
  if (typeof r === "string") {
    return (
      <span class="test-result test-failed" data-testid="channel-test-result" data-delivered="false">
        {r}
      </span>
    );
  }
  return (
    <span
      class={`test-result ${r.delivered ? "test-ok" : "test-failed"}`}
      data-testid="channel-test-result"
      data-delivered={String(r.delivered)}
    >
      {r.delivered
        ? `Delivered${r.status ? ` (HTTP ${r.status})` : ""}`
        : `Failed${r.status ? ` (HTTP ${r.status})` : ""}: ${r.error ?? "no answer"}`}
    </span>
  );
}

/** Where notifications go (admin only: URLs and secrets are credentials). */
export function ChannelsSection({ fleet }: { fleet: string }) {
  const channels = useResource((signal) => listChannels(fleet, signal), [fleet]);
  const adding = useSignal(false);
  const newSecret = useSignal<string | undefined>(undefined);
  const results = useSignal<Record<string, ChannelTestResult | string>>({});
  const testing = useSignal<string | undefined>(undefined);
  const error = useSignal<string | undefined>(undefined);
  const act = async (f: () => Promise<unknown>) => {
    error.value = undefined;
    try {
      await f();
      channels.reload();
    } catch (e) {
      error.value = errorMessage(e);
    }
  };
  const test = async (c: ChannelView) => {
    testing.value = c.id;
    let r: ChannelTestResult | string;
    try {
      r = await testChannel(fleet, c.id);
    } catch (e) {
      r = errorMessage(e);
    }
    results.value = { ...results.value, [c.id]: r };
    testing.value = undefined;
  };
  const list = channels.data ?? [];
  return (
    <section class="alerts-section" aria-labelledby="channels-title">
      <div class="section-head">
        <h2 id="channels-title">Notification channels</h2>
        {!adding.value && (
          <button
            type="button"
            class="btn btn-small"
            onClick={() => {
              adding.value = true;
              newSecret.value = undefined;
            }}
            data-testid="channel-new"
          >
            New channel
          </button>
        )}
      </div>
      {adding.value && (
        <ChannelForm
          fleet={fleet}
          onCreated={(secret) => {
            adding.value = false;
            newSecret.value = secret;
            channels.reload();
          }}
        />
      )}
      {newSecret.value && (
        <div class="notice notice-ok" role="status" data-testid="channel-secret">
          <p>
            Signing secret, shown this once: <code>{newSecret.value}</code>
          </p>
          <p>
            Receivers verify <code>X-Fleetwatch-Signature: sha256=HMAC</code> of the body with it.
          </p>
        </div>
      )}
      {(error.value ?? channels.error) && (
        <p class="notice notice-error" role="alert">
          {error.value ?? channels.error}
        </p>
      )}
      {channels.data && list.length === 0 && !adding.value && (
        <p class="notice" data-testid="channels-empty">
          No channels: alerts show here but notify no one.
        </p>
      )}
      {list.length > 0 && (
        <div class="table-scroll panel panel-flush">
          <table class="data-table" data-testid="channels-table">
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Kind</th>
                <th scope="col">URL</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => {
                const r = results.value[c.id];
                return (
                  <tr key={c.id} data-testid="channel-row" data-channel-id={c.id}>
                    <th scope="row" class="cell-text" title={c.name}>
                      {c.name}
                    </th>
                    <td>
                      {KIND_LABEL[c.kind]}
                      {c.secretHint && <span class="muted small"> secret {c.secretHint}</span>}
                    </td>
                    <td class="cell-text" title={c.urlHint}>
                      <code>{c.urlHint}</code>
                    </td>
                    <td>
                      {c.enabled ? "on" : <span class="muted">paused</span>}
                      {r !== undefined && (
                        <>
                          {" "}
                          <TestResult r={r} />
                        </>
                      )}
                    </td>
                    <td class="actions">
                      <button
                        type="button"
                        class="btn btn-small"
                        disabled={testing.value === c.id}
                        onClick={() => void test(c)}
                        data-testid="channel-test"
                      >
                        {testing.value === c.id ? "Sending…" : "Send test"}
                      </button>
                      <button
                        type="button"
                        class="btn btn-small"
                        onClick={() => void act(() => updateChannel(fleet, c.id, { enabled: !c.enabled }))}
                        data-testid="channel-toggle"
                      >
                        {c.enabled ? "Pause" : "Resume"}
                      </button>
                      <ConfirmButton
                        label="Delete"
                        confirmLabel="Delete?"
                        testId="channel-delete"
                        onConfirm={() => void act(() => deleteChannel(fleet, c.id))}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
