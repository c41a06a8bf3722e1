// Time to answer history queries from a real hub: 24 h at 1 m (D1 rollups plus the hours the DO
// still holds), 30 days and a year at 1 h, for a host of the realistic corpus.
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Sample } from "@fleetwatch/proto/sample_pb";
import { connectClient } from "../tests/e2e/clients.ts";
import { startHub } from "../tests/e2e/hub.ts";
import { encodeRollupBlocks, type RollupPoint } from "../worker/src/fleet/rollup.ts";
import { fleetCorpus, hostSamples } from "./lib/corpus.ts";
import { hourPoints } from "./lib/corpus-rollups.ts";
import { emit, log, numberArg, QUICK, quantile, type Row, round } from "./lib/result.ts";
import { sqliteFiles } from "./lib/sqlite-files.ts";

const QUERIES = numberArg("queries", QUICK ? 10 : 40);
/** Samples older than the hub's 23 h replay window are refused: fill what it accepts. */
const HISTORY_H = Math.min(23, numberArg("hours", QUICK ? 3 : 23));
const INTERVAL_S = 5;
const FLEET = "series";
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** What one stored 1 h row holds (worker/src/fleet/rollup-store.ts ROW_SPAN_MS). */
const WEEK_MS = 7 * DAY_MS;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Writes a year of 1 h rows for a host into the D1 database that holds its
 * rollups (found by its rows), while the hub is stopped: a year cannot be
 * pushed (the hub refuses samples older than 23 h). A week of the corpus's
 * hour points, repeated with shifted times: real values, so real sizes.
 */
function seedYear(d1Dir: string, fleet: string, hostId: string, week: RollupPoint[], now: number): number {
  const file = sqliteFiles(d1Dir)
    .filter((f) => f.endsWith(".sqlite"))
    .find((f) => {
      const db = new DatabaseSync(f, { readOnly: true });
      try {
        const has = db.prepare("SELECT name FROM sqlite_master WHERE name = 'rollups_1h'").get();
        return (
          has !== undefined &&
          db.prepare("SELECT 1 FROM rollups_1h WHERE host_id = ?").get(hostId) !== undefined
        );
      } finally {
        db.close();
      }
    });
  if (!file) throw new Error(`no D1 database holds rollups of ${hostId}`);
  const db = new DatabaseSync(file);
  try {
    const firstStored = Math.floor((now - HISTORY_H * HOUR_MS) / WEEK_MS) * WEEK_MS;
    const insert = db.prepare(
      "INSERT OR IGNORE INTO rollups_1h (fleet_id, host_id, start, points, data, idx) VALUES (?, ?, ?, '', ?, ?)",
    );
    const base = week[0]?.t ?? 0;
    let rows = 0;
    for (let start = firstStored - WEEK_MS; start > now - 366 * DAY_MS - WEEK_MS; start -= WEEK_MS) {
      const points = week.map((p) => ({ ...p, t: start + (p.t - base) }));
      const { data, idx } = encodeRollupBlocks(points);
      insert.run(fleet, hostId, start, data, idx);
      rows++;
    }
    return rows;
  } finally {
    db.close();
  }
}

async function timeQueries(url: (from: number, to: number) => string, spanMs: number, headers: HeadersInit) {
  const times: number[] = [];
  let points = 0;
  let tier = "";
  for (let i = 0; i < QUERIES; i++) {
    const to = Date.now();
    const t0 = performance.now();
    const res = await fetch(url(to - spanMs, to), { headers });
    const body = (await res.json()) as { tier: string; points: unknown[] };
    times.push(performance.now() - t0);
    if (!res.ok) throw new Error(`series: ${res.status} ${JSON.stringify(body)}`);
    points = body.points.length;
    tier = body.tier;
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), points, tier };
}

const hub = await startHub();
const rows: Row[] = [];
const notes: string[] = [];
try {
  const tokens = await hub.fleet(FLEET);
  const [host] = fleetCorpus(1, 11);
  if (!host) throw new Error("no corpus host");
  const hello = await connectClient(hub.url, tokens.agent).hello(host.hostInfo());
  const client = connectClient(hub.url, tokens.agent, hello.hostId);
  const now = Date.now();
  const start = now - HISTORY_H * HOUR_MS + 60_000;
  const total = Math.floor((now - start) / (INTERVAL_S * 1000));
  log(`series: pushing ${total} corpus samples (${HISTORY_H} h at ${INTERVAL_S} s) for one host`);
  const samples: Sample[] = hostSamples(host, total, start);
  for (let i = 0; i < total; i += 1000) await client.push({ samples: samples.slice(i, i + 1000) });
  // Closed hours go to D1 on the object's alarm; wait until only the open hours remain pending.
  const headers = { Authorization: `Bearer ${tokens.viewer}` };
  for (let i = 0; i < 120; i++) {
    const res = await fetch(`${hub.url}/api/fleets/${FLEET}/health`, { headers });
    const health = (await res.json()) as { objects: { rollups: { pendingHours: number } }[] };
    if (health.objects.reduce((n, o) => n + o.rollups.pendingHours, 0) <= 2) break;
    await sleep(1000);
  }

  log("series: seeding a year of 1 h rows (hub stopped)");
  // The same host afresh (a corpus host's samples only move forward in time).
  const [again] = fleetCorpus(1, 11);
  if (!again) throw new Error("no corpus host");
  const week = hourPoints(again, Date.UTC(2026, 5, 1), QUICK ? 24 : 168);
  await hub.stop();
  const seeded = seedYear(join(hub.state, "v3", "d1"), FLEET, hello.hostId, week, now);
  await hub.restart();

  const url = (step: number) => (from: number, to: number) =>
    `${hub.url}/api/fleets/${FLEET}/hosts/${hello.hostId}/series?metric=cpu&from=${from}&to=${to}&step=${step}`;
  for (const [label, span, step, goal] of [
    ["24 h at 1 m", DAY_MS, 60, 30],
    ["30 d at 1 h", 30 * DAY_MS, 3600, 60],
    ["1 y at 1 h", 365 * DAY_MS, 3600, 60],
  ] as const) {
    log(`series: ${QUERIES} queries of ${label}`);
    const r = await timeQueries(url(step), span, headers);
    rows.push(
      {
        metric: `${label}: p50 request time`,
        value: round(r.p50, 1),
        unit: "ms",
        note: `goal < ${goal} ms; ${r.points} points, tier ${r.tier}`,
      },
      { metric: `${label}: p99 request time`, value: round(r.p99, 1), unit: "ms" },
    );
  }
  notes.push(
    `One host of the realistic corpus (bench/lib/corpus.ts, seed 11): ${total} samples pushed (${HISTORY_H} h at ${INTERVAL_S} s, the hub's replay window), closed hours rolled up into D1 by the fleet object's alarm (1 m rows of 6 h, 1 h rows of a week); then ${seeded} more week rows of 1 h written into the host's D1 database while the hub was stopped (a year cannot be pushed: the hub refuses samples older than 23 h), each a week of the corpus's hour points with shifted times (${week.length} points: real values, so real sizes).`,
    `${QUERIES} sequential GET .../series?metric=cpu per range, timed at the client (loopback, wrangler dev, local D1). A deployed Worker adds network time to D1 and to the client; these figures are the hub's own work.`,
  );
} finally {
  await hub.dispose();
}

emit({
  id: "series",
  title: "History queries through the real hub: 24 h at 1 m, 30 days and a year at 1 h",
  rows,
  notes,
  reproduce: "npm run bench -- --only series [--quick]",
});
