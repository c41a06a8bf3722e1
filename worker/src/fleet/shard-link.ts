import type { HostView } from "../metrics/types";
import { BROADCAST_INTERVAL_MS } from "./broadcaster";
import type { ShardUpdate } from "./protocol";

/**
 * An ingest shard's link to its fleet's DO, which holds the dashboards:
 * host changes are coalesced into at most one update a second carrying the
 * whole view of every host that changed (one DO request, not one per
 * sample). Updates go one at a time and in order, so a removal never
 * overtakes an older view of the same host; a failed update is retried.
 */
export class ShardLink {
  private readonly changed = new Set<string>();
  private readonly removed = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sending: Promise<void> | undefined;
  private lastSent = 0;

  constructor(
    private readonly view: (id: string) => HostView | undefined,
    private readonly send: (update: ShardUpdate) => Promise<void>,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Marks hosts as changed; an update follows within a second. */
  mark(...ids: string[]): void {
    for (const id of ids) {
      this.changed.add(id);
      this.removed.delete(id);
    }
    this.schedule();
  }

  /** Marks a host as removed; `flush` sends it now. */
  remove(id: string): void {
    this.changed.delete(id);
    this.removed.add(id);
  }

  /** Sends pending changes now, after any update in flight. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.sending) await this.sending;
    if (this.changed.size === 0 && this.removed.size === 0) return;
    const ids = [...this.changed];
    const removed = [...this.removed];
    this.changed.clear();
    this.removed.clear();
    const views = ids.map((id) => this.view(id)).filter((v): v is HostView => v !== undefined);
    this.lastSent = Date.now();
    this.sending = this.send({ views, removed })
      .catch((e: unknown) => {
        this.onError(e);
        // Retried with whatever changed meanwhile; newer marks win.
        for (const id of ids) if (!this.removed.has(id)) this.changed.add(id);
        for (const id of removed) if (!this.changed.has(id)) this.removed.add(id);
      })
      .finally(() => {
        this.sending = undefined;
        this.schedule();
      });
    await this.sending;
  }

  private schedule(): void {
    if (this.timer !== undefined || (this.changed.size === 0 && this.removed.size === 0)) return;
    const wait = Math.max(0, this.lastSent + BROADCAST_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((e: unknown) => this.onError(e));
    }, wait);
  }
}
