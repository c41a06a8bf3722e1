import { batch, type ReadonlySignal, type Signal, signal } from "@preact/signals";
import type { AlertBoard } from "../../../worker/src/alerts/live-board";
import { type LiveHost, MAX_SUBSCRIBED } from "../../../worker/src/metrics/summary";
import type { HostView, LiveRequest } from "../../../worker/src/metrics/types";
import { liveUrl } from "./api";
import {
  emptyChanges,
  type Frame,
  hasChanges,
  OverviewModel,
  type PendingChanges,
  parseFrame,
} from "./live-frames";
import { RecentValues } from "./recent";
import { type ConnectionStatus, ReconnectingSocket } from "./reconnecting-socket";

/** Membership map of the store: host id -> that host's own signal. */
export type HostMap = ReadonlyMap<string, Signal<LiveHost>>;

/** A subscription to one host's full state: undefined until it arrives, null when the fleet has no such host. */
export interface HostSubscription {
  readonly host: ReadonlySignal<HostView | null | undefined>;
  release(): void;
}

/** If the first frame after (re)connecting is not a snapshot within this time, ask for one. */
const SNAPSHOT_WAIT_MS = 5000;

const schedule: (cb: () => void) => void =
  typeof requestAnimationFrame === "function"
    ? (cb) => requestAnimationFrame(cb)
    : (cb) => setTimeout(cb, 16);

/**
 * Applies coalesced changes to the host signals. Returns a new membership map
 * only when hosts were added or removed, so views that list hosts re-render
 * only then, while a changed host re-renders only its own card.
 */
export function applyChanges(current: HostMap, p: PendingChanges): HostMap {
  let next: Map<string, Signal<LiveHost>> | undefined;
  const writable = () => {
    next ??= new Map(current);
    return next;
  };
  if (p.snapshot) {
    const fresh = new Map<string, Signal<LiveHost>>();
    for (const h of p.snapshot) {
      const existing = current.get(h.id);
      if (existing) existing.value = h;
      fresh.set(h.id, existing ?? signal(h));
    }
    const same = fresh.size === current.size && [...fresh.keys()].every((id) => current.has(id));
    if (!same) next = fresh;
  }
  for (const [id, h] of p.upserts) {
    const existing = (next ?? current).get(id);
    if (existing) existing.value = h;
    else writable().set(id, signal(h));
  }
  for (const id of p.removals) {
    if ((next ?? current).has(id)) writable().delete(id);
  }
  return next ?? current;
}

/**
 * The dashboard's live view of one fleet: a reconnecting WebSocket feeding a
 * signals store keyed by host id. The store holds what the overview shows of
 * every host (the hub sends summaries as changes only); a page that needs a
 * host's full state subscribes to it while it is shown.
 *
 * Frames are parsed on arrival but applied at most once per animation frame
 * (coalesced), inside one `batch`, so a burst of frames costs one render.
 * Every (re)connection starts with a snapshot from the hub, which replaces
 * the store wholesale: hosts removed while we were away disappear, and no
 * change can be missed across a reconnect.
 */
export class LiveStore {
  /** Connection state for the header indicator. */
  readonly status = signal<ConnectionStatus>("closed");
  /** When the next reconnection attempt happens (Unix ms), while `closed` and retrying. */
  readonly retryAt = signal<number | undefined>(undefined);
  /** Host id -> host signal. */
  readonly hosts = signal<HostMap>(new Map());
  /** True once a snapshot has been applied: tells "no hosts" from "not loaded yet". */
  readonly loaded = signal(false);
  /** Hub clock minus ours, so "last seen" does not drift with a wrong local clock. */
  readonly clockSkewMs = signal(0);
  /** The fleet connected to, if any. */
  readonly fleet = signal<string | undefined>(undefined);
  /** The fleet's open alerts as the hub last evaluated them; undefined until the hub sent them. */
  readonly alerts = signal<AlertBoard | undefined>(undefined);
  /** The last minutes of subscribed hosts' figures, filled as their states arrive (for sparklines). */
  readonly recent = new RecentValues();

  #socket: ReconnectingSocket | undefined;
  readonly #model = new OverviewModel();
  readonly #subs = new Map<string, { count: number; state: Signal<HostView | null | undefined> }>();
  #pending = emptyChanges();
  #scheduled = false;
  #snapshotSeen = false;
  #snapshotTimer: ReturnType<typeof setTimeout> | undefined;
  /** Runs when a connection fails or ends, e.g. to check whether the session expired. */
  onDrop: ((wasOpen: boolean) => void) | undefined;

  readonly #createSocket: ((url: string) => WebSocket) | undefined;

  /** `createSocket` is for tests (a fake WebSocket). */
  constructor(options: { createSocket?: (url: string) => WebSocket } = {}) {
    this.#createSocket = options.createSocket;
  }

