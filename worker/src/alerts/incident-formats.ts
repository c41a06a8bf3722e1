import { alertStatus, type WebhookPayload } from "./payload";
import { alertLine, clickUrl, fitList, groupTitle, headline, isGroup, orderedAlerts } from "./summary";

/** Incident tools' formats: PagerDuty Events API v2 and Alertmanager's API v2. */

/** PagerDuty: alert lines listed in a group's custom details at most. */
const PAGERDUTY_MAX_LISTED = 100;

/**
 * PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/):
 * the channel's secret is the integration's routing key. One event per
 * notification, as Alertmanager's PagerDuty integration sends one per group:
 * the dedup key is the group's key (the alert's fingerprint in payloads
 * without one), `trigger` while any alert of the group fires (a trigger
 * with a known key updates the open incident) and `resolve` once all have
 * resolved, which closes it. A test triggers an `info` event under a key of
 * its own.
 */
export function pagerdutyBody(p: WebhookPayload, routingKey: string): Record<string, unknown> {
  const alerts = orderedAlerts(p);
  const a = alerts[0];
  const click = clickUrl(p);
  const test = p.status === "test";
  const group = isGroup(p);
  const firing = p.alerts.filter((x) => alertStatus(x) === "firing");
  const critical = (firing.length > 0 ? firing : p.alerts).some((x) => x.severity === "critical");
  const hosts = new Set(p.alerts.map((x) => x.host));
  const groupKey = "groupKey" in p ? p.groupKey : undefined;
  const lines = (status: "firing" | "resolved") =>
    fitList(
      alerts.filter((x) => alertStatus(x) === status).map((x) => alertLine(p, x)),
      Number.POSITIVE_INFINITY,
      { max: PAGERDUTY_MAX_LISTED },
    );
  return {
    routing_key: routingKey,
    event_action: p.status === "resolved" ? "resolve" : "trigger",
    dedup_key: test ? `fleetwatch-test-${p.fleet}` : (groupKey ?? a?.fingerprint ?? ""),
    payload: {
      summary: headline(p).slice(0, 1024),
      source: test ? `fleetwatch/${p.fleet}` : hosts.size === 1 && a ? a.host || p.fleet : p.fleet,
      severity: test ? "info" : critical ? "critical" : "warning",
      timestamp: p.alerts.map((x) => x.startsAt).sort()[0],
      group: p.fleet,
      class: test ? "test" : group ? groupTitle(p) : a?.rule,
      ...(!group && a?.series ? { component: a.series } : {}),
      custom_details:
        test || !a
          ? { fleet: p.fleet }
          : group
            ? { fleet: p.fleet, firing: lines("firing"), resolved: lines("resolved") }
            : { fleet: p.fleet, host_id: a.hostId, value: a.value, threshold: a.threshold, labels: a.labels },
    },
    client: "fleetwatch",
    ...(click
      ? { client_url: click, links: [{ href: click, text: test ? "Open channels" : "Open host" }] }
      : {}),
  };
}

/** Where an Alertmanager channel posts: `<base>/api/v2/alerts`, unless the URL already names it. */
export function alertmanagerEndpoint(url: string): string {
  const u = new URL(url);
  if (!u.pathname.endsWith("/api/v2/alerts")) u.pathname = `${u.pathname.replace(/\/+$/, "")}/api/v2/alerts`;
  return u.toString();
}

/** A firing alert stays active in Alertmanager this long unless fleetwatch resolves it first. */
export const ALERTMANAGER_HOLD_MS = 7 * 24 * 3_600_000;

/**
 * Host labels as Alertmanager takes them: label names match
 * `[a-zA-Z_][a-zA-Z0-9_]*` (an alert with another name is refused whole),
 * so `.` and `-` in a host label's key become `_`, as Prometheus relabeling
 * does.
 */
function promLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[k.replace(/[^A-Za-z0-9_]/g, "_")] = v;
  return out;
}

/**
 * Alertmanager's API v2 (`POST /api/v2/alerts`, postableAlerts:
 * https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml):
 * one element per alert of the notification, with labels to route and group
 * on (alertname = the rule, severity, host, fleet, the host's labels) so the
 * user's routing, inhibition and receivers apply. fleetwatch sends on
 * firing, repeat and resolve, not every evaluation, so a firing alert's
 * endsAt is a week ahead (a repeat moves it on) and a resolved one's is its
 * own resolve time. A test ends by itself in 5 minutes.
 */
export function alertmanagerBody(p: WebhookPayload, now: number): unknown[] {
  return p.alerts.map((a) => {
    const labels: Record<string, string> =
      p.status === "test"
        ? { alertname: "FleetwatchTest", severity: "info", fleet: p.fleet }
        : {
            // The host's labels first: fleetwatch's own names win a clash.
            ...promLabels(a.labels),
            alertname: a.rule,
            severity: a.severity,
            host: a.host,
            host_id: a.hostId,
            fleet: p.fleet,
            ...(a.series ? { series: a.series } : {}),
          };
    const endsAt =
      p.status === "test"
        ? new Date(now + 5 * 60_000).toISOString()
        : alertStatus(a) === "resolved"
          ? (a.endsAt ?? new Date(now).toISOString())
          : new Date(now + ALERTMANAGER_HOLD_MS).toISOString();
    return {
      labels,
      annotations: {
        summary: alertLine(p, a),
        ...(p.status === "test" ? {} : { value: String(a.value), threshold: String(a.threshold) }),
      },
      startsAt: a.startsAt,
      endsAt,
      ...(/^https?:\/\//.test(a.url) ? { generatorURL: a.url } : {}),
    };
  });
}
