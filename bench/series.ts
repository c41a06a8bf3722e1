// Time to answer a 24 h history query at 1 m from a real hub: D1 rollups plus the hours the DO still holds.
import type { Sample } from "@fleetwatch/proto/sample_pb";
import { connectClient, info } from "../tests/e2e/clients.ts";
import { startHub } from "../tests/e2e/hub.ts";
import { emit, log, numberArg, quantile, round } from "./lib/result.ts";
import { fullSample } from "./lib/sample.ts";

const QUERIES = numberArg("queries", 40);
/** Samples older than the hub's 23 h replay window are refused: fill what it accepts. */
const HISTORY_H = Math.min(23, numberArg("hours", 23));
const INTERVAL_S = 5;
const FLEET = "series";
const HOUR_MS = 3_600_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const hub = await startHub();
try {
  const tokens = await hub.fleet(FLEET);
  const hello = await connectClient(hub.url, tokens.agent).hello(info("history-1"));
  const client = connectClient(hub.url, tokens.agent, hello.hostId);
  const now = Date.now();
  const start = now - HISTORY_H * HOUR_MS + 60_000;
  const total = Math.floor((now - start) / (INTERVAL_S * 1000));
  log(`series: pushing ${total} samples (${HISTORY_H} h at ${INTERVAL_S} s) for one host`);
  for (let i = 0; i < total; i += 1000) {
    const batch: Sample[] = [];
    for (let j = i; j < Math.min(total, i + 1000); j++) {
      batch.push({ ...fullSample(j + 1, start + j * INTERVAL_S * 1000), seq: BigInt(j + 1) } as Sample);
    }
    await client.push({ samples: batch });
  }
  // Closed hours go to D1 on the object's alarm; wait until only the open hours remain pending.
  const url = (from: number, to: number) =>
    `${hub.url}/api/fleets/${FLEET}/hosts/${hello.hostId}/series?metric=cpu&from=${from}&to=${to}&step=60`;
  const headers = { Authorization: `Bearer ${tokens.viewer}` };
  let rows = 0;
  for (let i = 0; i < 60; i++) {
    const d1 = await fetch(`${hub.url}/api/fleets/${FLEET}/usage`, {
      headers: { Authorization: `Bearer ${tokens.admin}` },
    });
    rows = ((await d1.json()) as { d1RowsWritten: number }).d1RowsWritten;
    if (rows >= HISTORY_H - 2) break;
    await sleep(1000);
  }
  log(`series: ${rows} D1 rows written by the rollups; querying ${QUERIES} times`);
  const times: number[] = [];
  let points = 0;
  let tier = "";
  for (let i = 0; i < QUERIES; i++) {
    const to = Date.now();
    const t0 = performance.now();
    const res = await fetch(url(to - 24 * HOUR_MS, to), { headers });
    const body = (await res.json()) as { tier: string; points: unknown[] };
    times.push(performance.now() - t0);
    if (!res.ok) throw new Error(`series: ${res.status} ${JSON.stringify(body)}`);
    points = body.points.length;
    tier = body.tier;
  }
  times.sort((a, b) => a - b);
  emit({
    id: "series",
    title: "History query: 24 h of cpu at 1 m for one host, through the real hub",
    rows: [
      { metric: "p50 request time", value: round(quantile(times, 0.5)), unit: "ms", note: "goal < 50 ms" },
      { metric: "p99 request time", value: round(quantile(times, 0.99)), unit: "ms" },
      { metric: "points returned", value: points, note: `tier ${tier}` },
      { metric: "D1 rollup rows behind it", value: rows, note: "one row per host-hour of 1 m points" },
    ],
    notes: [
      `${total} samples pushed (${HISTORY_H} h at ${INTERVAL_S} s, the hub's replay window), closed hours rolled up into D1 by the fleet object's alarm, then ${QUERIES} sequential GET .../series?metric=cpu&step=60 over the last 24 h, timed at the client (loopback, wrangler dev).`,
    ],
    reproduce: "npm run bench -- --only series",
  });
} finally {
  await hub.dispose();
}
