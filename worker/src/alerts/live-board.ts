import type { Alert, Severity } from "../db/alerts-schema";
import type { Action } from "./plan";

/** An open alert as dashboards show it live: the value is the one the last evaluation saw. */
export interface LiveAlert {
  id: string;
  fingerprint: string;
  ruleId: string;
  rule: string;
  severity: Severity;
  hostId: string;
  host: string;
  series: string;
  state: "pending" | "firing";
  /** The value at the last evaluation (not frozen at the transition). */
  value: number;
  threshold: number;
  pendingSince: number;
  startsAt: number | null;
  /** A silence mutes its notifications now. */
  silenced: boolean;
}

/** The fleet's open alerts after an evaluation. */
export interface AlertBoard {
  /** When the fleet's rules were last evaluated; null before the first evaluation. */
  evaluatedAt: number | null;
  alerts: LiveAlert[];
}

/**
 * What one evaluation tells the fleet's object. A scoped evaluation (the
 * object's own host-down check) replaces only the alerts of its rules and hosts.
 */
export interface AlertBoardUpdate {
  evaluatedAt: number;
  alerts: LiveAlert[];
  scope?: { ruleIds: string[]; hostIds: string[] };
}

/** The dashboard socket frame with the fleet's open alerts, on connect and after each evaluation. */
export interface AlertsFrame extends AlertBoard {
  type: "alerts";
  serverTime: number;
}

/** The board after an update. */
export function mergeBoard(board: AlertBoard, u: AlertBoardUpdate): AlertBoard {
  const scope = u.scope;
  if (!scope) return { evaluatedAt: u.evaluatedAt, alerts: sortAlerts(u.alerts) };
  const rules = new Set(scope.ruleIds);
  const hosts = new Set(scope.hostIds);
  const kept = board.alerts.filter((a) => !(rules.has(a.ruleId) && hosts.has(a.hostId)));
  // A scoped check does not evaluate the rest of the fleet: the time of the last full evaluation stays.
  return { evaluatedAt: board.evaluatedAt ?? u.evaluatedAt, alerts: sortAlerts([...kept, ...u.alerts]) };
}

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1 };

/** Firing before pending, critical before warning, then by rule and host: a stable order to diff. */
function sortAlerts(alerts: LiveAlert[]): LiveAlert[] {
  return [...alerts].sort(
    (a, b) =>
      (a.state === b.state ? 0 : a.state === "firing" ? -1 : 1) ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.rule.localeCompare(b.rule) ||
      a.host.localeCompare(b.host) ||
      a.series.localeCompare(b.series),
  );
}

/**
 * The open alerts after an evaluation's actions are written: the episodes
 * that were open, with the new ones, the transitions applied and the
 * resolved and dropped ones gone, each with the value just observed.
 */
export function openAfter(
  open: Alert[],
  actions: Action[],
  observed: ReadonlyMap<string, number>,
  silenced: (a: Alert) => boolean,
): LiveAlert[] {
  const byId = new Map(open.map((a) => [a.id, a]));
  for (const x of actions) {
    if (x.kind === "delete") byId.delete(x.id);
    else if (x.alert.state === "resolved") byId.delete(x.alert.id);
    else byId.set(x.alert.id, x.alert);
  }
  return [...byId.values()].map((a) => ({
    id: a.id,
    fingerprint: a.fingerprint,
    ruleId: a.ruleId,
    rule: a.ruleName,
    severity: a.severity,
    hostId: a.hostId,
    host: a.hostname,
    series: a.series,
    state: a.state === "firing" ? "firing" : "pending",
    value: observed.get(a.fingerprint) ?? a.value,
    threshold: a.threshold,
    pendingSince: a.pendingSince,
    startsAt: a.startsAt,
    silenced: silenced(a),
  }));
}
