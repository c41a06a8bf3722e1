import { alertStatus, type PayloadAlert, type WebhookPayload } from "./payload";

/**
 * Text every channel format shares: a notification's headline, one line per
 * alert and the fitting of a list into a service's size limit. A
 * notification may carry a group of alerts (firing and resolved mixed); a
 * single alert reads as it always has.
 */

/** One alert's line: its own state, severity, rule, where, value and threshold. */
export function alertLine(p: WebhookPayload, a: PayloadAlert): string {
  if (p.status === "test") return `TEST notification from fleetwatch (fleet ${p.fleet}): this channel works`;
  const where = a.series ? `${a.host} ${a.series}` : a.host;
  const state = alertStatus(a) === "firing" ? `FIRING [${a.severity}]` : "RESOLVED";
  const note = a.note ? ` · ${a.note}` : "";
  return `${state} ${a.rule} on ${where}: ${a.value} (threshold ${a.threshold})${note}`;
}

/** The alerts in reading order: firing first, then resolved, each in the payload's order. */
export function orderedAlerts(p: WebhookPayload): PayloadAlert[] {
  if (p.status === "test") return p.alerts;
  return [
    ...p.alerts.filter((a) => alertStatus(a) === "firing"),
    ...p.alerts.filter((a) => alertStatus(a) === "resolved"),
  ];
}

/** How many alerts of the notification fire and how many resolved. */
export function alertCounts(p: WebhookPayload): { firing: number; resolved: number } {
  const firing = p.alerts.filter((a) => alertStatus(a) === "firing").length;
  return { firing, resolved: p.alerts.length - firing };
}

/** "3 firing, 1 resolved" (a zero count left out). */
export function countsText(p: WebhookPayload): string {
  const { firing, resolved } = alertCounts(p);
  return [firing ? `${firing} firing` : "", resolved ? `${resolved} resolved` : ""]
    .filter(Boolean)
    .join(", ");
}

/**
 * What the group's alerts have in common: the values it is grouped by
 * (`CPU high`, `env=prod`), else its rule names.
 */
export function groupTitle(p: WebhookPayload): string {
  const parts = Object.entries("groupLabels" in p ? (p.groupLabels ?? {}) : {})
    .filter(([k, v]) => k !== "alert" && v !== "")
    .map(([k, v]) => (k === "rule" ? v : `${k.replace(/^label:/, "")}=${v}`));
  if (parts.length > 0) return parts.join(", ");
  const rules = [...new Set(p.alerts.map((a) => a.rule))];
  return rules.length <= 3
    ? rules.join(", ")
    : `${rules.slice(0, 3).join(", ")} and ${rules.length - 3} more`;
}

/** Whether the notification lists several alerts (a single one reads as one line). */
export function isGroup(p: WebhookPayload): boolean {
  return p.status !== "test" && p.alerts.length > 1;
}

/** The notification's headline: the one alert's line, or "3 firing, 1 resolved: CPU high". */
export function headline(p: WebhookPayload): string {
  const first = p.alerts[0];
  if (!isGroup(p) || !first) return first ? alertLine(p, first) : `fleetwatch ${p.status}`;
  return `${countsText(p)}: ${groupTitle(p)}`;
}

/** A short title: "FIRING: cpu high", "RESOLVED: cpu high", "FIRING 3, RESOLVED 1: CPU high". */
export function shortTitle(p: WebhookPayload): string {
  if (p.status === "test") return "fleetwatch test";
  if (!isGroup(p)) return `${p.status.toUpperCase()}: ${p.alerts[0]?.rule ?? ""}`;
  const { firing, resolved } = alertCounts(p);
  const counts = [firing ? `FIRING ${firing}` : "", resolved ? `RESOLVED ${resolved}` : ""].filter(Boolean);
  return `${counts.join(", ")}: ${groupTitle(p)}`;
}

/** "and 3 more": the line that stands for the alerts left out of a list. */
export function moreLine(n: number): string {
  return `… and ${n} more`;
}

/** Room kept for `moreLine` (and its separator) in a size budget. */
const MORE_RESERVE = moreLine(1_000_000).length + 2;

/**
 * The first `items` that fit in `budget` (measured with `size`, one
 * separator of 1 between them) and at most `max` of them, then `moreLine`
 * for the rest. Items are whole or left out, so no markup is cut in half.
 */
export function fitList(
  items: string[],
  budget: number,
  opts: { max?: number; size?: (s: string) => number } = {},
): string[] {
  const size = opts.size ?? ((s: string) => s.length);
  const max = opts.max ?? Number.POSITIVE_INFINITY;
  const out: string[] = [];
  let used = 0;
  for (const [i, item] of items.entries()) {
    const rest = items.length - i;
    const reserve = rest > 1 ? MORE_RESERVE : 0;
    const cost = size(item) + (out.length > 0 ? 1 : 0);
    if (out.length >= max || used + cost + reserve > budget) {
      out.push(moreLine(rest));
      return out;
    }
    out.push(item);
    used += cost;
  }
  return out;
}

/** UTF-8 byte length (ntfy limits its message in bytes). */
export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** The page a notification's reader opens: the host's page (the channels section for a test). */
export function clickUrl(p: WebhookPayload): string | undefined {
  const url = p.alerts[0]?.url;
  return url && /^https?:\/\//.test(url) ? url : undefined;
}

/** "since …, resolved …" of one alert. */
export function alertTimes(a: PayloadAlert): string {
  return `since ${a.startsAt}${a.endsAt ? ` · resolved ${a.endsAt}` : ""}`;
}

/**
 * The plain text of a notification within `budget` characters: the headline,
 * one line per alert of a group, then the fleet (and the times of a single
 * alert).
 */
export function messageText(p: WebhookPayload, budget = 4096, size?: (s: string) => number): string {
  const first = p.alerts[0];
  if (p.status === "test" || !first) return headline(p);
  if (!isGroup(p)) return `${alertLine(p, first)}\nfleet ${p.fleet} · ${alertTimes(first)}`;
  const head = headline(p);
  const foot = `fleet ${p.fleet}`;
  const measure = size ?? ((s: string) => s.length);
  const room = budget - measure(head) - measure(foot) - 2;
  const lines = fitList(
    orderedAlerts(p).map((a) => alertLine(p, a)),
    room,
    size ? { size } : {},
  );
  return [head, ...lines, foot].join("\n");
}

/** Urgency of a notification on a 1 (lowest) .. 5 (highest) scale, as ntfy counts. */
export function urgency(p: WebhookPayload): 1 | 2 | 3 | 4 | 5 {
  if (p.status === "test") return 2;
  if (p.status === "resolved") return 3;
  const firing = p.alerts.filter((a) => alertStatus(a) === "firing");
  return firing.some((a) => a.severity === "critical") ? 5 : 4;
}

export function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}
