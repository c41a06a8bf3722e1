/** Host state rows are rewritten at most this often (the raw window has the samples). */
export const STATE_FLUSH_INTERVAL_MS = 600_000;
/** An alarm that writes raw segments also writes those due this much later. */
export const RAW_FLUSH_SLACK_MS = 60_000;
/** Raw segments past retention are deleted this often. */
export const RAW_PRUNE_EVERY_MS = 3_600_000;
/** Dashboards that stopped answering pings for this long are closed. */
export const SOCKET_IDLE_MS = 90_000;
/**
 * Host status. In a fleet of at least DENSE_FLEET_HOSTS hosts, samples
 * arrive many times a second, and each one checks whether a host's deadline
 * passed: a silent host turns stale within moments of its deadline with no
 * alarm. The billed alarm is then only the backstop for a fleet gone wholly
 * silent, STATUS_BACKSTOP_MS after the deadline (host-down still within 60 s
 * of the last sample), and fires about once a minute instead of every few
 * seconds. Smaller fleets get the alarm at the deadline itself.
 */
export const DENSE_FLEET_HOSTS = 50;
export const STATUS_BACKSTOP_MS = 40_000;

/** When the alarm must fire for a host's status deadline in a fleet of `hosts` hosts. */
export function statusAlarmAt(deadline: number, hosts: number): number {
  return hosts >= DENSE_FLEET_HOSTS ? deadline + STATUS_BACKSTOP_MS : deadline;
}

/** Everything that decides the fleet object's next alarm. */
export interface AlarmState {
  now: number;
  /** Hosts ingested by this object. */
  hosts: number;
  /** Earliest time an online host turns stale. */
  nextHostDeadline?: number;
  /** Earliest time a pending rollup hour may be written (its retry time after a failure). */
  rollupDue?: number;
  /** Earliest time a host's buffered raw samples must be written. */
  rawFlushAt?: number;
  /** Open dashboard sockets (each needs an idle sweep). */
  viewers: number;
  /** Views forwarded by shards that wait to be written. */
  shardViewsDirty: boolean;
  lastStateFlush: number;
  /** Status changes whose host-down evaluation has not run yet. */
  hostDownPending: boolean;
}

/**
 * The time the fleet object's alarm must fire next: the earliest of a host
 * deadline, a due rollup, a raw flush, a socket sweep, a state flush of
 * forwarded views, and pending host-down work (at once). Undefined when
 * nothing waits.
 */
export function nextAlarm(s: AlarmState): number | undefined {
  const candidates: (number | undefined)[] = [
    s.nextHostDeadline === undefined ? undefined : statusAlarmAt(s.nextHostDeadline, s.hosts),
    s.rollupDue,
    s.rawFlushAt,
    s.viewers > 0 ? s.now + SOCKET_IDLE_MS : undefined,
    s.shardViewsDirty ? s.lastStateFlush + STATE_FLUSH_INTERVAL_MS : undefined,
    s.hostDownPending ? s.now : undefined,
  ];
  let next: number | undefined;
  for (const c of candidates) if (c !== undefined && (next === undefined || c < next)) next = c;
  return next === undefined ? undefined : Math.max(next, s.now);
}
