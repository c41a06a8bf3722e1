import { and, eq, inArray, ne } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { alerts } from "../db/alerts-schema";
import { probes, type StatusPage } from "../db/probes-schema";
import { schemaCheck, tryDecodeStored } from "../db/stored-json";
import { fleetStub } from "../fleet/stub";
import { displayName } from "../http/text";
import { DAY_MS, dayOf } from "./history-codec";
import { type HostDay, hostDays, hostDownHistory } from "./host-uptime";
import { probeSubject } from "./observe";
import { PROBE_HISTORY_DAYS, readDays } from "./store";

/** A status page's address: `/status/<slug>`. */
export const SLUG = /^[a-z0-9](?:[a-z0-9-]{1,46}[a-z0-9])$/;

/** One thing a status page shows, under the public name given here (never its id or labels). */
export const StatusEntry = z.strictObject({
  kind: z.enum(["probe", "host"]),
  id: z.string().min(1).max(200),
  name: displayName,
});
export type StatusEntry = z.output<typeof StatusEntry>;

/** The status page's settings as the REST API reads and writes them. */
export const StatusPageBody = z.strictObject({
  slug: z
    .string()
    .regex(SLUG, "3-48 characters: lower-case letters, digits and dashes, no dash at either end"),
  title: displayName,
  enabled: z.boolean(),
  entries: z.array(StatusEntry).max(50, "at most 50 entries"),
  note: z.string().trim().max(1000).nullable().optional(),
});
export type StatusPageSpec = z.output<typeof StatusPageBody>;

const checkEntries = schemaCheck(z.array(StatusEntry));

/** The stored entries; a bad row shows nothing (never more than was chosen). */
export function statusEntries(row: Pick<StatusPage, "fleetId" | "entries">): StatusEntry[] {
  const r = tryDecodeStored(row.entries, checkEntries, `status_pages row ${row.fleetId}: entries`);
  if (r.ok) return r.value;
  console.error(`${r.error.message}; the status page shows no entries`);
  return [];
}

/** Settings row -> API view. */
export function statusPageView(row: StatusPage) {
  return {
    slug: row.slug,
    title: row.title,
    enabled: row.enabled,
    entries: statusEntries(row),
    note: row.note,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

const pct = (up: number, checks: number) => (checks > 0 ? Math.round((up / checks) * 10_000) / 100 : null);

/** One day's bar of a probe: checks and successful ones (0 checks: no data). */
export interface ProbeDay {
  day: number;
  /** Percent of the day's checks that succeeded, two decimals; null without checks. */
  uptime: number | null;
  checks: number;
  up: number;
}

/** One day's bar: a probe's (checks) or a host's (minutes down, host-uptime.ts). */
export type PublicDay = ProbeDay | HostDay;

/** One entry as the public sees it: its public name, state and 90 days of bars. */
export interface PublicEntry {
  name: string;
  kind: "probe" | "host";
  status: "up" | "down" | "unknown";
  /** Percent over the 90 days, two decimals; null without data. */
  uptime: number | null;
  /** Oldest first, one per day of the last 90. */
  days: PublicDay[];
}

/** A firing alert of a chosen entry. */
export interface PublicIncident {
  title: string;
  name: string;
  since: number;
  severity: string;
}

/** The public status page's content: only what the fleet chose, under the names it gave. */
export interface PublicStatus {
  title: string;
  note: string | null;
  generatedAt: number;
  status: "operational" | "degraded" | "outage";
  entries: PublicEntry[];
  incidents: PublicIncident[];
}

/**
 * Builds the public content of an enabled status page: the chosen probes
 * (latest check, bars from their day counters) and hosts (online or not,
 * from the fleet's object; bars from their Host down history,
 * host-uptime.ts), and the firing alerts of those only.
 */
export async function publicStatus(env: Env, page: StatusPage, now: number): Promise<PublicStatus> {
  const entries = statusEntries(page);
  const probeIds = entries.filter((e) => e.kind === "probe").map((e) => e.id);
  const hostIds = entries.filter((e) => e.kind === "host").map((e) => e.id);
  const today = dayOf(now);
  const first = today - PROBE_HISTORY_DAYS + 1;
  const db = drizzle(env.DB);
  const subjects = [...probeIds.map(probeSubject), ...hostIds];
  const [probeRows, days, hosts, firing, hostHistory] = await Promise.all([
    probeIds.length
      ? db
          .select()
          .from(probes)
          .where(and(eq(probes.fleetId, page.fleetId), inArray(probes.id, probeIds)))
          .all()
      : [],
    probeIds.length ? readDays(env.DB, page.fleetId, first, { dataFromDay: today + 1 }) : [],
    hostIds.length ? fleetStub(env, page.fleetId).listHosts() : [],
    subjects.length
      ? db
          .select()
          .from(alerts)
          .where(
            and(
              eq(alerts.fleetId, page.fleetId),
              ne(alerts.state, "resolved"),
              inArray(alerts.hostId, subjects),
            ),
          )
          .all()
      : [],
    hostDownHistory(env.DB, page.fleetId, hostIds, first * DAY_MS, now),
  ]);
  const probeById = new Map(probeRows.map((p) => [p.id, p]));
  const hostById = new Map(hosts.map((h) => [h.id, h]));
  const out: PublicEntry[] = [];
  for (const e of entries) {
    if (e.kind === "probe") {
      const p = probeById.get(e.id);
      if (!p) continue;
      const mine = new Map(days.filter((d) => d.probeId === p.id).map((d) => [d.day, d]));
      const bars = Array.from({ length: PROBE_HISTORY_DAYS }, (_, i) => {
        const d = mine.get(first + i);
        const checks = d?.checks ?? 0;
        const up = d?.up ?? 0;
        return { day: (first + i) * DAY_MS, uptime: pct(up, checks), checks, up };
      });
      const checks = bars.reduce((n, b) => n + b.checks, 0);
      const up = bars.reduce((n, b) => n + b.up, 0);
      out.push({
        name: e.name,
        kind: "probe",
        status: !p.enabled || p.lastUp === null ? "unknown" : p.lastUp ? "up" : "down",
        uptime: pct(up, checks),
        days: bars,
      });
    } else {
      const h = hostById.get(e.id);
      if (!h) continue;
      const bars = hostDays(
        hostHistory.spans.get(h.id) ?? [],
        first,
        PROBE_HISTORY_DAYS,
        hostHistory.knownSince.get(h.id) ?? now,
        now,
      );
      out.push({
        name: e.name,
        kind: "host",
        status: h.status === "online" ? "up" : h.lastSeen === 0 ? "unknown" : "down",
        uptime: bars.uptime,
        days: bars.days,
      });
    }
  }
  const nameOf = new Map(entries.map((e) => [e.kind === "probe" ? probeSubject(e.id) : e.id, e.name]));
  const incidents = firing
    .filter((a) => a.state === "firing")
    .map((a) => ({
      title: a.ruleName,
      name: nameOf.get(a.hostId) ?? "",
      since: a.startsAt ?? a.pendingSince,
      severity: a.severity,
    }))
    .sort((a, b) => a.since - b.since);
  const down = out.filter((e) => e.status === "down").length;
  return {
    title: page.title,
    note: page.note,
    generatedAt: now,
    status: down === 0 ? "operational" : down === out.length ? "outage" : "degraded",
    entries: out,
    incidents,
  };
}
