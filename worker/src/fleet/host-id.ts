import { sha256Hex } from "../auth/secrets";
import type { HostInfoView } from "../metrics/types";

/**
 * A host's id is derived from its machine id (or hostname when the agent has
 * none), so a restarted or reinstalled agent keeps its history.
 */
export async function hostIdFor(info: HostInfoView): Promise<string> {
  const key = info.machineId ? `machine:${info.machineId}` : `hostname:${info.hostname.toLowerCase()}`;
  return `h_${(await sha256Hex(key)).slice(0, 20)}`;
}
