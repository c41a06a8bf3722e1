import { env } from "cloudflare:workers";
import { inject } from "vitest";
import { probeDeps, runProbes } from "../../worker/src/probes/runner";
import { api } from "./alerts-helpers";

/** The loopback HTTP server of tests/worker/probe-targets.ts. */
export const targetUrl = (path: string) => `${inject("probeHttp")}${path}`;
/** `127.0.0.1:<port>` nothing listens on. */
export const closedTarget = () => `127.0.0.1:${inject("probeClosedPort")}`;

/** Creates a probe through the API; returns its id. */
export async function createProbe(fleet: { id: string; admin: string }, body: Record<string, unknown>) {
  const res = await api<{ probe: { id: string } }>(
    fleet.admin,
    "POST",
    `/api/fleets/${fleet.id}/probes`,
    body,
  );
  if (res.status !== 201) throw new Error(`probe not created: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json.probe.id;
}

/** One probing step of the cron at `now`, with the real fetch and connect. */
export function runProbesAt(now: number, overrides: Parameters<typeof probeDeps>[1] = {}) {
  return runProbes(env.DB, now, probeDeps(env, overrides));
}

/** A probe as the API shows it. */
export interface ProbeJson {
  id: string;
  name: string;
  headerNames: string[];
  last: {
    up: boolean;
    status: number | null;
    error: string | null;
    failures: number;
    latencyMs: number;
  } | null;
  uptime: { h24: number | null; d7: number | null; d30: number | null };
}

/** GET a probe of a fleet as its admin. */
export async function getProbe(fleet: { id: string; admin: string }, id: string): Promise<ProbeJson> {
  const res = await api<{ probe: ProbeJson }>(fleet.admin, "GET", `/api/fleets/${fleet.id}/probes/${id}`);
  if (res.status !== 200) throw new Error(`probe not read: ${res.status}`);
  return res.json.probe;
}
