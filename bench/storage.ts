// Bytes on disk per stored value, per tier, for realistic hosts pushed through a real hub (wrangler dev).
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Sample } from "@fleetwatch/proto/sample_pb";
import { connectClient } from "../tests/e2e/clients.ts";
import { startHub } from "../tests/e2e/hub.ts";
import { decodeTable } from "../worker/src/codec/columns.ts";
import { encodeRollupBlocks } from "../worker/src/fleet/rollup.ts";
import { encodeSegment, SEQ_COLUMN } from "../worker/src/fleet/segment-codec.ts";
import { validateSample } from "../worker/src/fleet/validate-sample.ts";
import { flattenMetrics } from "../worker/src/metrics/catalog.ts";
import { fleetCorpus, hostSamples } from "./lib/corpus.ts";
import { hourPoints } from "./lib/corpus-rollups.ts";
import { recordedSamples } from "./lib/recorded-samples.ts";
import { emit, log, numberArg, QUICK, type Row, round } from "./lib/result.ts";
import { mainDatabase } from "./lib/sqlite-files.ts";

const HOSTS = numberArg("hosts", QUICK ? 2 : 5);
/** Corpus hosts whose full week of 1 h points estimates the 1 h tier (encoded in process). */
const WEEK_HOSTS = QUICK ? 1 : 2;
/** The hub refuses samples older than 23 h: the whole raw window but its last hour. */
const HOURS = Math.min(23, numberArg("hours", QUICK ? 2 : 23));
const INTERVAL_S = 5;
const FLEET = "storage";
const HOUR_MS = 3_600_000;
const GB10 = 10 * 1e9;
/** Default retention of the rollup tiers (worker/src/fleet/series.ts RETENTION). */
const RETAIN_1M_H = 30 * 24;
const RETAIN_1H_DAYS = 730;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** On-disk bytes per table (pages, including b-tree overhead), from SQLite's dbstat. */
function tableBytes(file: string): Map<string, number> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const rows = db.prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name").all() as {
      name: string;
      bytes: number;
    }[];
    return new Map(rows.map((r) => [r.name, Number(r.bytes)]));
  } finally {
    db.close();
  }
}

/** Non-null numbers of a decoded table but seqs (and `skip`): the values it stores. */
function countValues(table: ReturnType<typeof decodeTable>, skip?: string): number {
  let values = 0;
  for (const [key, col] of table.cols) {
    if (key === SEQ_COLUMN || key === skip) continue;
    for (const v of col) if (v !== null) values++;
  }
  return values;
}

/**
 * Values stored in a rollup table's blobs (legacy text rows count 0), and
 * the host-hours they cover: distinct hours of their points, per row (a row
 * is one host's).
 */
function storedValues(
  file: string,
  table: string,
): { values: number; payload: number; rows: number; hostHours: number } {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    let values = 0;
    let payload = 0;
    let rows = 0;
    let hostHours = 0;
    const it = db.prepare(`SELECT data AS b, idx FROM ${table}`).iterate() as Iterable<{
      b: unknown;
      idx: string | null;
    }>;
    for (const r of it) {
      rows++;
      const b = r.b;
      if (!(b instanceof Uint8Array)) continue;
      payload += b.length;
      // A row in blocks (one table per series family, each with the points' times) or one table.
      const blocks =
        r.idx === null ? [[0, b.length]] : Object.values(JSON.parse(r.idx) as Record<string, number[]>);
      let times: number[] = [];
      blocks.forEach(([at = 0, length = 0], i) => {
        const t = decodeTable(b.subarray(at, at + length));
        // Every block repeats the points' counts: a value once per row.
        values += countValues(t, i === 0 ? undefined : "n");
        times = t.t;
      });
      hostHours += new Set(times.map((x) => Math.floor(x / HOUR_MS))).size;
    }
    return { values, payload, rows, hostHours };
  } finally {
    db.close();
  }
}

