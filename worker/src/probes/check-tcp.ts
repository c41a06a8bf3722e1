import { connect } from "cloudflare:sockets";
import { type CheckResult, classifyError, errorLine } from "./outcome";

/** What a TCP check needs of a probe. */
export interface TcpCheck {
  /** `host:port`. */
  target: string;
  timeoutMs: number;
}

/** Opens a socket; the runtime's `connect()` from "cloudflare:sockets". */
export type Connector = (address: { hostname: string; port: number }) => {
  opened: Promise<unknown>;
  closed: Promise<unknown>;
  close(): Promise<void>;
};

/** Splits `host:port` (`[v6]:port` too); undefined when it is not one. */
export function parseHostPort(target: string): { hostname: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s/[\]]+)):(\d{1,5})$/.exec(target);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return { hostname: (m[1] ?? m[2]) as string, port };
}

/**
 * One TCP check: up when a connection opens within the timeout (then it is
 * closed at once, nothing is sent). Latency is the time to the open socket.
 * Never throws.
 */
export async function checkTcp(p: TcpCheck, at: number, open: Connector = connect): Promise<CheckResult> {
  const address = parseHostPort(p.target);
  if (!address)
    return { at, outcome: "error", latencyMs: 0, status: null, error: `not host:port: ${p.target}` };
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let socket: ReturnType<Connector> | undefined;
  try {
    socket = open(address);
    // A refused connection also rejects `closed`; it is reported through `opened`.
    socket.closed.catch(() => {});
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DOMException("timed out", "TimeoutError")), p.timeoutMs);
    });
    await Promise.race([socket.opened, timeout]);
    return { at, outcome: "up", latencyMs: Date.now() - started, status: null, error: null };
  } catch (e) {
    const outcome = classifyError(e);
    const error = outcome === "timeout" ? `no connection within ${p.timeoutMs} ms` : errorLine(e);
    return {
      at,
      outcome,
      latencyMs: outcome === "timeout" ? p.timeoutMs : Date.now() - started,
      status: null,
      error,
    };
  } finally {
    clearTimeout(timer);
    await socket?.close().catch(() => {});
  }
}
