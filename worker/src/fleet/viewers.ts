import type { Role } from "../db/schema";
import type { HostView, LiveFrame } from "../metrics/types";
import { SOCKET_IDLE_MS } from "./alarm-plan";
import { Broadcaster } from "./broadcaster";
import { INTERNAL, parseLiveRequest, type SocketAttachment } from "./protocol";
import type { Usage } from "./usage";

/** Socket tag of every dashboard socket. */
const VIEWER = "viewer";

/** What the viewer sockets read of the fleet. */
export interface ViewerSource {
  /** The snapshot frame a new (or resyncing) dashboard starts from. */
  snapshot(): LiveFrame;
  /** A host's current view, for coalesced `hosts` frames. */
  view(id: string): HostView | undefined;
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
 * revoked token's sockets can be found), coalesced broadcast, resync on
 * request, and the sweep of sockets whose browser vanished. Per-socket
 * state lives in the socket's attachment, never only in memory.
 */
export class Viewers {
  private readonly broadcaster: Broadcaster;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly source: ViewerSource,
    private readonly usage: Usage,
    private readonly log: (where: string, e: unknown) => void,
  ) {
    this.broadcaster = new Broadcaster(
      () => ctx.getWebSockets(VIEWER),
      (id) => source.view(id),
      (e) => log("broadcast", e),
      (n) => {
        usage.wsMessagesOut += n;
      },
    );
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
    const attachment: SocketAttachment = { v: 1, tokenId, role, connectedAt: Date.now() };
    server.serializeAttachment(attachment);
    server.send(JSON.stringify(this.source.snapshot()));
    this.usage.wsMessagesOut++;
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Hosts whose view changed: a coalesced frame follows within a second. */
  mark(...ids: string[]): void {
    this.broadcaster.mark(...ids);
  }

  /** Sends a frame to every dashboard now. */
  send(frame: LiveFrame): void {
    this.broadcaster.send(frame);
  }

  /** A message from a dashboard: only `resync` is accepted; anything else closes the socket. */
  message(ws: WebSocket, message: string | ArrayBuffer): void {
    this.usage.wsMessagesIn++;
    const req = parseLiveRequest(message);
    if (!req) {
      ws.close(1003, "unsupported message");
      return;
    }
    if (req.type === "resync") {
      ws.send(JSON.stringify(this.source.snapshot()));
      this.usage.wsMessagesOut++;
    }
  }

  /**
   * Completes a close the dashboard started. Recent compatibility dates
   * complete the handshake in the runtime; closing again would throw.
   */
  closed(ws: WebSocket, code: number): void {
    if (ws.readyState === WebSocket.OPEN) ws.close(code === 1005 ? 1000 : code, "closing");
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