/** Values in the raw window's group rows (each host's part decoded on its own), and hosts per row. */
function rawValues(file: string): { values: number; payload: number; rows: number; parts: number } {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    let values = 0;
    let payload = 0;
    let rows = 0;
    let parts = 0;
    const it = db.prepare("SELECT dir, data FROM raw_groups").iterate() as Iterable<{
      dir: string;
      data: Uint8Array;
    }>;
    for (const r of it) {
      rows++;
      payload += r.data.length;
      let at = 0;
      for (const [, , , , , bytes] of JSON.parse(r.dir) as DirEntry[]) {
        values += countValues(decodeTable(r.data.subarray(at, at + bytes)));
        at += bytes;
        parts++;
      }
    }
    return { values, payload, rows, parts };
  } finally {
    db.close();
  }
}

/** A raw row's directory entry (worker/src/fleet/raw-window.ts DirEntry): host, seqs, times, bytes. */
type DirEntry = [host: string, minSeq: number, maxSeq: number, minT: number, maxT: number, bytes: number];

/** A promise and its resolver. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Samples as the hub stores them: validated, flattened, in segments of 60 (5 min at 5 s). */
function segments(samples: readonly Sample[]): { keys: string[]; rows: (number | null)[][] }[] {
  const out: { keys: string[]; rows: (number | null)[][] }[] = [];
  for (let i = 0; i < samples.length; i += 60) {
    const keys: string[] = [];
    const index = new Map<string, number>();
    const rows = samples.slice(i, i + 60).map((s) => {
      const v = validateSample(s, Number(s.timeMs) + 1000);
      const row: (number | null)[] = [v.seq, v.timeMs];
      const flat = flattenMetrics(v.metrics);
      for (const k in flat) {
        let j = index.get(k);
        if (j === undefined) {
          j = keys.length;
          keys.push(k);
          index.set(k, j);
        }
        while (row.length < j + 2) row.push(null);
        row[j + 2] = flat[k] as number;
      }
      return row;
    });
    out.push({ keys, rows });
  }
  return out;
}

/** Encoded bytes per value of samples in segments, and JSON text for comparison, with encode/decode time. */
function inProcess(samples: readonly Sample[]) {
  const segs = segments(samples);
  let values = 0;
  let json = 0;
  for (const s of segs) {
    for (const r of s.rows)
      for (let j = 2; j < r.length; j++) if (r[j] !== null && r[j] !== undefined) values++;
    json += JSON.stringify({ k: s.keys, p: s.rows }).length;
  }
  const t0 = performance.now();
  const blobs = segs.map((s) => encodeSegment(s.keys, s.rows));
  const t1 = performance.now();
  for (const b of blobs) decodeTable(b);
  const t2 = performance.now();
  const bytes = blobs.reduce((n, b) => n + b.length, 0);
  const hours = (samples.length * INTERVAL_S) / 3600;
  return {
    values,
    bytesPerValue: bytes / values,
    jsonPerValue: json / values,
    encodeMsPerHostHour: (t1 - t0) / hours,
    decodeMsPerHostHour: (t2 - t1) / hours,
  };
}

