import { useSignal } from "@preact/signals";
import type { ChannelKind } from "../../../../worker/src/db/alerts-schema";
import {
  type ChannelInput,
  type ChannelTestResult,
  type ChannelView,
  createChannel,
  deleteChannel,
  listChannelsAndKinds,
  testChannel,
  updateChannel,
} from "../../lib/alerts-api";
import { errorMessage } from "../../lib/api";
import { useResource } from "../../lib/use-resource";
import { ListTable } from "../common/data-table";
import { Field, FormFooter, useSubmit } from "../common/form";
import { ChannelHistory } from "./channel-history";
import { EnabledStatus, ManageButtons, NewButton } from "./row-actions";
import { AlertsSection, useAction, useEditor } from "./section";

const KIND_LABEL: Record<ChannelKind, string> = {
  webhook: "Webhook (signed JSON)",
  slack: "Slack",
  discord: "Discord",
  ntfy: "ntfy",
  gotify: "Gotify",
  teams: "Microsoft Teams (Workflows)",
  telegram: "Telegram",
  pagerduty: "PagerDuty (Events API v2)",
  alertmanager: "Alertmanager",
  pushover: "Pushover",
  email: "Email",
};

/** Kinds that keep a secret, and what the secret is to that service. */
const SECRET_LABEL: Partial<Record<ChannelKind, string>> = {
  webhook: "Signing secret",
  pagerduty: "Routing key (the integration key of an Events API v2 integration)",
  pushover: "Application API token (of your Pushover application)",
};

/** What the URL of each kind is, as the service calls it. */
const URL_PLACEHOLDER: Record<ChannelKind, string> = {
  webhook: "https://…",
  slack: "https://hooks.slack.com/services/…",
  discord: "https://discord.com/api/webhooks/…",
  ntfy: "https://ntfy.sh/your-topic",
  gotify: "https://gotify.example/message?token=…",
  teams: "https://…logic.azure.com/workflows/… (Workflows webhook URL)",
  telegram: "https://api.telegram.org/bot<token>/sendMessage?chat_id=<chat id>",
  pagerduty: "https://events.pagerduty.com/v2/enqueue",
  alertmanager: "http://alertmanager.example:9093",
  pushover: "https://api.pushover.net/1/messages.json?user=<user or group key>",
  email: "mailto:ops@example.com,oncall@example.com",
};
const FIELD_LABEL: Record<keyof ChannelInput, string> = {
  name: "Name",
  kind: "Kind",
  url: "URL",
  secret: "Signing secret",
  enabled: "Enabled",
};
const COLUMNS = ["Channel", "Kind", "URL", "Status"] as const;

/**
 * A new channel, or changes to one. The hub never sends a stored URL or
 * secret back (only hints), so when editing an empty URL or secret keeps
 * the stored one; the kind is fixed once created.
 */
