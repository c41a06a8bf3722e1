import type { InferRequestType, InferResponseType } from "hono/client";
import { fleetApi, json, params, withSignal } from "./api";

/**
 * Access tokens of the fleet (admin): list, issue, revoke. Bodies and
 * answers are the routes' own types through `hc<AppType>`.
 */

const tokensRoute = fleetApi.tokens;
const tokenRoute = fleetApi.tokens[":id"];

/** A token as the hub shows it: never its secret. `current` marks the one this session uses. */
export type TokenView = InferResponseType<typeof tokensRoute.$get>["tokens"][number];
/** `POST .../tokens`: a role and a display name. */
export type TokenInput = InferRequestType<typeof tokensRoute.$post>["json"];
export type TokenRole = TokenInput["role"];
/** The issued token and its secret, which the hub returns this once. */
export type IssuedToken = InferResponseType<typeof tokensRoute.$post, 201>;

export async function listTokens(fleet: string, signal?: AbortSignal): Promise<TokenView[]> {
  return (await json(tokensRoute.$get({ param: params({ fleet }) }, withSignal(signal)))).tokens;
}

/** Issues a token; the answer holds its secret, shown once. */
export function createToken(fleet: string, token: TokenInput): Promise<IssuedToken> {
  return json(tokensRoute.$post({ param: params({ fleet }), json: token }));
}

/** Revokes a token at once: its sessions, live sockets and ingest streams end. */
export async function revokeToken(fleet: string, id: string): Promise<void> {
  await tokenRoute.$delete({ param: params({ fleet, id }) });
}
