import type { InferRequestType, InferResponseType } from "hono/client";
import { fleetApi, json, params, withSignal } from "./api";

/**
 * The probes and status page API. Bodies and answers are the routes' own
 * types (their zod schemas and handlers, through `hc<AppType>`).
 */

const probesRoute = fleetApi.probes;
const probeRoute = fleetApi.probes[":id"];
const statusRoute = fleetApi["status-page"];

/** `GET .../probes`: each probe with its latest check and uptime. */
export type ProbeView = InferResponseType<typeof probesRoute.$get>["probes"][number];
/** What POST and PUT take. */
export type ProbeInput = InferRequestType<typeof probesRoute.$post>["json"];
/** What PATCH takes: any subset (headers left out are kept). */
export type ProbePatch = InferRequestType<typeof probeRoute.$patch>["json"];
/** The answer of "Check now". */
export type CheckResultView = InferResponseType<(typeof probeRoute)["check"]["$post"]>["result"];
/** The status page settings (null until saved). */
export type StatusPageView = NonNullable<InferResponseType<typeof statusRoute.$get>["statusPage"]>;
export type StatusPageInput = InferRequestType<typeof statusRoute.$put>["json"];

export async function listProbes(fleet: string, signal?: AbortSignal): Promise<ProbeView[]> {
  return (await json(probesRoute.$get({ param: params({ fleet }) }, withSignal(signal)))).probes;
}

export async function createProbe(fleet: string, body: ProbeInput): Promise<ProbeView> {
  return (await json(probesRoute.$post({ param: params({ fleet }), json: body }))).probe;
}

export async function updateProbe(fleet: string, id: string, patch: ProbePatch): Promise<ProbeView> {
  return (await json(probeRoute.$patch({ param: params({ fleet, id }), json: patch }))).probe;
}

export async function setProbeEnabled(fleet: string, id: string, enabled: boolean): Promise<void> {
  await probeRoute.$patch({ param: params({ fleet, id }), json: { enabled } });
}

export async function deleteProbe(fleet: string, id: string): Promise<void> {
  await probeRoute.$delete({ param: params({ fleet, id }) });
}

export async function checkProbeNow(fleet: string, id: string): Promise<CheckResultView> {
  return (await json(probeRoute.check.$post({ param: params({ fleet, id }) }))).result;
}

export async function getStatusPage(fleet: string, signal?: AbortSignal): Promise<StatusPageView | null> {
  return (await json(statusRoute.$get({ param: params({ fleet }) }, withSignal(signal)))).statusPage;
}

export async function saveStatusPage(fleet: string, body: StatusPageInput): Promise<StatusPageView> {
  return (await json(statusRoute.$put({ param: params({ fleet }), json: body }))).statusPage;
}
