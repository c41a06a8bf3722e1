import { env, exports } from "cloudflare:workers";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { encodeEnvelopes } from "@connectrpc/connect/protocol";
import { createConnectTransport } from "@connectrpc/connect-web";
import { type HostInfo, HostInfoSchema } from "@fleetwatch/proto/host_pb";
import { IngestService } from "@fleetwatch/proto/ingest_pb";
import { type Sample, SampleSchema } from "@fleetwatch/proto/sample_pb";
import { drizzle } from "drizzle-orm/d1";
import { issueToken } from "../../worker/src/auth/tokens";
import { fleets, type Role, tokens } from "../../worker/src/db/schema";
import { decodeSummaries } from "../../worker/src/metrics/summary";

export const BASE = "http://fleetwatch.test";

/** Calls the Worker's fetch handler as a client would. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

/** Creates a fleet with one token per role; returns the secrets. */
export async function createFleet(id = `fleet-${crypto.randomUUID().slice(0, 8)}`) {
  const db = drizzle(env.DB);
  await db.insert(fleets).values({ id, name: id, createdAt: Date.now() });
  const out = { id } as { id: string } & Record<Role, string>;
  for (const role of ["agent", "viewer", "admin"] as const) {
    const t = await issueToken();
    await db.insert(tokens).values({
      id: t.id,
      fleetId: id,
      role,
      name: `${role} token`,
      secretHash: t.secretHash,
      createdAt: Date.now(),
    });
    out[role] = t.secret;
  }
  return out;
}

/**
 * Connect client over the Worker's fetch handler. The runtime rejects
 * `redirect: "error"` and friends, which connect-web sets, so they are dropped.
 */
export function ingestClient(token?: string, hostId?: string, binary = true) {
  const transport = createConnectTransport({
    baseUrl: BASE,
    useBinaryFormat: binary,
    fetch: (input, init) => {
      const { redirect: _r, mode: _m, credentials: _c, ...rest } = (init ?? {}) as Record<string, unknown>;
      return exports.default.fetch(new Request(input, rest as RequestInit));
    },
    interceptors: [
      (next) => (req) => {
        if (token) req.header.set("Authorization", `Bearer ${token}`);
        if (hostId) req.header.set("fleetwatch-host-id", hostId);
        return next(req);
      },
    ],
  });
  return createClient(IngestService, transport);
}

export function hostInfo(init: MessageInitShape<typeof HostInfoSchema> = {}): HostInfo {
  const base: MessageInitShape<typeof HostInfoSchema> = {
    hostname: "web-1",
    machineId: crypto.randomUUID(),
    os: "Debian 12",
    kernel: "6.1.0",
    arch: "x64",
    cpuModel: "Test CPU",
    cores: 4,
    memoryBytes: 8n << 30n,
    agentVersion: "0.1.0",
    intervalS: 5,
  };
  return create(HostInfoSchema, { ...base, ...init } as MessageInitShape<typeof HostInfoSchema>);
}

/** A plausible full sample. */
export function sample(
  seq: number,
  timeMs = Date.now(),
  init: MessageInitShape<typeof SampleSchema> = {},
): Sample {
  const base: MessageInitShape<typeof SampleSchema> = {
    seq: BigInt(seq),
    timeMs: BigInt(timeMs),
    cpu: { totalPct: 12.5, userPct: 8, systemPct: 4, perCorePct: [10, 15, 12, 13] },
    load: { load1: 0.5, load5: 0.4, load15: 0.3 },
    memory: { totalBytes: 8n << 30n, usedBytes: 3n << 30n, availableBytes: 5n << 30n },
    filesystems: [
      { mount: "/", fsType: "ext4", device: "/dev/sda1", sizeBytes: 100n << 30n, usedBytes: 40n << 30n },
    ],
    net: [{ name: "eth0", rxBytesPerS: 1000, txBytesPerS: 500 }],
    processes: { total: 120, running: 2 },
    uptimeS: 3600,
  };
  return create(SampleSchema, { ...base, ...init } as MessageInitShape<typeof SampleSchema>);
}

/** Registers a host with Hello and returns its id and a client bound to it. */
export async function registerHost(agentToken: string, info = hostInfo()) {
  const res = await ingestClient(agentToken).hello(info);
  return { hostId: res.hostId, client: ingestClient(agentToken, res.hostId), hello: res };
}

/**
 * Opens the dashboard socket and collects its frames. With `frames: 2` (the
 * overview protocol) binary summaries frames are decoded and collected as
 * `{ type: "summaries", ... }`.
 */
export async function openLive(fleet: string, token: string, opts: { frames?: 2; alerts?: boolean } = {}) {
  const query = opts.frames ? `?frames=${opts.frames}${opts.alerts ? "&alerts=1" : ""}` : "";
  const res = await call(`/api/fleets/${fleet}/live${query}`, {
    headers: { Upgrade: "websocket", Authorization: `Bearer ${token}` },
  });
  const ws = res.webSocket;
  if (!ws) throw new Error(`no websocket: ${res.status} ${await res.text()}`);
  const frames: unknown[] = [];
  const waiters: (() => void)[] = [];
  ws.addEventListener("message", (e) => {
    frames.push(
      typeof e.data === "string"
        ? JSON.parse(e.data)
        : { type: "summaries", ...decodeSummaries(new Uint8Array(e.data as ArrayBuffer)) },
    );
    for (const w of waiters.splice(0)) w();
  });
  ws.binaryType = "arraybuffer";
  ws.accept();
  /** Waits until a frame matching `pred` has arrived. */
  async function next<T>(pred: (f: T) => boolean, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = (frames as T[]).find(pred);
      if (hit) return hit;
      if (Date.now() > deadline)
        throw new Error(`no matching frame; got ${JSON.stringify(frames).slice(0, 500)}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }
  return { ws, frames, next };
}

/** Encodes samples as a Connect client-streaming request body. */
export function streamBody(samples: Sample[]): Uint8Array {
  return encodeEnvelopes(...samples.map((s) => ({ flags: 0, data: toBinary(SampleSchema, s) })));
}
