import type { AlertState, NotificationEvent, NotificationStatus, Severity } from "../db/alerts-schema";
import type { AlertPayload } from "./payload";
import type { SilenceMatchers } from "./silences";

// What the alerts REST API returns. Types only (no runtime, no Workers `Env`),
// so the dashboard imports them instead of copying them.

/** An alert episode as the API returns it. */
export interface AlertView {
  id: string;
  fingerprint: string;
  ruleId: string;
  rule: string;
  severity: Severity;
  hostId: string;
  host: string;
  series: string;
  labels: Record<string, string>;
  state: AlertState;
  value: number;
  threshold: number;
  pendingSince: number;
  startsAt: number | null;
  endsAt: number | null;
  lastNotifiedAt: number | null;
  /** A silence mutes it now. */
  silenced: boolean;
}

/** One outbox row: a notification to one channel, with its delivery record. */
export interface NotificationView {
  id: string;
  channelId: string;
  channel: string;
  alertId: string | null;
  event: NotificationEvent;
  status: NotificationStatus;
  /** What it announces: the payload's status, its first alert, and how many alerts it lists. */
  summary: { status: AlertPayload["status"]; rule: string; host: string; alerts: number } | null;
  /** The notification group it went out for; null for tests and messages queued before grouping. */
  groupKey: string | null;
  attempts: number;
  nextAttemptAt: number | null;
  lastAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

/** A silence as the API returns it. */
export interface SilenceView {
  id: string;
  matchers: SilenceMatchers;
  comment: string;
  createdBy: string;
  startsAt: number;
  endsAt: number;
  active: boolean;
  createdAt: number;
}
