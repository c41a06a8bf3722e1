import { env } from "cloudflare:workers";
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { codeFromString } from "@connectrpc/connect/protocol-connect";
import type { HostView, SeriesPoint } from "../../worker/src/metrics/types";
import { BASE, call } from "../worker/fixtures";

/** `Authorization: Bearer <token>`. */
export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

/** The Connect code a call failed with, or undefined when it succeeded. */
export async function codeOf(p: Promise<unknown>): Promise<Code | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return ConnectError.from(e).code;
  }
}

/** The ConnectError a call failed with; throws when it succeeded. */
export async function errorOf(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("expected the call to fail");
}

/** Every host of a fleet as its viewer sees it. */
export async function hostsOf(fleet: string, viewer: string): Promise<HostView[]> {
  const res = await call(`/api/fleets/${fleet}/hosts`, { headers: bearer(viewer) });
  if (res.status !== 200) throw new Error(`hosts: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { hosts: HostView[] }).hosts;
}

/** Raw history (5 s tier) of one series of a host over the last hour. */
export async function rawSeries(
  fleet: string,
  viewer: string,
  hostId: string,
  metric = "cpu",
): Promise<SeriesPoint[]> {
  const to = Date.now() + 6 * 60_000;
  const q = new URLSearchParams({ metric, from: String(to - 3_600_000), to: String(to) });
  const res = await call(`/api/fleets/${fleet}/hosts/${hostId}/series?${q}`, { headers: bearer(viewer) });
  if (res.status !== 200) throw new Error(`series: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { points: SeriesPoint[] }).points;
}

/** What a fleet holds: its hosts and the raw cpu history of each. */
export async function fleetState(fleet: string, viewer: string) {
  const hosts = await hostsOf(fleet, viewer);
  const raw: Record<string, SeriesPoint[]> = {};
  for (const h of hosts) raw[h.id] = await rawSeries(fleet, viewer, h.id);
  // lastSeen moves with every accepted sample; keep it, it is part of "unchanged".
  return { hosts, raw };
}

/**
 * Every D1 row outside the rollup tables and their placement (which alarms
 * write at any time), sorted, for "nothing changed" assertions. A token's `last_used_at`
 * is left out: using a token is recorded on purpose, whatever the request
 * then stores.
 */
export async function d1Rows(): Promise<Record<string, string[]>> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%' AND name NOT LIKE 'rollups_%' AND name != 'history_placement' ORDER BY name",
  ).all<{ name: string }>();
  const out: Record<string, string[]> = {};
  for (const { name } of tables.results) {
    const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    out[name] = rows.results
      .map((r) => JSON.stringify(name === "tokens" ? { ...r, last_used_at: undefined } : r))
      .sort();
  }
  return out;
}

/** Headers of a raw Connect request from an agent. */
export function connectHeaders(
  token: string | undefined,
  hostId: string | undefined,
  contentType = "application/proto",
): Record<string, string> {
  const h: Record<string, string> = { "Content-Type": contentType, "Connect-Protocol-Version": "1" };
  if (token) h.Authorization = `Bearer ${token}`;
  if (hostId) h["fleetwatch-host-id"] = hostId;
  return h;
}

/** Posts raw bytes to an ingest method (`Push`, `Stream`, `Hello`). */
export function postIngest(
  method: "Push" | "Stream" | "Hello",
  token: string | undefined,
  hostId: string | undefined,
  body: BodyInit,
  contentType = method === "Stream" ? "application/connect+proto" : "application/proto",
): Promise<Response> {
  return call(`/fleetwatch.v1.IngestService/${method}`, {
    method: "POST",
    headers: connectHeaders(token, hostId, contentType),
    body,
  });
}

/** The outcome of a Connect call read from a raw response: unary JSON error, or a stream's end message. */
export interface ConnectOutcome {
  httpStatus: number;
  /** Undefined when the call succeeded. */
  code: Code | undefined;
  message: string;
}

/** Reads the Connect outcome of a unary or client-streaming response. */
export async function outcomeOf(res: Response): Promise<ConnectOutcome> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  const type = res.headers.get("Content-Type") ?? "";
  if (!type.startsWith("application/connect+")) {
    if (res.status === 200) return { httpStatus: 200, code: undefined, message: "" };
    const err = JSON.parse(new TextDecoder().decode(bytes)) as { code?: string; message?: string };
    return { httpStatus: res.status, code: codeFromString(err.code ?? ""), message: err.message ?? "" };
  }
  // Envelopes: [flags u8][length u32 BE][data]; the end-stream one has flag 0x02.
  let off = 0;
  while (off + 5 <= bytes.length) {
    const flags = bytes[off] ?? 0;
    const len = new DataView(bytes.buffer, bytes.byteOffset + off + 1, 4).getUint32(0);
    const data = bytes.subarray(off + 5, off + 5 + len);
    off += 5 + len;
    if (flags & 0x02) {
      const end = JSON.parse(new TextDecoder().decode(data)) as {
        error?: { code?: string; message?: string };
      };
      if (!end.error) return { httpStatus: res.status, code: undefined, message: "" };
      return {
        httpStatus: res.status,
        code: codeFromString(end.error.code ?? "") ?? Code.Unknown,
        message: end.error.message ?? "",
      };
    }
  }
  return { httpStatus: res.status, code: Code.Unknown, message: "no end-stream message" };
}

/** A client-streaming request whose body the test writes message by message. */
export function openStream(token: string, hostId: string) {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const response = call("/fleetwatch.v1.IngestService/Stream", {
    method: "POST",
    headers: connectHeaders(token, hostId, "application/connect+proto"),
    body: readable,
  });
  return {
    response,
    /** Sends one enveloped message (already encoded). */
    send: (data: Uint8Array, flags = 0) => writer.write(encodeEnvelope(flags, data)),
    /** Sends raw bytes (to break the framing). */
    sendRaw: (bytes: Uint8Array) => writer.write(bytes),
    close: () => writer.close(),
  };
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Signs in with a token and returns the session cookie (`fw_session=...`). */
export async function signIn(token: string): Promise<string> {
  const res = await call("/api/session", {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: BASE },
    body: JSON.stringify({ token }),
  });
  if (res.status !== 200) throw new Error(`sign-in: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get("Set-Cookie") ?? "";
  const m = /fw_session=[^;]+/.exec(cookie);
  if (!m) throw new Error(`no session cookie in ${cookie}`);
  return m[0];
}