function ChannelForm({
  fleet,
  channel,
  unavailable,
  onSaved,
  onCancel,
}: {
  fleet: string;
  channel?: ChannelView;
  /** Kinds the hub cannot offer, with what to configure for each. */
  unavailable: Partial<Record<ChannelKind, string>>;
  onSaved: (secret?: string) => void;
  onCancel: () => void;
}) {
  const name = useSignal(channel?.name ?? "");
  const kind = useSignal<ChannelKind>(channel?.kind ?? "webhook");
  const url = useSignal("");
  const secret = useSignal("");
  const form = useSubmit("channel-form-error", FIELD_LABEL, async () => {
    const newUrl = url.value.trim();
    const newSecret = kind.value in SECRET_LABEL && secret.value ? { secret: secret.value } : {};
    if (channel) {
      await updateChannel(fleet, channel.id, {
        name: name.value,
        ...(newUrl ? { url: newUrl } : {}),
        ...newSecret,
      });
      onSaved();
    } else {
      const created = await createChannel(fleet, {
        name: name.value,
        kind: kind.value,
        url: newUrl,
        ...newSecret,
      });
      onSaved(created.secret);
    }
  });
  return (
    <form
      class="panel"
      onSubmit={form.submit}
      noValidate
      data-testid="channel-form"
      aria-label={channel ? `Edit channel ${channel.name}` : "New channel"}
    >
      <div class="form-grid">
        <Field label={FIELD_LABEL.name}>
          <input
            name="name"
            type="text"
            maxLength={100}
            value={name.value}
            onInput={(e) => {
              name.value = e.currentTarget.value;
            }}
            {...form.aria("name")}
            data-testid="channel-name"
          />
        </Field>
        <Field label={FIELD_LABEL.kind}>
          <select
            name="kind"
            value={kind.value}
            disabled={channel !== undefined}
            onChange={(e) => {
              kind.value = e.currentTarget.value as ChannelKind;
            }}
            data-testid="channel-kind"
            aria-describedby={
              Object.keys(unavailable)
                .map((k) => `channel-kind-hint-${k}`)
                .join(" ") || undefined
            }
          >
            {Object.entries(KIND_LABEL).map(([value, text]) => {
              const off = unavailable[value as ChannelKind];
              return (
                <option key={value} value={value} disabled={off !== undefined} title={off}>
                  {off ? `${text} (not configured)` : text}
                </option>
              );
            })}
          </select>
          {!channel &&
            Object.entries(unavailable).map(([k, hint]) => (
              <p key={k} id={`channel-kind-hint-${k}`} class="muted small" data-testid="channel-kind-hint">
                {KIND_LABEL[k as ChannelKind]}: {hint}
              </p>
            ))}
        </Field>
        <Field
          label={
            channel ? `${FIELD_LABEL.url} (now ${channel.urlHint}; unchanged when empty)` : FIELD_LABEL.url
          }
          wide
        >
          <input
            name="url"
            type="url"
            inputMode="url"
            spellcheck={false}
            placeholder={URL_PLACEHOLDER[kind.value]}
            value={url.value}
            onInput={(e) => {
              url.value = e.currentTarget.value;
            }}
            {...form.aria("url")}
            data-testid="channel-url"
          />
        </Field>
        {kind.value in SECRET_LABEL && (
          <Field
            label={
              kind.value === "webhook"
                ? `${SECRET_LABEL.webhook} (optional, at least 16 characters; ${channel ? "unchanged" : "generated"} when empty)`
                : `${SECRET_LABEL[kind.value]}${channel ? " (unchanged when empty)" : ""}`
            }
            wide
          >
            <input
              name="secret"
              type="password"
              autocomplete="off"
              value={secret.value}
              onInput={(e) => {
                secret.value = e.currentTarget.value;
              }}
              {...form.aria("secret")}
            />
          </Field>
        )}
      </div>
      <FormFooter
        submission={form}
        label={channel ? "Save channel" : "Add channel"}
        testId="channel-submit"
        onCancel={onCancel}
      />
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
  const channels = useResource((signal) => listChannelsAndKinds(fleet, signal), [fleet]);
  const editor = useEditor<ChannelView>();
  const newSecret = useSignal<string | undefined>(undefined);
  const results = useSignal<Record<string, ChannelTestResult | string>>({});
  const testing = useSignal<string | undefined>(undefined);
  const showing = useSignal<string | undefined>(undefined);
  const action = useAction(channels.reload);
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
  const list = channels.data?.channels ?? [];
  const edit = (c: ChannelView | "new") => {
    editor.edit(c);
    newSecret.value = undefined;
  };
  return (
    <AlertsSection
      id="channels-title"
      title="Notification channels"
      error={action.error.value ?? channels.error}
      actions={!editor.open && <NewButton kind="channel" label="New channel" onClick={() => edit("new")} />}
    >
      {editor.open && (
        <ChannelForm
          key={editor.key}
          fleet={fleet}
          channel={editor.item}
          unavailable={channels.data?.unavailable ?? {}}
          onSaved={(secret) => {
            editor.close();
            newSecret.value = secret;
            channels.reload();
          }}
          onCancel={editor.close}
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
      {channels.data && list.length === 0 && !editor.open && (
        <p class="notice" data-testid="channels-empty">
          No channels: alerts show here but notify no one.
        </p>
      )}
      {list.length > 0 && (
        <ListTable testId="channels-table" columns={COLUMNS} actions>
          {list.map((c) => {
            const r = results.value[c.id];
            return [
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
                  <EnabledStatus enabled={c.enabled} />
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
                    aria-expanded={showing.value === c.id}
                    onClick={() => {
                      showing.value = showing.value === c.id ? undefined : c.id;
                    }}
                    data-testid="channel-history-toggle"
                  >
                    History
                  </button>
                  <ManageButtons
                    kind="channel"
                    enabled={c.enabled}
                    onEdit={() => edit(c)}
                    onToggle={() =>
                      void action.run(() => updateChannel(fleet, c.id, { enabled: !c.enabled }))
                    }
                    onDelete={() => void action.run(() => deleteChannel(fleet, c.id))}
                  />
                </td>
              </tr>,
              showing.value === c.id && (
                <tr key={`${c.id}-history`} class="form-row">
                  <td colSpan={COLUMNS.length + 1}>
                    {/* Fresh each time it opens, with every test sent meanwhile. */}
                    <ChannelHistory
                      key={`${c.id}-${JSON.stringify(r ?? null)}`}
                      fleet={fleet}
                      channelId={c.id}
                    />
                  </td>
                </tr>
              ),
            ];
          })}
        </ListTable>
      )}
    </AlertsSection>
  );
}
