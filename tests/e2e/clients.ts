import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { HostInfoSchema } from "@fleetwatch/proto/host_pb";
import { IngestService } from "@fleetwatch/proto/ingest_pb";
import { SampleSchema } from "@fleetwatch/proto/sample_pb";
import type { LiveFrame } from "../../worker/src/metrics/types";

/** A Connect client over HTTP/1.1 (what `wrangler dev` serves), binary protobuf. */
export function connectClient(hub: string, token?: string, hostId?: string) {
  const transport = createConnectTransport({
    baseUrl: hub,
    httpVersion: "1.1",
    useBinaryFormat: true,
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

export function info(hostname: string) {
  return create(HostInfoSchema, { hostname, machineId: `m-${hostname}`, os: "test", cores: 2, intervalS: 5 });
}

export function sample(seq: number, cpu = 10) {
  return create(SampleSchema, {
    seq: BigInt(seq),
    timeMs: BigInt(Date.now()),
    cpu: { totalPct: cpu, perCorePct: [cpu, cpu] },
  });
}

/** A dashboard-like WebSocket client that records frames. */
export async function liveClient(hub: string, fleet: string, token: string) {
  const ws = new WebSocket(`${hub.replace("http", "ws")}/api/fleets/${fleet}/live`, {
    headers: { Authorization: `Bearer ${token}` },
  } as unknown as string[]);
  const frames: LiveFrame[] = [];
  ws.addEventListener("message", (e) => frames.push(JSON.parse(String(e.data)) as LiveFrame));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", () => reject(new Error("websocket failed to open")));
  });
  async function waitFor(pred: (f: LiveFrame) => boolean, timeoutMs: number): Promise<LiveFrame> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const hit = frames.find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames).slice(0, 400)}`);
  }
  return { ws, frames, waitFor };
}
