import { encodeSummaries, firstFieldsOnly, type OverviewFrame } from "../metrics/summary";
import type { HostView, LiveFrame } from "../metrics/types";
import { OverviewState } from "./overview-state";
import type { SocketAttachment } from "./protocol";

/** At most one frame of changes per this many ms, to every viewer. */
export const BROADCAST_INTERVAL_MS = 1000;

/** A dashboard socket and what it asked for. */
export interface ViewerSocket {
  ws: WebSocket;
  att: SocketAttachment;
}

/** What the broadcaster reads of the fleet and reports. */
export interface BroadcastSource {
  sockets(): ViewerSocket[];
  view(id: string): HostView | undefined;
  views(): HostView[];
  fleet(): string;
  onError(e: unknown): void;
  onSent(messages: number): void;
}

/**
 * Coalesces host changes into at most one round of frames per second.
 *
 * Overview sockets (protocol 2) get what the overview shows, as changes
 * only: one binary summaries frame listing each host whose shown figures
 * changed, by index, with only those figures; new hosts and new host info as
 * an `entries` frame. Each frame is encoded once for every socket. A socket
 * that subscribed to hosts also gets each such host's full state when it
 * changed. Older dashboards (protocol 1) get every changed host's whole
 * state, as before.
 */
export class Broadcaster {
  private readonly changed = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSent = 0;
  private readonly overview = new OverviewState();

  private readonly src: BroadcastSource;

  // A plain field, not a parameter property: benchmarks load this file with Node's type stripping.
  constructor(src: BroadcastSource) {
    this.src = src;
  }

  /** Marks hosts as changed; frames follow within a second. */
  mark(...ids: string[]): void {
    for (const id of ids) this.changed.add(id);
    if (this.timer !== undefined || this.changed.size === 0) return;
    const wait = Math.max(0, this.lastSent + BROADCAST_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** The first frame of a socket: every host, in the socket's protocol. */
  snapshot(att: SocketAttachment): string {
    const views = this.src.views();
    if (att.frames !== 2) {
      const frame: LiveFrame = {
        type: "snapshot",
        fleet: this.src.fleet(),
        serverTime: Date.now(),
        hosts: views,
      };
      return JSON.stringify(frame);
    }
    const { entries, unsent } = this.overview.snapshot(views);
    if (unsent.length > 0) this.mark(...unsent);
    const frame: OverviewFrame = {
      type: "overview",
      fleet: this.src.fleet(),
      serverTime: Date.now(),
      gen: this.overview.gen,
      hosts: entries,
    };
    return JSON.stringify(frame);
  }

  /** A host's full state, for a socket that subscribed to it. */
  hostFrame(id: string): string {
    const frame: OverviewFrame = {
      type: "host",
      serverTime: Date.now(),
      hostId: id,
      host: this.src.view(id) ?? null,
    };
    return JSON.stringify(frame);
  }

  /** Hosts deleted from the fleet: every socket hears now. */
  removed(hostIds: string[]): void {
    for (const id of hostIds) {
      this.overview.forget(id);
      this.changed.delete(id);
    }
    const frame: LiveFrame = { type: "removed", serverTime: Date.now(), hostIds };
    this.sendTo(
      this.src.sockets().map((s) => s.ws),
      JSON.stringify(frame),
    );
  }

  /** Sends pending changes now. */
  flush(): void {
    this.timer = undefined;
    if (this.changed.size === 0) return;
    const ids = [...this.changed];
    this.changed.clear();
    this.lastSent = Date.now();
    const sockets = this.src.sockets();
    const older: WebSocket[] = [];
    const overview: WebSocket[] = [];
    for (const s of sockets) (s.att.frames === 2 ? overview : older).push(s.ws);
    if (sockets.length === 0) {
      this.overview.clear();
      return;
    }
    const views: HostView[] = [];
    for (const id of ids) {
      const v = this.src.view(id);
      if (v) views.push(v);
    }
    if (older.length > 0 && views.length > 0) {
      const frame: LiveFrame = { type: "hosts", serverTime: this.lastSent, hosts: views };
      this.sendTo(older, JSON.stringify(frame));
    }
    if (overview.length === 0) {
      this.overview.clear();
      return;
    }
    const { entries, changes } = this.overview.diff(views);
    if (entries.length > 0) {
      const frame: OverviewFrame = {
        type: "entries",
        serverTime: this.lastSent,
        gen: this.overview.gen,
        hosts: entries,
      };
      this.sendTo(overview, JSON.stringify(frame));
    }
    if (changes.length > 0) {
      // Dashboards from before the container counts (no `alerts=1`) get the fields they decode.
      const current = sockets.filter((s) => s.att.frames === 2 && s.att.alerts).map((s) => s.ws);
      const first = sockets.filter((s) => s.att.frames === 2 && !s.att.alerts).map((s) => s.ws);
      const frame = { gen: this.overview.gen, serverTime: this.lastSent };
      if (current.length > 0) this.sendTo(current, encodeSummaries({ ...frame, changes }));
      const firstChanges = first.length > 0 ? firstFieldsOnly(changes) : [];
      if (firstChanges.length > 0) this.sendTo(first, encodeSummaries({ ...frame, changes: firstChanges }));
    }
    this.sendSubscribed(sockets, new Set(ids));
  }

  /** Full states to the sockets that subscribed to a host that changed; each state encoded once. */
  private sendSubscribed(sockets: ViewerSocket[], changed: ReadonlySet<string>): void {
    const encoded = new Map<string, string>();
    for (const { ws, att } of sockets) {
      if (att.frames !== 2 || !att.subscribed) continue;
      for (const id of att.subscribed) {
        if (!changed.has(id)) continue;
        let text = encoded.get(id);
        if (text === undefined) {
          text = this.hostFrame(id);
          encoded.set(id, text);
        }
        this.sendTo([ws], text);
      }
    }
  }

  private sendTo(sockets: WebSocket[], data: string | Uint8Array): void {
    let sent = 0;
    for (const ws of sockets) {
      try {
        ws.send(data);
        sent++;
      } catch (e) {
        this.src.onError(e);
      }
    }
    this.src.onSent(sent);
  }
}
