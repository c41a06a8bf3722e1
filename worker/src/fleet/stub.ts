import type { Principal } from "../auth/tokens";
import type { AggregateQuery, EvaluationRead } from "../metrics/aggregate";
import { INTERNAL } from "./protocol";
import { shardCount, shardName, shardOf } from "./shards";

/** A stub of the fleet object class, typed through the `FLEET` binding (no import of the class). */
export type FleetStub = ReturnType<Env["FLEET"]["get"]>;

/**
 * The fleet's Durable Object (named by fleet id): it answers Hello, holds the
 * dashboards' sockets and every host's live view. Unless the fleet is
 * sharded (`FLEET_SHARDS` > 1) it also ingests and keeps every raw window.
 */
export function fleetStub(env: Env, fleetId: string): FleetStub {
  return env.FLEET.get(env.FLEET.idFromName(fleetId));
}

/** Ingest shard `k` of a sharded fleet. */
export function shardStub(env: Env, fleetId: string, k: number): FleetStub {
  return env.FLEET.get(env.FLEET.idFromName(shardName(fleetId, k)));
}

/** The object that ingests a host and holds its raw window: its shard, or the fleet's DO when unsharded. */
export function hostStub(env: Env, fleetId: string, hostId: string): FleetStub {
  const n = shardCount(env);
  return n > 1 ? shardStub(env, fleetId, shardOf(hostId, n)) : fleetStub(env, fleetId);
}

/**
 * Every object that may hold hosts' raw windows or streams: the fleet's DO,
 * then its shards. The fleet's DO stays in the list when sharded: hosts it
 * ingested before sharding was enabled stay there until their next Hello.
 */
export function fleetObjects(env: Env, fleetId: string): FleetStub[] {
  const n = shardCount(env);
  const shards = n > 1 ? Array.from({ length: n }, (_, k) => shardStub(env, fleetId, k)) : [];
  return [fleetStub(env, fleetId), ...shards];
}

/** What alert evaluation reads: every ingesting object's hosts and aggregates, concatenated. */
export async function fleetEvaluationInputs(
  env: Env,
  fleetId: string,
  queries: AggregateQuery[],
): Promise<EvaluationRead> {
  const parts = await Promise.all(fleetObjects(env, fleetId).map((s) => s.evaluationInputs(queries)));
  if (parts.length === 1 && parts[0]) return parts[0];
  return {
    hosts: parts.flatMap((p) => p.hosts),
    values: queries.map((_, i) => parts.flatMap((p) => p.values[i] ?? [])),
  };
}

/** Ends a revoked token's streams (wherever they run) and its dashboard sockets. */
export async function revokeFleetToken(env: Env, fleetId: string, tokenId: string): Promise<void> {
  await Promise.all(fleetObjects(env, fleetId).map((s) => s.revokeToken(tokenId)));
}

/** Forgets a host: its raw window where it lives and its view at the fleet's DO. False when unknown. */
export async function deleteFleetHost(env: Env, fleetId: string, hostId: string): Promise<boolean> {
  if (shardCount(env) === 1) return fleetStub(env, fleetId).deleteHost(hostId);
  // The shard first, so no later update from it brings the view back.
  const atShard = await hostStub(env, fleetId, hostId).deleteHost(hostId);
  const atFleet = await fleetStub(env, fleetId).deleteHost(hostId);
  return atShard || atFleet;
}

/**
 * Hands a request to the fleet's DO with the authenticated identity in
 * internal headers. Incoming copies of those headers are dropped first.
 * With `hostId` (ingest of a known host) it goes to the host's shard when
 * the fleet is sharded.
 */
export function forwardToFleet(
  env: Env,
  p: Principal,
  req: Request,
  to: { path?: string; hostId?: string } = {},
): Promise<Response> {
  const headers = new Headers(req.headers);
  for (const h of Object.values(INTERNAL)) if (h.startsWith("x-")) headers.delete(h);
  headers.set(INTERNAL.fleet, p.fleetId);
  headers.set(INTERNAL.tokenId, p.tokenId);
  headers.set(INTERNAL.role, p.role);
  const shards = shardCount(env);
  if (shards > 1) headers.set(INTERNAL.shards, String(shards));
  const url = new URL(req.url);
  if (to.path) url.pathname = to.path;
  const stub = to.hostId ? hostStub(env, p.fleetId, to.hostId) : fleetStub(env, p.fleetId);
  return stub.fetch(new Request(url, { method: req.method, headers, body: req.body }));
}
