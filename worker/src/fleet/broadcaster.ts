import type { HostView, LiveFrame } from "../metrics/types";

/** At most one `hosts` frame per this many ms, to every viewer. */
export const BROADCAST_INTERVAL_MS = 1000;

/**
 * Coalesces host changes into at most one frame per second holding every
 * host that changed, with its whole merged state. Frames are serialised
 * once and sent to every socket.
 */
export class Broadcaster {
  private readonly changed = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSent = 0;

  constructor(
    private readonly sockets: () => WebSocket[],
    private readonly view: (id: string) => HostView | undefined,
    private readonly onError: (e: unknown) => void,
    private readonly onSent: (messages: number) => void = () => {},
  ) {}

  /** Marks hosts as changed; a frame follows within a second. */
  mark(...ids: string[]): void {
    for (const id of ids) this.changed.add(id);
    if (this.timer !== undefined || this.changed.size === 0) return;
    const wait = Math.max(0, this.lastSent + BROADCAST_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Sends a frame now to every socket (e.g. `removed`). */
  send(frame: LiveFrame): void {
    const json = JSON.stringify(frame);
    let sent = 0;
    for (const ws of this.sockets()) {
      try {
        ws.send(json);
        sent++;
      } catch (e) {
        this.onError(e);
      }
    }
    this.onSent(sent);
  }

  /** Sends pending changes now. */
  flush(): void {
    this.timer = undefined;
    if (this.changed.size === 0) return;
    const hosts: HostView[] = [];
    for (const id of this.changed) {
      const v = this.view(id);
      if (v) hosts.push(v);
    }
    this.changed.clear();
    this.lastSent = Date.now();
    if (hosts.length > 0 && this.sockets().length > 0)
      this.send({ type: "hosts", serverTime: this.lastSent, hosts });
  }
}
