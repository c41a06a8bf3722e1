import type { Role } from "../db/schema";
import { MAX_SUBSCRIBED } from "../metrics/summary";
import type { HostView } from "../metrics/types";
import { SOCKET_IDLE_MS } from "./alarm-plan";
import { Broadcaster, type ViewerSocket } from "./broadcaster";
import { type FrameProtocol, INTERNAL, parseLiveRequest, type SocketAttachment } from "./protocol";
import type { Usage } from "./usage";

/** Socket tag of every dashboard socket. */
const VIEWER = "viewer";

/** What the viewer sockets read of the fleet. */
export interface ViewerSource {
  fleet(): string;
  /** Every host's current view, for snapshots. */
  views(): HostView[];
  /** A host's current view, for coalesced frames. */
  view(id: string): HostView | undefined;
  /** The fleet's open alerts as an `alerts` frame. */
  alertsFrame(): string;
}

/** Reads a socket's attachment; null for a socket accepted by an older version without one. */
function attachmentOf(ws: WebSocket): SocketAttachment | null {
  const a: unknown = ws.deserializeAttachment();
  if (typeof a !== "object" || a === null) return null;
  const { v, tokenId, connectedAt } = a as Record<string, unknown>;
  return v === 1 && typeof tokenId === "string" && typeof connectedAt === "number"
    ? (a as SocketAttachment)
    : null;
}

/**
 * The fleet's dashboard sockets, hibernatable: accept (tagged by token so a
 * revoked token's sockets can be found), coalesced broadcast, resync and
 * host subscriptions on request, and the sweep of sockets whose browser
 * vanished. Per-socket state lives in the socket's attachment (read once
 * per socket per instance), never only in memory.
 */
export class Viewers {
  private readonly broadcaster: Broadcaster;
  private readonly attachments = new WeakMap<WebSocket, SocketAttachment>();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly source: ViewerSource,
    private readonly usage: Usage,
    private readonly log: (where: string, e: unknown) => void,
  ) {
    this.broadcaster = new Broadcaster({
      sockets: () => this.sockets(),
      view: (id) => source.view(id),
      views: () => source.views(),
      fleet: () => source.fleet(),
      onError: (e) => log("broadcast", e),
      onSent: (n) => {
        usage.wsMessagesOut += n;
      },
    });
  }

  private attachment(ws: WebSocket): SocketAttachment {
    let att = this.attachments.get(ws);
    if (!att) {
      // A socket from before attachments: an older dashboard, with no rights beyond viewing.
      att = attachmentOf(ws) ?? { v: 1, tokenId: "", role: "viewer", connectedAt: 0 };
      this.attachments.set(ws, att);
    }
    return att;
  }

  private setAttachment(ws: WebSocket, att: SocketAttachment): void {
    ws.serializeAttachment(att);
    this.attachments.set(ws, att);
  }

  private sockets(): ViewerSocket[] {
    return this.ctx.getWebSockets(VIEWER).map((ws) => ({ ws, att: this.attachment(ws) }));
  }

  /** Open dashboard sockets. */
  get count(): number {
    return this.ctx.getWebSockets(VIEWER).length;
  }

  /** Accepts a dashboard's WebSocket upgrade (already authenticated by the Worker) and sends the snapshot. */
  accept(req: Request): Response {
    if (req.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return Response.json(
        { error: "upgrade_required", message: "expected a WebSocket upgrade" },
        { status: 426 },
      );
    }
    const tokenId = req.headers.get(INTERNAL.tokenId) ?? "";
    const role: Role = req.headers.get(INTERNAL.role) === "admin" ? "admin" : "viewer";
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [VIEWER, `token:${tokenId}`]);
    const params = new URL(req.url).searchParams;
    const frames: FrameProtocol = params.get("frames") === "2" ? 2 : 1;
    const attachment: SocketAttachment = { v: 1, tokenId, role, connectedAt: Date.now(), frames };
    if (frames === 2 && params.get("alerts") === "1") attachment.alerts = true;
    this.setAttachment(server, attachment);
    server.send(this.broadcaster.snapshot(attachment));
    this.usage.wsMessagesOut++;
    if (attachment.alerts) this.reply(server, this.source.alertsFrame());
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Hosts whose view changed: a coalesced frame follows within a second. */
  mark(...ids: string[]): void {
    this.broadcaster.mark(...ids);
  }

  /** Hosts deleted from the fleet: every dashboard hears now. */
  removed(hostIds: string[]): void {
    this.broadcaster.removed(hostIds);
  }

  /**
   * A message from a dashboard: `resync`, and on the overview protocol
   * `subscribe` / `unsubscribe`; anything else closes the socket.
   */
  message(ws: WebSocket, message: string | ArrayBuffer): void {
    this.usage.wsMessagesIn++;
    const req = parseLiveRequest(message);
    const att = this.attachment(ws);
    if (!req || (req.type !== "resync" && att.frames !== 2)) {
      ws.close(1003, "unsupported message");
      return;
    }
    if (req.type === "resync") {
      this.reply(ws, this.broadcaster.snapshot(att));
      if (att.alerts) this.reply(ws, this.source.alertsFrame());
      return;
    }
    const subscribed = new Set(att.subscribed ?? []);
    if (req.type === "unsubscribe") {
      for (const id of req.hostIds) subscribed.delete(id);
    } else {
      const fresh = req.hostIds.filter((id) => !subscribed.has(id));
      for (const id of fresh) subscribed.add(id);
      if (subscribed.size > MAX_SUBSCRIBED) {
        ws.close(1008, `at most ${MAX_SUBSCRIBED} hosts subscribed per socket`);
        return;
      }
      // The full state at once, then with each change.
      for (const id of fresh) this.reply(ws, this.broadcaster.hostFrame(id));
    }
    const { subscribed: _, ...rest } = att;
    this.setAttachment(ws, subscribed.size > 0 ? { ...rest, subscribed: [...subscribed] } : rest);
  }

  private reply(ws: WebSocket, text: string): void {
    ws.send(text);
    this.usage.wsMessagesOut++;
  }

  /**
   * Completes a close the dashboard started. Recent compatibility dates
   * complete the handshake in the runtime; closing again would throw.
   */
  closed(ws: WebSocket, code: number): void {
    if (ws.readyState === WebSocket.OPEN) ws.close(code === 1005 ? 1000 : code, "closing");
  }

  /** The fleet's open alerts changed or were evaluated again: every dashboard that reads them hears now. */
  alerts(frame: string): void {
    for (const ws of this.ctx.getWebSockets(VIEWER)) {
      if (!this.attachment(ws).alerts) continue;
      try {
        this.reply(ws, frame);
      } catch (e) {
        this.log("alerts", e);
      }
    }
  }

  /** Closes a revoked token's sockets; returns how many. */
  revoke(tokenId: string): number {
    const sockets = this.ctx.getWebSockets(`token:${tokenId}`);
    for (const ws of sockets) ws.close(4001, "token revoked");
    return sockets.length;
  }

  /**
   * `webSocketClose` may never fire when a browser vanishes: sockets whose
   * last ping is older than SOCKET_IDLE_MS are closed here.
   */
  sweep(now: number): void {
    for (const ws of this.ctx.getWebSockets(VIEWER)) {
      const last =
        this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? attachmentOf(ws)?.connectedAt ?? now;
      if (now - last <= SOCKET_IDLE_MS) continue;
      try {
        ws.close(4000, "idle");
      } catch (e) {
        this.log("sweepSockets", e);
      }
    }
  }
}
