import { z } from "zod";
import { SEVERITIES, type Severity } from "../db/alerts-schema";
import { type Check, LabelsSchema, schemaCheck, tryDecodeStored } from "../db/stored-json";
import { globMatch, labelsMatch } from "./glob";

/** What a silence matches; every given matcher must match. */
export interface SilenceMatchers {
  /** Glob on the rule name. */
  rule?: string;
  /** Glob on the hostname (case-insensitive). */
  host?: string;
  severity?: Severity;
  /** `label: glob`; the host must have each label. */
  labels?: Record<string, string>;
}

/** A silence as evaluation sees it. */
export interface ActiveSilence {
  matchers: SilenceMatchers;
  startsAt: number;
  endsAt: number;
}

/** The alert facts silences match on. */
export interface SilenceTarget {
  rule: string;
  hostname: string;
  severity: Severity;
  labels: Record<string, string>;
}

export function silenceMatches(m: SilenceMatchers, t: SilenceTarget): boolean {
  if (m.rule !== undefined && !globMatch(m.rule, t.rule)) return false;
  if (m.host !== undefined && !globMatch(m.host, t.hostname, true)) return false;
  if (m.severity !== undefined && m.severity !== t.severity) return false;
  if (m.labels !== undefined && !labelsMatch(m.labels, t.labels)) return false;
  return true;
}

/** Whether a silence in effect at `now` mutes the alert. */
export function isSilenced(silences: ActiveSilence[], t: SilenceTarget, now: number): boolean {
  return silences.some((s) => s.startsAt <= now && now < s.endsAt && silenceMatches(s.matchers, t));
}

/** Matches no alert (no rule name contains NUL). */
const NOTHING: SilenceMatchers = { rule: "\u0000" };

/**
 * Stored matchers as the silences API writes them. Strict: a matcher this
 * reader does not know (or one of a wrong type) cannot just be dropped, as
 * dropping a matcher widens the silence.
 */
const MatchersSchema = z
  .strictObject({
    rule: z.string().optional(),
    host: z.string().optional(),
    severity: z.enum(SEVERITIES).optional(),
    labels: LabelsSchema.optional(),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), "no matcher: it would silence everything");

const checkMatchers: Check<SilenceMatchers> = schemaCheck(MatchersSchema);

/**
 * Parses stored matchers defensively: a malformed row must silence nothing,
 * not everything. The failure is logged with `where` (the row).
 */
export function parseMatchers(json: string, where = "alert_silences.matchers"): SilenceMatchers {
  const r = tryDecodeStored(json, checkMatchers, where);
  if (r.ok) return r.value;
  console.error(`${r.error.message}; the silence matches nothing`);
  return NOTHING;
}
