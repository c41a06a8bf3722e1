import type { InferRequestType, InferResponseType } from "hono/client";
import { fleetApi, json, params, withSignal } from "./api";

/**
 * Notification policies (ordered routes from alerts to channels, with
 * grouping) and mute time intervals, in the routes' own types.
 */

const policiesRoute = fleetApi.policies;
const policyRoute = fleetApi.policies[":id"];
const mutesRoute = fleetApi["mute-intervals"];
const muteRoute = fleetApi["mute-intervals"][":id"];

export type PolicyView = InferResponseType<typeof policiesRoute.$get>["policies"][number];
export type PolicyInput = InferRequestType<typeof policiesRoute.$post>["json"];
export type PolicyPatch = InferRequestType<typeof policyRoute.$patch>["json"];
export type GroupField = PolicyView["groupBy"][number];
export type MuteIntervalView = InferResponseType<typeof mutesRoute.$get>["muteIntervals"][number];
export type MuteIntervalInput = InferRequestType<typeof mutesRoute.$post>["json"];
export type MuteTimes = MuteIntervalView["times"][number];
export type Weekday = NonNullable<MuteTimes["weekdays"]>[number];

const fleetOf = (fleet: string) => ({ param: params({ fleet }) });
const itemOf = (fleet: string, id: string) => ({ param: params({ fleet, id }) });

export async function listPolicies(fleet: string, signal?: AbortSignal): Promise<PolicyView[]> {
  return (await json(policiesRoute.$get(fleetOf(fleet), withSignal(signal)))).policies;
}

export async function createPolicy(fleet: string, policy: PolicyInput): Promise<PolicyView[]> {
  return (await json(policiesRoute.$post({ ...fleetOf(fleet), json: policy }))).policies;
}

/** Changes a policy; `id` may be `default`. */
export async function updatePolicy(fleet: string, id: string, patch: PolicyPatch): Promise<PolicyView[]> {
  return (await json(policyRoute.$patch({ ...itemOf(fleet, id), json: patch }))).policies;
}

export async function reorderPolicies(fleet: string, ids: string[]): Promise<PolicyView[]> {
  return (await json(policiesRoute.order.$put({ ...fleetOf(fleet), json: { ids } }))).policies;
}

export async function deletePolicy(fleet: string, id: string): Promise<void> {
  await policyRoute.$delete(itemOf(fleet, id));
}

export async function listMuteIntervals(fleet: string, signal?: AbortSignal): Promise<MuteIntervalView[]> {
  return (await json(mutesRoute.$get(fleetOf(fleet), withSignal(signal)))).muteIntervals;
}

export async function createMuteInterval(fleet: string, m: MuteIntervalInput): Promise<MuteIntervalView> {
  return (await json(mutesRoute.$post({ ...fleetOf(fleet), json: m }))).muteInterval;
}

export async function updateMuteInterval(
  fleet: string,
  id: string,
  m: Partial<MuteIntervalInput>,
): Promise<MuteIntervalView> {
  return (await json(muteRoute.$patch({ ...itemOf(fleet, id), json: m }))).muteInterval;
}

export async function deleteMuteInterval(fleet: string, id: string): Promise<void> {
  await muteRoute.$delete(itemOf(fleet, id));
}
