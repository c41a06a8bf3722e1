import { and, eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Action } from "../alerts/plan";
import { HOST_DOWN } from "../alerts/rules";
import type { AlertRule } from "../db/alerts-schema";
import { type Probe, probes } from "../db/probes-schema";
import { parseHostPort } from "./check-tcp";
import { classifyError } from "./outcome";

/** A note names at most this many of a host's probes. */
const MAX_PROBES_NOTED = 3;
/** D1 binds at most 100 parameters a statement; the fleet takes one. */
const HOSTS_PER_QUERY = 90;

/** The port a probe reaches: the URL's (80 or 443 by scheme) or the tcp target's. */
export function probePort(p: Pick<Probe, "kind" | "target">): number | undefined {
  if (p.kind === "tcp") return parseHostPort(p.target)?.port;
  try {
    const url = new URL(p.target);
    return url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  } catch {
    return undefined;
  }
}

function ago(ms: number): string {
  const min = Math.round(ms / 60_000);
  return min < 60 ? `${min} min ago` : `${Math.round(min / 60)} h ago`;
}

/**
 * What a host's probe last saw, for its Host down notification: whether the
 * host still answers from outside while its agent is silent ("agent silent,
 * host answers on 443 (HTTP 200 in 35 ms)") or not ("unreachable:
 * connection refused"). A check older than the probe's interval (and the
 * cron's minute) says how old it is. Undefined for a paused probe or one
 * never checked.
 */
export function probeNote(
  p: Pick<
    Probe,
    | "kind"
    | "target"
    | "enabled"
    | "intervalS"
    | "lastCheckedAt"
    | "lastUp"
    | "lastLatencyMs"
    | "lastStatus"
    | "lastError"
  >,
  now: number,
): string | undefined {
  if (!p.enabled || p.lastCheckedAt === null) return undefined;
  const port = probePort(p);
  const on = port === undefined ? "" : ` on ${port}`;
  let text: string;
  if (p.lastUp) {
    const how = p.kind === "http" ? `HTTP ${p.lastStatus ?? "?"}` : "TCP connect";
    text = `agent silent, host answers${on} (${how} in ${p.lastLatencyMs ?? "?"} ms)`;
  } else if (p.lastStatus !== null) {
    // An answer outside the expected range (or without the keyword) still proves the host is up.
    text = `agent silent, host answers${on} but the check fails: ${p.lastError ?? `HTTP ${p.lastStatus}`}`;
  } else {
    const error = p.lastError ?? "no answer";
    text = `unreachable${on}: ${classifyError(new Error(error)) === "refused" ? "connection refused" : error}`;
  }
  const age = now - p.lastCheckedAt;
  return age > p.intervalS * 1000 + 60_000 ? `${text}, checked ${ago(age)}` : text;
}

/** One note from a host's probes (by name): one probe as is, several each under its name. */
export function hostNote(list: (Parameters<typeof probeNote>[0] & { name: string })[], now: number) {
  const parts = list
    .map((p) => ({ name: p.name, note: probeNote(p, now) }))
    .filter((x): x is { name: string; note: string } => x.note !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (parts.length <= 1) return parts[0]?.note;
  const shown = parts.slice(0, MAX_PROBES_NOTED).map((x) => `probe ${x.name}: ${x.note}`);
  const more = parts.length - shown.length;
  return more > 0 ? `${shown.join("; ")}; and ${more} more` : shown.join("; ");
}

/**
 * Notes for the Host down notifications of an evaluation (firing and
 * repeats), by alert id: what the probes linked to each host last saw.
 * Reads the fleet's probes only when such a notification is due. The hook
 * of alerts/evaluate.ts; a note is extra, so a failure to read probes is
 * logged and the notifications go without.
 */
export async function hostDownNotes(
  db: D1Database,
  fleetId: string,
  actions: Action[],
  rules: Pick<AlertRule, "id" | "metric">[],
  now: number,
): Promise<Map<string, string>> {
  const notes = new Map<string, string>();
  const downRules = new Set(rules.filter((r) => r.metric === HOST_DOWN).map((r) => r.id));
  const due = actions.flatMap((a) =>
    a.kind !== "delete" && (a.notify === "firing" || a.notify === "repeat") && downRules.has(a.alert.ruleId)
      ? [a.alert]
      : [],
  );
  if (due.length === 0) return notes;
  try {
    const hostIds = [...new Set(due.map((a) => a.hostId))];
    const byHost = new Map<string, Probe[]>();
    for (let i = 0; i < hostIds.length; i += HOSTS_PER_QUERY) {
      const rows = await drizzle(db)
        .select()
        .from(probes)
        .where(
          and(eq(probes.fleetId, fleetId), inArray(probes.hostId, hostIds.slice(i, i + HOSTS_PER_QUERY))),
        )
        .all();
      for (const r of rows) {
        const hostId = r.hostId ?? "";
        byHost.set(hostId, [...(byHost.get(hostId) ?? []), r]);
      }
    }
    for (const a of due) {
      const note = hostNote(byHost.get(a.hostId) ?? [], now);
      if (note) notes.set(a.id, note);
    }
  } catch (e) {
    console.error(`probes: reading the probes of fleet ${fleetId}'s hosts for Host down notes failed:`, e);
  }
  return notes;
}
