import { alertStatus, type PayloadAlert } from "./payload";
import { type SilenceMatchers, silenceMatches } from "./silences";

/** Matchers of a policy: the silences' matchers; `{}` matches every alert. */
export type PolicyMatchers = SilenceMatchers;

/**
 * Fields a policy groups by: the rule's name, the severity, the hostname,
 * the series, a host label (`label:env`), or `...` for one group per alert.
 */
export type GroupField = "rule" | "severity" | "host" | "series" | "..." | `label:${string}`;

/** A notification policy as routing uses it. */
export interface Policy {
  id: string;
  name: string;
  matchers: PolicyMatchers;
  /** null: every enabled channel of the fleet. */
  channelIds: string[] | null;
  continueMatching: boolean;
  groupBy: GroupField[];
  groupWaitS: number;
  groupIntervalS: number;
  muteIntervalIds: string[];
}

/** The default policy of a fleet that never saved one: every channel, one message per rule per run. */
export const DEFAULT_POLICY: Omit<Policy, "id"> = {
  name: "Default",
  matchers: {},
  channelIds: null,
  continueMatching: false,
  groupBy: ["rule"],
  groupWaitS: 0,
  groupIntervalS: 0,
  muteIntervalIds: [],
};

/** Id the default policy has when the fleet never saved one. */
export const DEFAULT_POLICY_ID = "default";

/**
 * The policies an alert goes by: each policy in order whose matchers all
 * match, stopping at the first that does not say `continue`; the default
 * policy when none matched.
 */
export function routeAlert(policies: Policy[], fallback: Policy, a: PayloadAlert): Policy[] {
  const target = { rule: a.rule, hostname: a.host, severity: a.severity, labels: a.labels };
  const matched: Policy[] = [];
  for (const p of policies) {
    if (!silenceMatches(p.matchers, target)) continue;
    matched.push(p);
    if (!p.continueMatching) break;
  }
  return matched.length > 0 ? matched : [fallback];
}

/** The values the policy groups an alert by, in the policy's order. */
export function groupLabels(p: Policy, a: PayloadAlert): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of p.groupBy) {
    if (f === "...") out.alert = a.fingerprint;
    else if (f.startsWith("label:")) out[f] = a.labels[f.slice(6)] ?? "";
    else if (f === "rule") out.rule = a.rule;
    else if (f === "severity") out.severity = a.severity;
    else if (f === "host") out.host = a.host;
    else if (f === "series") out.series = a.series;
  }
  return out;
}

/** hex SHA-256 (first 128 bits) of (fleet, policy, group values): a group's identity. */
export async function groupKeyOf(
  fleetId: string,
  policyId: string,
  labels: Record<string, string>,
): Promise<string> {
  const text = JSON.stringify([fleetId, policyId, Object.entries(labels)]);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let hex = "";
  for (const b of digest.subarray(0, 16)) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** An alert in a group, with whether a message already announced it firing. */
export interface GroupAlert extends PayloadAlert {
  /** The episode's id (`alerts.id`). */
  alertId: string;
  announced: boolean;
}

/** A notification group between dispatches. */
export interface GroupState {
  groupKey: string;
  policyId: string;
  groupLabels: Record<string, string>;
  alerts: GroupAlert[];
  changedAt: number | null;
  flushedAt: number | null;
}

/** Adds (or replaces) an alert's latest state in a group and marks the group changed. */
export function addToGroup(g: GroupState, alertId: string, a: PayloadAlert, now: number): void {
  const i = g.alerts.findIndex((x) => x.fingerprint === a.fingerprint);
  const announced = i >= 0 && (g.alerts[i] as GroupAlert).announced;
  const next: GroupAlert = { ...a, status: alertStatus(a), alertId, announced };
  if (i >= 0) g.alerts[i] = next;
  else g.alerts.push(next);
  g.changedAt ??= now;
}

/**
 * When a group's waiting changes may go: a new group waits `group_wait`
 * after its first change; later changes wait for `group_interval` after the
 * group's last message. null: nothing waits.
 */
export function dueAt(g: GroupState, p: Pick<Policy, "groupWaitS" | "groupIntervalS">): number | null {
  if (g.changedAt === null) return null;
  if (g.flushedAt === null) return g.changedAt + p.groupWaitS * 1000;
  // No interval: at once (even when the clock of an earlier run was ahead).
  if (p.groupIntervalS === 0) return g.changedAt;
  return Math.max(g.changedAt, g.flushedAt + p.groupIntervalS * 1000);
}

/** One message of a group, and the group after it (null: nothing is left to track). */
export interface Flush {
  /** Alerts the message lists; empty: nothing to send (only never-announced alerts resolved). */
  alerts: GroupAlert[];
  status: "firing" | "resolved";
  /** Every listed alert was already announced firing and still fires: a reminder. */
  repeat: boolean;
  next: GroupState | null;
}

/**
 * Flushes a group: the message lists every firing alert and the alerts
 * resolved since the last message that had been announced firing (a
 * resolve of an alert nobody heard of is dropped, as Alertmanager does).
 * Afterwards the firing alerts count as announced and resolved ones leave.
 */
export function flushGroup(g: GroupState, now: number): Flush {
  const listed = g.alerts.filter((a) => a.status === "firing" || a.announced);
  const firing = g.alerts.filter((a) => a.status === "firing");
  const repeat = listed.length > 0 && listed.every((a) => a.status === "firing" && a.announced);
  const next: GroupState | null =
    firing.length > 0
      ? { ...g, alerts: firing.map((a) => ({ ...a, announced: true })), changedAt: null, flushedAt: now }
      : null;
  return { alerts: listed, status: firing.length > 0 ? "firing" : "resolved", repeat, next };
}
