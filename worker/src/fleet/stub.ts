import type { Principal } from "../auth/tokens";
import type { FleetDO } from "./fleet-do";
import { INTERNAL } from "./protocol";

/** The fleet's Durable Object (one per fleet, named by fleet id). */
export function fleetStub(env: Env, fleetId: string): DurableObjectStub<FleetDO> {
  return env.FLEET.get(env.FLEET.idFromName(fleetId));
}

/**
 * Hands a request to the fleet's DO with the authenticated identity in
 * internal headers. Incoming copies of those headers are dropped first.
 */
export function forwardToFleet(env: Env, p: Principal, req: Request, path?: string): Promise<Response> {
  const headers = new Headers(req.headers);
  for (const h of Object.values(INTERNAL)) if (h.startsWith("x-")) headers.delete(h);
  headers.set(INTERNAL.fleet, p.fleetId);
  headers.set(INTERNAL.tokenId, p.tokenId);
  headers.set(INTERNAL.role, p.role);
  const url = new URL(req.url);
  if (path) url.pathname = path;
  return fleetStub(env, p.fleetId).fetch(new Request(url, { method: req.method, headers, body: req.body }));
}