  /** Connects to a fleet's live feed (reconnecting until `disconnect`). */
  connect(fleet: string): void {
    if (this.fleet.peek() === fleet && this.#socket) return;
    this.disconnect();
    this.fleet.value = fleet;
    this.#socket = new ReconnectingSocket({
      url: () => liveUrl(fleet),
      ...(this.#createSocket ? { createSocket: this.#createSocket } : {}),
      onMessage: (data) => this.deliver(data),
      onOpen: () => this.#opened(),
      onDrop: ({ wasOpen }) => {
        clearTimeout(this.#snapshotTimer);
        this.onDrop?.(wasOpen);
      },
      onStatus: (status, retryAt) => {
        batch(() => {
          this.status.value = status;
          this.retryAt.value = retryAt;
        });
      },
    });
    this.#socket.start();
  }

  /** Closes the feed and forgets every host (e.g. on sign-out). */
  disconnect(): void {
    this.#socket?.stop();
    this.#socket = undefined;
    clearTimeout(this.#snapshotTimer);
    this.#pending = emptyChanges();
    this.#model.clear();
    this.recent.clear();
    batch(() => {
      for (const sub of this.#subs.values()) sub.state.value = undefined;
      this.fleet.value = undefined;
      this.alerts.value = undefined;
      this.hosts.value = new Map();
      this.loaded.value = false;
      this.status.value = "closed";
      this.retryAt.value = undefined;
    });
  }

  /** Asks the hub for a fresh snapshot. */
  resync(): void {
    const req: LiveRequest = { type: "resync" };
    this.#socket?.send(JSON.stringify(req));
  }

  /** Skips the backoff wait and reconnects now. */
  reconnectNow(): void {
    this.#socket?.reconnectNow();
  }

  /**
   * Drops a host now, e.g. right after this dashboard deleted it, rather than
   * showing it until the hub's `removed` frame arrives.
   */
  forget(id: string): void {
    const p = emptyChanges();
    p.removals.add(id);
    this.#model.forget(id);
    // A frame from before the delete, not yet applied, must not bring it back.
    this.#pending.upserts.delete(id);
    this.#pending.snapshot &&= this.#pending.snapshot.filter((h) => h.id !== id);
    this.recent.forget(id);
    this.hosts.value = applyChanges(this.hosts.peek(), p);
  }

  /**
   * Subscribes to a host's full state, sent by the hub at once and with each
   * change while subscribed (also across reconnects). Release it when the
   * page that shows it goes away.
   */
  subscribe(id: string): HostSubscription {
    let sub = this.#subs.get(id);
    if (!sub) {
      sub = { count: 0, state: signal(undefined) };
      this.#subs.set(id, sub);
      this.#request({ type: "subscribe", hostIds: [id] });
    }
    sub.count++;
    const s = sub;
    let released = false;
    return {
      host: s.state,
      release: () => {
        if (released) return;
        released = true;
        if (--s.count > 0) return;
        this.#subs.delete(id);
        this.recent.forget(id);
        this.#request({ type: "unsubscribe", hostIds: [id] });
      },
    };
  }

  #request(req: LiveRequest): void {
    this.#socket?.send(JSON.stringify(req));
  }

  #opened(): void {
    // A new socket starts with no subscriptions.
    const ids = [...this.#subs.keys()];
    for (let i = 0; i < ids.length; i += MAX_SUBSCRIBED) {
      this.#request({ type: "subscribe", hostIds: ids.slice(i, i + MAX_SUBSCRIBED) });
    }
    this.#snapshotSeen = false;
    clearTimeout(this.#snapshotTimer);
    this.#snapshotTimer = setTimeout(() => {
      if (!this.#snapshotSeen) this.resync();
    }, SNAPSHOT_WAIT_MS);
  }

  /** A frame from the hub, as the socket received it (text or binary). */
  deliver(data: string | ArrayBuffer): void {
    const frame = parseFrame(data);
    if (!frame) {
      // A frame we cannot read may have carried changes: start again from a snapshot.
      this.resync();
      return;
    }
    if (frame.type === "host") {
      this.#hostState(frame);
      return;
    }
    if (frame.type === "alerts") {
      this.alerts.value = { evaluatedAt: frame.evaluatedAt, alerts: frame.alerts };
      return;
    }
    if (frame.type === "overview") {
      this.#snapshotSeen = true;
      clearTimeout(this.#snapshotTimer);
    } else if (!this.#snapshotSeen) {
      // A delta without its base is meaningless; the snapshot will carry it.
      return;
    }
    if (frame.type === "removed") {
      for (const id of frame.hostIds) {
        const sub = this.#subs.get(id);
        if (sub) sub.state.value = null;
      }
    }
    if (!this.#model.apply(frame, this.#pending)) {
      // Indexes of another generation (the hub restarted) or unknown: only a snapshot can fix that.
      this.#snapshotSeen = false;
      this.resync();
      return;
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      schedule(() => this.#flush());
    }
  }

  /** A subscribed host's full state (a late one for a released subscription is dropped). */
  #hostState(frame: Extract<Frame, { type: "host" }>): void {
    const sub = this.#subs.get(frame.hostId);
    if (!sub) return;
    // Before the signal changes, so the sparklines that render from it find this point.
    if (frame.host) this.recent.record(frame.host);
    batch(() => {
      this.clockSkewMs.value = frame.serverTime - Date.now();
      sub.state.value = frame.host;
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const p = this.#pending;
    if (!hasChanges(p)) return;
    this.#pending = emptyChanges();
    for (const id of p.removals) this.recent.forget(id);
    batch(() => {
      if (p.serverTime !== undefined) this.clockSkewMs.value = p.serverTime - Date.now();
      this.hosts.value = applyChanges(this.hosts.peek(), p);
      if (p.snapshot) this.loaded.value = true;
    });
  }
}

/** The app's one store. */
export const live = new LiveStore();
