import type { Severity } from "../db/alerts-schema";
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

/** Parses stored matchers defensively: a malformed row must silence nothing, not everything. */
export function parseMatchers(json: string): SilenceMatchers {
  try {
    const v = JSON.parse(json) as unknown;
    if (!v || typeof v !== "object" || Array.isArray(v)) return NOTHING;
    const o = v as Record<string, unknown>;
    const m: SilenceMatchers = {};
    if (typeof o.rule === "string") m.rule = o.rule;
    if (typeof o.host === "string") m.host = o.host;
    if (o.severity === "warning" || o.severity === "critical") m.severity = o.severity;
    if (o.labels && typeof o.labels === "object" && !Array.isArray(o.labels)) {
      const labels: Record<string, string> = {};
      for (const [k, x] of Object.entries(o.labels)) if (typeof x === "string") labels[k] = x;
      m.labels = labels;
    }
    return m;
  } catch {
    return NOTHING;
  }
}
