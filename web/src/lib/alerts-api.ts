import type { InferRequestType, InferResponseType } from "hono/client";
import { fleetApi, json, params, withSignal } from "./api";

/**
 * The alerts API: alert episodes, rules, notification channels, silences.
 * Bodies and answers are the routes' own types (their zod schemas and
 * handlers, through `hc<AppType>`), named here for the components.
 */

const alertsRoute = fleetApi.alerts;
const rulesRoute = fleetApi.rules;
const ruleRoute = fleetApi.rules[":id"];
const channelsRoute = fleetApi.channels;
const channelRoute = fleetApi.channels[":id"];
const silencesRoute = fleetApi.silences;

/** `GET .../alerts`: episodes plus the last evaluation failure, if any. */
export type AlertList = InferResponseType<typeof alertsRoute.$get>;
export type AlertView = AlertList["alerts"][number];
export type AlertFilter = NonNullable<InferRequestType<typeof alertsRoute.$get>["query"]["state"]>;

export type RuleView = InferResponseType<typeof rulesRoute.$get>["rules"][number];
/** A new rule or a replacement (`POST`, `PUT`): the essentials, the rest defaults on the hub. */
export type RuleInput = InferRequestType<typeof rulesRoute.$post>["json"];

export type ChannelView = InferResponseType<typeof channelsRoute.$get>["channels"][number];
/** A new channel; `secret` only for webhooks (generated when left out). */
export type ChannelInput = InferRequestType<typeof channelsRoute.$post>["json"];
export type ChannelPatch = InferRequestType<typeof channelRoute.$patch>["json"];
/** `POST .../channels/:id/test`. */
export type ChannelTestResult = InferResponseType<typeof channelRoute.test.$post>;

export type SilenceView = InferResponseType<typeof silencesRoute.$get>["silences"][number];
export type SilenceMatchers = SilenceView["matchers"];
export type SilenceInput = InferRequestType<typeof silencesRoute.$post>["json"];

const fleetOf = (fleet: string) => ({ param: params({ fleet }) });
const itemOf = (fleet: string, id: string) => ({ param: params({ fleet, id }) });

export function listAlerts(fleet: string, state: AlertFilter, limit = 100, signal?: AbortSignal) {
  return json(
    alertsRoute.$get({ ...fleetOf(fleet), query: { state, limit: String(limit) } }, withSignal(signal)),
  );
}

export async function listRules(fleet: string, signal?: AbortSignal): Promise<RuleView[]> {
  return (await json(rulesRoute.$get(fleetOf(fleet), withSignal(signal)))).rules;
}

export async function createRule(fleet: string, rule: RuleInput): Promise<RuleView> {
  return (await json(rulesRoute.$post({ ...fleetOf(fleet), json: rule }))).rule;
}

export async function replaceRule(fleet: string, ruleId: string, rule: RuleInput): Promise<RuleView> {
  return (await json(ruleRoute.$put({ ...itemOf(fleet, ruleId), json: rule }))).rule;
}

export async function setRuleEnabled(fleet: string, ruleId: string, enabled: boolean): Promise<RuleView> {
  return (await json(ruleRoute.$patch({ ...itemOf(fleet, ruleId), json: { enabled } }))).rule;
}

export async function deleteRule(fleet: string, ruleId: string): Promise<void> {
  await ruleRoute.$delete(itemOf(fleet, ruleId));
}

export async function listChannels(fleet: string, signal?: AbortSignal): Promise<ChannelView[]> {
  return (await listChannelsAndKinds(fleet, signal)).channels;
}

/** The channels, and the kinds this hub cannot offer with what to configure for each. */
export function listChannelsAndKinds(fleet: string, signal?: AbortSignal) {
  return json(channelsRoute.$get(fleetOf(fleet), withSignal(signal)));
}

/** Creates a channel; a webhook's signing secret comes back this once. */
export function createChannel(fleet: string, channel: ChannelInput) {
  return json(channelsRoute.$post({ ...fleetOf(fleet), json: channel }));
}

export async function updateChannel(fleet: string, channelId: string, patch: ChannelPatch) {
  return (await json(channelRoute.$patch({ ...itemOf(fleet, channelId), json: patch }))).channel;
}

export async function deleteChannel(fleet: string, channelId: string): Promise<void> {
  await channelRoute.$delete(itemOf(fleet, channelId));
}

export function testChannel(fleet: string, channelId: string): Promise<ChannelTestResult> {
  return json(channelRoute.test.$post(itemOf(fleet, channelId)));
}

export async function listSilences(fleet: string, signal?: AbortSignal): Promise<SilenceView[]> {
  return (await json(silencesRoute.$get({ ...fleetOf(fleet), query: {} }, withSignal(signal)))).silences;
}

export async function createSilence(fleet: string, silence: SilenceInput): Promise<SilenceView> {
  return (await json(silencesRoute.$post({ ...fleetOf(fleet), json: silence }))).silence;
}

/** Ends a silence now (it stays in the history). */
export async function expireSilence(fleet: string, silenceId: string): Promise<SilenceView> {
  return (await json(fleetApi.silences[":id"].$delete(itemOf(fleet, silenceId)))).silence;
}

export type NotificationView = InferResponseType<typeof fleetApi.notifications.$get>["notifications"][number];

/** One channel's delivery history (or the fleet's), newest first. */
export async function listNotifications(
  fleet: string,
  channelId?: string,
  limit = 20,
  signal?: AbortSignal,
): Promise<NotificationView[]> {
  const query = { limit: String(limit), ...(channelId ? { channelId } : {}) };
  return (await json(fleetApi.notifications.$get({ ...fleetOf(fleet), query }, withSignal(signal))))
    .notifications;
}
