import type { ChannelKind } from "../db/alerts-schema";
import { discordBody, slackBody, teamsBody, telegramBody } from "./chat-formats";
import { alertmanagerBody, alertmanagerEndpoint, pagerdutyBody } from "./incident-formats";
import type { WebhookPayload } from "./payload";
import { gotifyBody, ntfyRequest, pushoverRequest, type RenderedRequest } from "./push-formats";

/** Kinds delivered over HTTP (email goes through the `send_email` binding: email.ts). */
export type HttpChannelKind = Exclude<ChannelKind, "email">;

/** Where a channel's request goes, its exact bytes and the headers that go with them. */
export function renderRequest(
  target: { kind: HttpChannelKind; url: string; secret: string | null },
  p: WebhookPayload,
  now = Date.now(),
): RenderedRequest {
  const json = (v: unknown, url = target.url) => ({
    url,
    body: JSON.stringify(v),
    headers: { "Content-Type": "application/json" },
  });
  switch (target.kind) {
    case "webhook":
      return json(p);
    case "slack":
      return json(slackBody(p));
    case "discord":
      return json(discordBody(p));
    case "ntfy":
      return { url: target.url, ...ntfyRequest(p) };
    case "gotify":
      return json(gotifyBody(p));
    case "pushover":
      return pushoverRequest(p, target.url, target.secret ?? "");
    case "teams":
      return json(teamsBody(p));
    case "telegram":
      return json(telegramBody(p, target.url));
    case "pagerduty":
      return json(pagerdutyBody(p, target.secret ?? ""));
    case "alertmanager":
      return json(alertmanagerBody(p, now), alertmanagerEndpoint(target.url));
  }
}
