import { connect, type Socket } from "node:net";
import {
  type DBusMessage,
  type DBusValue,
  decodeMessage,
  encodeMessage,
  MessageType,
  messageLength,
} from "./dbus-wire";

/** The system bus, where systemd listens. */
export const SYSTEM_BUS_SOCKET = "/run/dbus/system_bus_socket";

/**
 * The socket path of a bus address (`unix:path=/run/dbus/system_bus_socket`),
 * from `DBUS_SYSTEM_BUS_ADDRESS` when set. Only `unix:path=` addresses are
 * supported; anything else falls back to the default socket.
 */
export function systemBusPath(address = process.env.DBUS_SYSTEM_BUS_ADDRESS): string {
  for (const part of (address ?? "").split(";")) {
    const m = /^unix:(?:.*,)?path=([^,]+)/.exec(part);
    if (m?.[1]) return decodeURIComponent(m[1]);
  }
  return SYSTEM_BUS_SOCKET;
}

/** An error reply (`org.freedesktop.DBus.Error.ServiceUnknown`, ...), or a broken connection. */
export class DBusError extends Error {
  constructor(
    /** The D-Bus error name, or "timeout" / "closed" / "auth". */
    readonly errorName: string,
    message: string,
  ) {
    super(message);
  }
}

/** A method call's target and arguments. */
export interface DBusCall {
  destination: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: DBusValue[];
}

/**
 * One connection to a message bus: SASL EXTERNAL authentication (the
 * kernel tells the bus our uid), `Hello`, then method calls matched to their
 * replies by serial. Kept open between calls, so a slow tick costs one
 * round trip on a socket, not a process.
 */
export class DBusConnection {
  #socket: Socket;
  #serial = 0;
  #pending = new Map<number, { resolve: (m: DBusMessage) => void; reject: (e: Error) => void }>();
  #buf: Buffer = Buffer.alloc(0);
  #closed: Error | undefined;
  /** Called with method calls and signals addressed to this connection. */
  onMessage: ((m: DBusMessage) => void) | undefined;
  /** This connection's unique name on the bus (":1.42"). */
  uniqueName = "";

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Connects, authenticates and says Hello; rejects within `timeoutMs`. */
  static async open(path: string, timeoutMs = 5_000): Promise<DBusConnection> {
    const socket = connect(path);
    socket.setTimeout(timeoutMs, () => socket.destroy(new DBusError("timeout", `no answer from ${path}`)));
    await authenticate(socket);
    const conn = new DBusConnection(socket);
    socket.on("data", (d) => conn.#receive(d));
    socket.on("error", (e) => conn.#fail(e));
    socket.on("close", () => conn.#fail(new DBusError("closed", "the bus closed the connection")));
    const [name] = await conn.call({
      destination: "org.freedesktop.DBus",
      path: "/org/freedesktop/DBus",
      interface: "org.freedesktop.DBus",
      member: "Hello",
    });
    conn.uniqueName = String(name);
    socket.setTimeout(0);
    // A kept connection must not hold the process open (`fleetwatch-agent once`); a pending call's timer does.
    socket.unref();
    return conn;
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Calls a method and resolves with the reply's body; an error reply rejects with {@link DBusError}. */
  async call(c: DBusCall, timeoutMs = 5_000): Promise<DBusValue[]> {
    const serial = this.send({ type: MessageType.call, ...c, body: c.body ?? [] });
    const reply = await new Promise<DBusMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(serial);
        reject(new DBusError("timeout", `${c.interface}.${c.member} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(serial, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
    if (reply.type === MessageType.error) {
      throw new DBusError(reply.errorName ?? "error", String(reply.body[0] ?? reply.errorName));
    }
    return reply.body;
  }

  /** Sends a message (its serial is assigned here) and returns the serial. */
  send(m: Omit<DBusMessage, "serial">): number {
    if (this.#closed) throw this.#closed;
    this.#serial = (this.#serial % 0xffff_ffff) + 1;
    this.#socket.write(encodeMessage({ ...m, serial: this.#serial }));
    return this.#serial;
  }

  close(): void {
    this.#fail(new DBusError("closed", "connection closed"));
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    try {
      for (let n = messageLength(this.#buf); n > 0; n = messageLength(this.#buf)) {
        const m = decodeMessage(this.#buf.subarray(0, n));
        this.#buf = this.#buf.subarray(n);
        const waiting = m.replySerial === undefined ? undefined : this.#pending.get(m.replySerial);
        if (waiting && (m.type === MessageType.reply || m.type === MessageType.error)) {
          this.#pending.delete(m.replySerial as number);
          waiting.resolve(m);
        } else this.onMessage?.(m);
      }
    } catch (e) {
      this.#fail(e instanceof Error ? e : new Error(String(e)));
      this.#socket.destroy();
    }
  }

  #fail(e: Error): void {
    this.#closed ??= e;
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }
}

/**
 * SASL EXTERNAL (spec: "Authentication Protocol"): a NUL byte, then
 * `AUTH EXTERNAL <uid in hex of its decimal digits>`, `OK <guid>` back, `BEGIN`.
 */
function authenticate(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = "";
    const done = (e?: Error) => {
      socket.off("data", onData);
      socket.off("error", done);
      if (e) {
        socket.destroy();
        reject(e);
      } else resolve();
    };
    const onData = (d: Buffer) => {
      text += d.toString("latin1");
      const end = text.indexOf("\r\n");
      if (end < 0) return;
      const line = text.slice(0, end);
      if (!line.startsWith("OK ")) return done(new DBusError("auth", `the bus refused: ${line}`));
      socket.write("BEGIN\r\n");
      done();
    };
    socket.on("data", onData);
    socket.on("error", done);
    const uid = String(process.getuid?.() ?? 0);
    socket.write(`\0AUTH EXTERNAL ${Buffer.from(uid, "ascii").toString("hex")}\r\n`);
  });
}
