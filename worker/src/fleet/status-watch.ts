import type { HostTable } from "./host-table";

/**
 * Host status transitions (online -> stale -> offline, and back). A check
 * recomputes statuses in memory, tells viewers about changed hosts and
 * queues them for host-down evaluation, which the alarm runs: the ingest
 * path never waits on D1 or on a notification.
 */
export class StatusWatch {
  /** The earliest host deadline as of the last check; samples past it check again. */
  private dueAt = 0;
  private readonly pending = new Set<string>();

  constructor(
    private readonly hosts: HostTable,
    private readonly changed: (ids: string[]) => void,
    private readonly alarmBy: (t: number) => void,
  ) {}

  /** Checks statuses when a deadline may have passed (cheap to call per sample). */
  checkIfDue(now: number): void {
    if (now >= this.dueAt) this.check(now);
  }

  /** Recomputes every host's status; changed hosts go to viewers and to the host-down queue. */
  check(now: number): void {
    const changed = this.hosts.refreshStatuses(now);
    this.dueAt = this.hosts.nextDeadline() ?? Number.POSITIVE_INFINITY;
    if (changed.length === 0) return;
    this.changed(changed);
    for (const id of changed) this.pending.add(id);
    this.alarmBy(now);
  }

  /** Whether status changes wait for their host-down evaluation. */
  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Takes the queued hosts (the alarm evaluates them). */
  take(): string[] {
    const ids = [...this.pending];
    this.pending.clear();
    return ids;
  }
}