const rows: Row[] = [];
const notes: string[] = [];
const hub = await startHub();
try {
  const tokens = await hub.fleet(FLEET);
  const doDir = join(hub.state, "v3", "do");
  const d1Dir = join(hub.state, "v3", "d1");
  const hosts = fleetCorpus(HOSTS, 7);
  const now = Date.now();
  const start = now - HOURS * HOUR_MS + 60_000;
  const count = Math.floor((now - start) / (INTERVAL_S * 1000));
  log(`storage: pushing ${HOURS} h at ${INTERVAL_S} s for ${HOSTS} hosts (${count * HOSTS} samples)`);
  const sampled: Sample[] = [];
  const clients = [];
  const series: Sample[][] = [];
  for (const h of hosts) {
    const hello = await connectClient(hub.url, tokens.agent).hello(h.hostInfo());
    clients.push(connectClient(hub.url, tokens.agent, hello.hostId));
    series.push(hostSamples(h, count, start));
  }
  sampled.push(...(series[0] ?? []));
  // As live hosts store them: every 5 minutes of samples, the group's row
  // holds all hosts' (a small fleet is one group). Each host streams its 5
  // minutes; once all have arrived the streams end, and the first to end
  // writes the group's row.
  for (let i = 0; i < count; i += 60) {
    const gate = deferred();
    const sent = clients.map(() => deferred());
    const streams = clients.map((c, j) =>
      c.stream(
        (async function* () {
          yield* (series[j] as Sample[]).slice(i, i + 60);
          sent[j]?.resolve();
          await gate.promise;
        })(),
      ),
    );
    await Promise.all(sent.map((d) => d.promise));
    await sleep(100);
    gate.resolve();
    await Promise.all(streams);
  }
  // Closed hours go to D1 on the object's alarm; wait until only the open hour (or two) remain.
  const headers = { Authorization: `Bearer ${tokens.viewer}` };
  for (let i = 0; i < 180; i++) {
    const res = await fetch(`${hub.url}/api/fleets/${FLEET}/health`, { headers });
    const health = (await res.json()) as { objects: { rollups: { pendingHours: number } }[] };
    const pending = health.objects.reduce((n, o) => n + o.rollups.pendingHours, 0);
    if (pending <= 2 * HOSTS) break;
    await sleep(1000);
  }
  // Stopping the hub checkpoints the WAL into the database files.
  await hub.stop();

  const doFile = mainDatabase(doDir);
  const d1File = mainDatabase(d1Dir);
  const doTables = tableBytes(doFile);
  const d1Tables = tableBytes(d1File);
  const raw = rawValues(doFile);
  const m1 = storedValues(d1File, "rollups_1m");
  const h1 = storedValues(d1File, "rollups_1h");
  const rawDisk = doTables.get("raw_groups") ?? 0;
  const m1Disk = (d1Tables.get("rollups_1m") ?? 0) + (d1Tables.get("sqlite_autoindex_rollups_1m_1") ?? 0);
  const h1Disk = (d1Tables.get("rollups_1h") ?? 0) + (d1Tables.get("sqlite_autoindex_rollups_1h_1") ?? 0);
  const hostHours = HOSTS * HOURS;
  const rawPerHostDay = (rawDisk / hostHours) * 24;
  const m1PerHostHour = m1.hostHours > 0 ? m1Disk / m1.hostHours : Number.NaN;
  // A 1 h row holds a host-week and this run fills a few hours of one, whose
  // pages and per-block overhead a full row does not have: a full week of
  // the corpus's hour points encoded as the hub writes them, with the 1 m
  // tier's on-disk overhead (rows of tens of KB, as a full week's).
  const diskOverhead = m1.payload > 0 ? m1Disk / m1.payload : Number.NaN;
  const weekDays = QUICK ? 1 : 7;
  let weekBytes = 0;
  for (const h of fleetCorpus(WEEK_HOSTS, 7)) {
    const { data, idx } = encodeRollupBlocks(hourPoints(h, Date.UTC(2026, 5, 1), weekDays * 24));
    weekBytes += data.length + idx.length;
  }
  const h1PerHostDay = (weekBytes / WEEK_HOSTS / weekDays) * diskOverhead;
  const d1PerHost = m1PerHostHour * RETAIN_1M_H + h1PerHostDay * RETAIN_1H_DAYS;

  rows.push(
    {
      metric: "raw window on disk",
      value: round(rawDisk / raw.values, 2),
      unit: "B/value",
      note: `${raw.values} values, ${raw.rows} rows of ${round(raw.parts / Math.max(1, raw.rows), 1)} hosts' parts on average`,
    },
    { metric: "raw window payload", value: round(raw.payload / raw.values, 2), unit: "B/value" },
    { metric: "raw window per host-day", value: round(rawPerHostDay / 1e6, 2), unit: "MB" },
    {
      metric: "fleet object: hosts per 10 GB of raw window",
      value: Math.floor(GB10 / rawPerHostDay),
      unit: "hosts",
    },
    {
      metric: "1 m rollups on disk",
      value: round(m1Disk / Math.max(1, m1.values), 2),
      unit: "B/value",
      note: `${m1.values} values (n + min/avg/max), ${m1.rows} rows of up to 6 h`,
    },
    { metric: "1 m rollups per host-hour", value: round(m1PerHostHour / 1e3, 1), unit: "KB" },
    {
      metric: "1 h rollups payload",
      value: round(h1.payload / Math.max(1, h1.values), 2),
      unit: "B/value",
      note: `${h1.values} values, ${h1.rows} rows of up to a week; on disk ${round(h1Disk / Math.max(1, h1.values), 2)} in rows this run fills only a few hours of`,
    },
    {
      metric: "1 h rollups per host-day (full rows)",
      value: round(h1PerHostDay / 1e3, 1),
      unit: "KB",
      note: `${WEEK_HOSTS} corpus host(s) x ${weekDays} days of hour points encoded as the hub writes them, x ${round(diskOverhead, 2)} (the 1 m tier's on-disk overhead)`,
    },
    {
      metric: "D1 per host at default retention (1 m 30 d + 1 h 2 y)",
      value: round(d1PerHost / 1e6, 1),
      unit: "MB",
    },
    {
      metric: "one D1 (10 GB): hosts at default retention",
      value: Math.floor(GB10 / d1PerHost),
      unit: "hosts",
    },
  );

  inProcess(sampled); // warms the JIT: the figures below are steady state
  const corpus = inProcess(sampled);
  rows.push(
    {
      metric: "corpus, encoded in process",
      value: round(corpus.bytesPerValue, 2),
      unit: "B/value",
      note: `JSON text ${round(corpus.jsonPerValue, 1)} B/value`,
    },
    { metric: "encode CPU per host-hour", value: round(corpus.encodeMsPerHostHour, 2), unit: "ms" },
    { metric: "decode CPU per host-hour", value: round(corpus.decodeMsPerHostHour, 2), unit: "ms" },
  );
  try {
    const real = inProcess(recordedSamples());
    rows.push({
      metric: "real agent's samples, encoded in process",
      value: round(real.bytesPerValue, 2),
      unit: "B/value",
      note: `JSON text ${round(real.jsonPerValue, 1)} B/value, ${real.values} values`,
    });
  } catch (e) {
    notes.push(`No recorded agent samples (${e instanceof Error ? e.message : String(e)}).`);
  }
  notes.push(
    `${HOSTS} corpus hosts (bench/lib/corpus.ts, seed 7) x ${HOURS} h at ${INTERVAL_S} s pushed through wrangler dev; sizes read with SQLite's dbstat after the hub stopped (pages on disk, b-tree overhead included: what is billed).`,
    "A value is one stored number: a series sample in the raw window, each of n/min/avg/max in a rollup. Times, seqs and directories are overhead on top.",
    "Hosts per 10 GB assume every host like these (~28-60 series). A host with many mounts, interfaces or containers stores proportionally more.",
    "Per host-hour figures divide a tier's bytes on disk by the host-hours its points cover. A 1 h row holds a week and this run fills a few hours of each, so its pages are mostly empty and its per-block overhead (each series family's block repeats the points' times and counts) is spread over few points: the 1 h tier at retention is a full week of corpus hour points encoded in process, times the 1 m tier's on-disk overhead (rows of tens of KB, as a full week's).",
  );
} finally {
  await hub.dispose();
}

emit({
  id: "storage",
  title: "Storage density: bytes per value on disk, per tier",
  rows,
  notes,
  reproduce: "node --import ./bench/lib/resolve-ts.ts bench/storage.ts [--hosts 5] [--hours 23] [--quick]",
});
