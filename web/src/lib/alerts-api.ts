import type { ChannelView } from "../../../worker/src/alerts/channels";
import type { RuleSpec, RuleView } from "../../../worker/src/alerts/rules";
import type { SilenceMatchers } from "../../../worker/src/alerts/silences";
import type { AlertView, NotificationView, SilenceView } from "../../../worker/src/alerts/views";
import type { Severity } from "../../../worker/src/db/alerts-schema";
import { fleetPath, request } from "./api";

/**
 * The alerts API: alert episodes, rules, notification channels, silences.
 * Response types come from the worker's alerts modules (`alerts/views.ts`
 * and friends) as type-only imports: erased at build, so nothing of the
 * worker is bundled, and never re-declared here.
 */
export type {
  AlertView,
  ChannelView,
  NotificationView,
  RuleSpec,
  RuleView,
  Severity,
  SilenceMatchers,
  SilenceView,
};

/** `GET .../alerts`: episodes plus the last evaluation failure, if any. */
export interface AlertList {
  alerts: AlertView[];
  evaluation: { lastError: string | null; lastErrorAt: number | null };
}

export type AlertFilter = "active" | "firing" | "pending" | "resolved" | "all";

/** A new channel; `secret` only for webhooks (generated when left out). */
export interface ChannelInput {
  name: string;
  kind: ChannelView["kind"];
  url: string;
  secret?: string;
  enabled?: boolean;
}

export type ChannelPatch = Partial<Pick<ChannelInput, "name" | "url" | "secret" | "enabled">>;

/** `POST .../channels/:id/test`. */
export interface ChannelTestResult {
  id: string;
  delivered: boolean;
  status: number | null;
  error: string | null;
}

export interface SilenceInput {
  matchers: SilenceMatchers;
  comment?: string;
  durationS: number;
}

const path = (fleet: string, rest: string) => `${fleetPath(fleet)}/${rest}`;
const id = encodeURIComponent;

export function listAlerts(fleet: string, state: AlertFilter, limit = 100, signal?: AbortSignal) {
  return request<AlertList>("GET", path(fleet, `alerts?state=${state}&limit=${limit}`), undefined, signal);
}

export async function listRules(fleet: string, signal?: AbortSignal): Promise<RuleView[]> {
  return (await request<{ rules: RuleView[] }>("GET", path(fleet, "rules"), undefined, signal)).rules;
}

export async function createRule(fleet: string, rule: RuleSpec): Promise<RuleView> {
  return (await request<{ rule: RuleView }>("POST", path(fleet, "rules"), rule)).rule;
}

export async function replaceRule(fleet: string, ruleId: string, rule: RuleSpec): Promise<RuleView> {
  return (await request<{ rule: RuleView }>("PUT", path(fleet, `rules/${id(ruleId)}`), rule)).rule;
}

export async function setRuleEnabled(fleet: string, ruleId: string, enabled: boolean): Promise<RuleView> {
  return (await request<{ rule: RuleView }>("PATCH", path(fleet, `rules/${id(ruleId)}`), { enabled })).rule;
}

export function deleteRule(fleet: string, ruleId: string): Promise<void> {
  return request<void>("DELETE", path(fleet, `rules/${id(ruleId)}`));
}

export async function listChannels(fleet: string, signal?: AbortSignal): Promise<ChannelView[]> {
  return (await request<{ channels: ChannelView[] }>("GET", path(fleet, "channels"), undefined, signal))
    .channels;
}

/** Creates a channel; a webhook's signing secret comes back this once. */
export function createChannel(fleet: string, channel: ChannelInput) {
  return request<{ channel: ChannelView; secret?: string }>("POST", path(fleet, "channels"), channel);
}

export async function updateChannel(fleet: string, channelId: string, patch: ChannelPatch) {
  return (await request<{ channel: ChannelView }>("PATCH", path(fleet, `channels/${id(channelId)}`), patch))
    .channel;
}

export function deleteChannel(fleet: string, channelId: string): Promise<void> {
  return request<void>("DELETE", path(fleet, `channels/${id(channelId)}`));
}

export function testChannel(fleet: string, channelId: string): Promise<ChannelTestResult> {
  return request<ChannelTestResult>("POST", path(fleet, `channels/${id(channelId)}/test`));
}

export async function listSilences(fleet: string, signal?: AbortSignal): Promise<SilenceView[]> {
  return (await request<{ silences: SilenceView[] }>("GET", path(fleet, "silences"), undefined, signal))
    .silences;
}

export async function createSilence(fleet: string, silence: SilenceInput): Promise<SilenceView> {
  return (await request<{ silence: SilenceView }>("POST", path(fleet, "silences"), silence)).silence;
}

/** Ends a silence now (it stays in the history). */
export async function expireSilence(fleet: string, silenceId: string): Promise<SilenceView> {
  return (await request<{ silence: SilenceView }>("DELETE", path(fleet, `silences/${id(silenceId)}`)))
    .silence;
}
