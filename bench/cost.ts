// Monthly Cloudflare bill for 100, 1,000 and 10,000 hosts at 5 s + 10 viewers: operations counted by a
// real hub, bytes stored at full retention measured by bench/storage.
import type { Sample } from "@fleetwatch/proto/sample_pb";
import { connectClient, info } from "../tests/e2e/clients.ts";
import { type Hub, startHub } from "../tests/e2e/hub.ts";
import type { Usage } from "../worker/src/fleet/usage-counts.ts";
import { streamRotateS } from "../worker/src/rpc/rotation.ts";
import {
  type Bill,
  bill,
  GB,
  HUB_DEFAULTS,
  hostsPerGroup,
  type MeasuredRates,
  MONTH_S,
  monthlyUsage,
  PRICES,
  type Retention,
  type Scenario,
  type StoredPerHost,
  steadyRowsPerHostHour,
} from "./lib/pricing.ts";
import { emit, log, numberArg, QUICK, type Row, round } from "./lib/result.ts";
import { fullSample } from "./lib/sample.ts";

const HOSTS = numberArg("hosts", 100);
const INTERVAL_S = numberArg("interval", 5);
const VIEWERS = 10;
const HOUR_MS = 3_600_000;

/*
 * Bytes on disk per host, from a full `npm run bench -- --only storage` on 2026-12-06 02:12 UTC
 * (5 corpus hosts x 23 h at 5 s through wrangler dev, raw rows shared by the 5 hosts, rollup rows
 * in blocks; dbstat pages, b-tree overhead included). It printed "raw window per host-day" 1.17 MB,
 * "1 m rollups per host-hour" 8.2 KB, "1 h rollups per host-day (full rows)" 4.1 KB and "D1 per
 * host at default retention" 8.9 MB.
 */
const STORAGE_RAW_MB_PER_HOST_DAY = 1.17;
const STORAGE_D1_KB_PER_HOST_HOUR_1M = 8.2;
const STORAGE_D1_KB_PER_HOST_DAY_1H = 4.1;

const STORED: StoredPerHost = {
  rawBytesPerHostDay: numberArg("raw-mb-per-host-day", STORAGE_RAW_MB_PER_HOST_DAY) * 1e6,
  d1BytesPerHostHour1m: numberArg("d1-kb-per-host-hour-1m", STORAGE_D1_KB_PER_HOST_HOUR_1M) * 1e3,
  d1BytesPerHostDay1h: numberArg("d1-kb-per-host-day-1h", STORAGE_D1_KB_PER_HOST_DAY_1H) * 1e3,
};
const DEFAULT_1H = !process.argv.includes("--d1-kb-per-host-day-1h");
/** The hub's default retention. */
const RETAIN: Retention = HUB_DEFAULTS.retention;
/** Fleets priced: 10,000 hosts both in one object and over 4 ingest shards. */
const SIZES: { hosts: number; shards: number }[] = [
  { hosts: 100, shards: 1 },
  { hosts: 1000, shards: 1 },
  { hosts: 10_000, shards: 1 },
  { hosts: 10_000, shards: 4 },
];
/** Quick mode fits the 5-minute budget but misses the 300 s raw and 600 s state flushes: use the full run for the bill. */
const WINDOW_S = numberArg("seconds", QUICK ? 20 : 660);
const FLEET = "cost";
/** Rows a stream's end writes: its group's raw row and state row (worker/src/fleet/ingest-core.ts commit). */
const STREAM_END_ROWS = 2;
/** The dashboard pings every 20 s (web/src/lib/reconnecting-socket.ts). */
const PING_S = 20;

const KEYS = [
  "doRequests",
  "wsMessagesIn",
  "wsMessagesOut",
  "doRowsWritten",
  "doRowsRead",
  "d1RowsWritten",
  "d1RowsRead",
  "samples",
] as const;

async function usage(hub: Hub, admin: string): Promise<Usage & { at: number; wall: number }> {
  const res = await fetch(`${hub.url}/api/fleets/${FLEET}/usage`, {
    headers: { Authorization: `Bearer ${admin}` },
  });
  if (!res.ok) throw new Error(`GET /api/fleets/${FLEET}/usage: ${res.status} ${await res.text()}`);
  const u = (await res.json()) as Partial<Usage>;
  for (const k of KEYS) {
    if (typeof u[k] !== "number") throw new Error(`usage report lacks ${k}: ${JSON.stringify(u)}`);
  }
  return { ...(u as Usage), at: performance.now(), wall: Date.now() };
}

function diff(a: Usage, b: Usage): Record<(typeof KEYS)[number], number> {
  return Object.fromEntries(KEYS.map((k) => [k, b[k] - a[k]])) as Record<(typeof KEYS)[number], number>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const usd = (v: number) => `$${v.toFixed(2)}`;
const pct = (part: number, whole: number) => `${round((100 * part) / whole, 1)} %`;
const gb = (bytes: number) => `${round(bytes / GB, bytes < 10 * GB ? 2 : 1)} GB`;
const qty = (v: number) =>
  v >= 1e9
    ? `${round(v / 1e9, 2)} B`
    : v >= 1e6
      ? `${round(v / 1e6, 2)} M`
      : v >= 1e3
        ? `${round(v / 1e3, 1)} k`
        : `${round(v, 1)}`;

type Tokens = Awaited<ReturnType<Hub["fleet"]>>;

async function measure(): Promise<{ rates: MeasuredRates; notes: string[] }> {
  log(`cost: starting a hub; ${HOSTS} hosts at ${INTERVAL_S} s, ${VIEWERS} viewers, ${WINDOW_S} s window`);
  const hub = await startHub();
  try {
    const tokens = await hub.fleet(FLEET);
    for (let attempt = 1; ; attempt++) {
      const before = hub.log().length;
      const result = await attemptMeasure(hub, tokens);
      // `wrangler dev` reloads when a source file changes; the new DO starts its counters at zero.
      const reloaded = hub.log().slice(before).includes("Local server updated");
      if (result && !reloaded) return result;
      if (attempt === 3) throw new Error("the hub reloaded or failed in every attempt; see its log");
      log("cost: the dev server reloaded or a stream failed; measuring again");
      await sleep(3000);
    }
  } finally {
    await hub.dispose();
  }
}

async function attemptMeasure(
  hub: Hub,
  tokens: Tokens,
): Promise<{ rates: MeasuredRates; notes: string[] } | undefined> {
  let workerRequests = 0;
  const sockets: WebSocket[] = [];
  for (let i = 0; i < VIEWERS; i++) {
    const ws = new WebSocket(`${hub.url.replace("http", "ws")}/api/fleets/${FLEET}/live`, {
      headers: { Authorization: `Bearer ${tokens.viewer}` },
    } as unknown as string[]);
    workerRequests++;
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve());
      ws.addEventListener("error", () => reject(new Error("viewer socket failed")));
    });
    sockets.push(ws);
  }
  const pinger = setInterval(() => {
    for (const ws of sockets) ws.send("ping");
  }, PING_S * 1000);

  const hosts = await Promise.all(
    Array.from({ length: HOSTS }, async (_, n) => {
      workerRequests++;
      const hello = await connectClient(hub.url, tokens.agent).hello(info(`cost-${n}`));
      return hello.hostId;
    }),
  );
  let stop = false;
  let streams = 0;
  const running = hosts.map(async (hostId) => {
    async function* samples() {
      // Spread hosts over the interval like real agents started at different times.
      await sleep(Math.random() * INTERVAL_S * 1000);
      for (let seq = 1; !stop; seq++) {
        yield { ...fullSample(seq), seq: BigInt(seq) } as Sample;
        await sleep(INTERVAL_S * 1000);
      }
    }
    streams++;
    workerRequests++;
    return connectClient(hub.url, tokens.agent, hostId)
      .stream(samples())
      .catch((e: unknown) => {
        log(`cost: stream failed: ${String(e)}`);
        return undefined;
      });
  });

  await sleep(Math.max(INTERVAL_S * 2, 10) * 1000);
  const u0 = await usage(hub, tokens.admin);
  log(`cost: measuring for ${WINDOW_S} s`);
  await sleep(WINDOW_S * 1000);
  const u1 = await usage(hub, tokens.admin);
  stop = true;
  const summaries = await Promise.all(running);
  await sleep(2000);
  const u2 = await usage(hub, tokens.admin);
  clearInterval(pinger);
  for (const ws of sockets) ws.close();
  if (summaries.some((r) => r === undefined) || u1.since !== u0.since || u2.since !== u0.since)
    return undefined;

  const windowS = (u1.at - u0.at) / 1000;
  const inWindow = diff(u0, u1);
  const atClose = diff(u1, u2);
  const accepted = summaries.reduce((s, r) => s + (r?.accepted ?? 0), 0);
  // The usage call that ends each span is itself a DO request.
  const rates: MeasuredRates = {
    fleetDoRequestsPerS: Math.max(0, inWindow.doRequests - 1) / windowS,
    perHostS: {
      doRowsWritten: inWindow.doRowsWritten / (HOSTS * windowS),
      doRowsRead: inWindow.doRowsRead / (HOSTS * windowS),
    },
    // A window of minutes closes at most one hour and prunes nothing: that work is counted per host-hour.
    hostsPerGroup: hostsPerGroup(HOSTS),
    perHostHour: steadyRowsPerHostHour({
      retention: RETAIN,
      segmentsPerHostHour: HUB_DEFAULTS.segmentsPerHostHour,
      hostsPerGroup: hostsPerGroup(HOSTS),
      rowSpan: HUB_DEFAULTS.rowSpan,
    }),
    // Streams closed at once here, so most found their group already written;
    // rotations are staggered in a live fleet, and each end writes its
    // group's raw and state rows: priced as 2, an upper bound.
    perStream: { doRowsWritten: STREAM_END_ROWS, doRowsRead: atClose.doRowsRead / streams },
    workerRequestsPerStream: 1,
    stored: STORED,
  };
  const crossedHour = Math.floor(u0.wall / HOUR_MS) !== Math.floor(u1.wall / HOUR_MS);
  const notes = [
    `Counted through a real hub (wrangler dev): ${HOSTS} hosts streaming full samples every ${INTERVAL_S} s, ${VIEWERS} viewers pinging every ${PING_S} s, a ${round(windowS)} s window read from GET /api/fleets/:fleet/usage; ${inWindow.samples} samples stored in the window, ${accepted} acknowledged by the streams.`,
    `In the window: ${inWindow.doRequests} DO requests (alarms; streams and sockets were opened before it), ${inWindow.doRowsWritten} DO rows written, ${inWindow.doRowsRead} read, ${inWindow.d1RowsWritten} D1 rows written, ${inWindow.d1RowsRead} read (measured, not scaled: D1 rows are priced per host-hour), ${inWindow.wsMessagesIn} WebSocket messages handled by the DO, ${inWindow.wsMessagesOut} frames sent (outgoing messages are not billed). Closing ${streams} streams at once: ${atClose.doRowsWritten} DO rows written (priced as ${STREAM_END_ROWS} a stream: see below).`,
    ...(crossedHour
      ? [
          `The window crossed an hour: its DO rows include that hour's rollup bookkeeping (up to 2 rows per host), which the per-host-second rate extrapolates and the per-host-hour rates count again: DO rows written may be overstated by up to ${round((2 * 3600) / windowS, 1)} per host-hour.`,
        ]
      : []),
    `Client-side count: ${workerRequests} Worker requests (${VIEWERS} sockets, ${HOSTS} Hellos, ${streams} streams); each is one DO request too.`,
    `Scaling: rows written and read are timer-driven in the DO (a raw row per group of hosts every 300 s with its state row, every group's state every 600 s), so they scale per group-second, not per sample: measured at ${round(hostsPerGroup(HOSTS), 1)} hosts a group, scaled to each fleet's (${SIZES.map((z) => `${z.hosts}: ${round(hostsPerGroup(Math.ceil(z.hosts / z.shards)), 1)}`).join(", ")}); each stream's end writes its group's raw and state rows (2 rows, an upper bound: a group's age flush and its streams' ends overlap); alarm requests scale per object-second (a fleet of 50+ hosts detects silent hosts from the sample flow and needs the alarm only as a backstop); stream requests and commits per stream rotation, which the hub sets from the fleet's size (15 min up to 250 hosts, 1 h from 1,000); the cron adds one Worker and one DO request a minute.`,
    `Per host-hour at steady state (full retention), which no short window sees: D1 ${round(rates.perHostHour.d1RowsWritten, 2)} rows written (the hour written into its 6 h 1 m row and its week's 1 h row, plus the retention prune deleting a 1 m row every 6 h and a 1 h row a week) and ${round(rates.perHostHour.d1RowsRead, 1)} read (both rows read before they are rewritten, plus the hourly prune, which filters on start and so scans both tables: ${RETAIN.m1Hours / HUB_DEFAULTS.rowSpan.m1Hours} + ${round(RETAIN.h1Days / HUB_DEFAULTS.rowSpan.h1Days, 1)} rows per host); DO ${round(rates.perHostHour.doRowsWritten, 2)} rows written (the raw prune deleting group rows as fast as they arrive) and ${round(rates.perHostHour.doRowsRead, 1)} read (the host's group rows of the hour rolled up, and the hourly prune scanning the ${RETAIN.rawHours} h window).`,
    `Storage at full retention: DO SQLite holds ${RETAIN.rawHours} h of raw window (${round(STORED.rawBytesPerHostDay / 1e6, 2)} MB per host-day); D1 holds ${RETAIN.m1Hours} h of 1 m rows (${round(STORED.d1BytesPerHostHour1m / 1e3, 1)} KB per host-hour) and ${RETAIN.h1Days} days of 1 h rows (${round(STORED.d1BytesPerHostDay1h / 1e3, 1)} KB per host-day): ${round(perHostD1() / 1e6, 1)} MB of D1 per host. Bytes from bench/storage (see STORAGE_* in bench/cost.ts; override with --raw-mb-per-host-day, --d1-kb-per-host-hour-1m, --d1-kb-per-host-day-1h). Included storage (5 GB each) is per account; a D1 database holds at most 10 GB, so bigger fleets need several (they cost nothing more but must exist, and the hub must spread hosts over them), and one object holds at most 10 GB.`,
    ...(DEFAULT_1H
      ? [
          "The 1 h bytes are bench/storage's estimate for full week rows: a week of corpus hour points encoded as the hub writes them, with the 1 m tier's on-disk overhead.",
        ]
      : []),
    `Shards: FLEET_SHARDS spreads hosts over ingest shards (the raw window with them); the fleet's object keeps the dashboards and the shards' forwarded views. Every object stays active all month at 128 MB; each shard runs its own alarms (priced at the measured per-object rate), sends the fleet's object at most ${HUB_DEFAULTS.shardUpdatesPerS} update a second (a DO request), and each Hello costs one more DO request (the fleet's object registers the host in its shard). Hosts hash to shards unevenly (the ingest bench saw 30 % on the busiest of 4): the largest object is the even share.`,
    "Assumptions: each agent reconnects (Hello) once a day; each viewer's dashboard stays open all month, reconnects once an hour and pings every 20 s (the hub auto-answers pings without waking the DO; they are billed here as incoming messages anyway, at 20:1).",
    ...(WINDOW_S < 600
      ? [
          `The ${WINDOW_S} s window is shorter than the 300 s raw and 600 s host-state flushes: its ${inWindow.doRowsWritten} DO rows written are whichever flushes fell in it, extrapolated (over- or undercounted): run without --quick for the bill.`,
        ]
      : []),
  ];
  return { rates, notes };
}

function perHostD1(): number {
  return STORED.d1BytesPerHostHour1m * RETAIN.m1Hours + STORED.d1BytesPerHostDay1h * RETAIN.h1Days;
}

function scenario(hosts: number, shards: number): Scenario {
  return {
    hosts,
    shards,
    intervalS: 5,
    viewers: VIEWERS,
    // What the hub hands agents of a fleet this size (worker/src/rpc/rotation.ts).
    streamRotateS: streamRotateS(hosts),
    hellosPerHost: 30,
    connectionsPerViewer: 30 * 24,
    messagesInPerViewer: MONTH_S / PING_S,
    // The cron runs every minute; alert evaluation reads each fleet in one DO request.
    cronRuns: MONTH_S / 60,
    retention: RETAIN,
    // A shard coalesces its hosts' changes into one update per broadcast interval (worker/src/fleet/shard-link.ts).
    shardUpdatesPerS: HUB_DEFAULTS.shardUpdatesPerS,
  };
}

const STORAGE_NAMES = { doSqlite: "DO SQLite storage", d1: "D1 storage" } as const;

/** One row per bill line (operations, then storage), each with its share of the total. */
function billRows(hosts: number, shards: number, b: Bill): Row[] {
  const label = `${hosts.toLocaleString("en")} hosts${shards > 1 ? `, ${shards} shards` : ""}`;
  const share = (v: number) => `${pct(v, b.totalUsd)} of the bill`;
  const objectCap = PRICES.limits.doObjectBytes;
  return [
    {
      metric: `${label}: Workers Paid base`,
      value: usd(b.baseUsd),
      unit: "USD",
      note: share(b.baseUsd),
    },
    ...b.lines.map((l) => ({
      metric: `${label}: ${l.item}`,
      value: usd(l.overageUsd),
      unit: "USD overage",
      note: `used ${qty(l.used)} of ${qty(l.included)} included; ${share(l.overageUsd)}`,
    })),
    ...b.storage.map((l) => ({
      metric: `${label}: ${STORAGE_NAMES[l.item]}`,
      value: usd(l.overageUsd),
      unit: "USD overage",
      note: `${gb(l.storedGb * GB)} stored of ${l.includedGb} GB included; ${share(l.overageUsd)}; ${
        l.item === "d1"
          ? `needs ${b.d1Databases} D1 database${b.d1Databases > 1 ? "s" : ""} (10 GB each)`
          : `${gb(b.bytesPerObject)} per ingest object of its 10 GB cap${b.bytesPerObject > objectCap ? ": OVER, needs shards" : ""}`
      }`,
    })),
    {
      metric: `${label}: TOTAL per month`,
      value: usd(b.totalUsd),
      unit: "USD",
      note: `$${PRICES.baseUsd} base + ${usd(b.lines.reduce((s, l) => s + l.overageUsd, 0))} operations + ${usd(
        b.storage.reduce((s, l) => s + l.overageUsd, 0),
      )} storage`,
    },
  ];
}

const { rates, notes } = await measure();
const rows: Row[] = [];
for (const { hosts, shards } of SIZES)
  rows.push(...billRows(hosts, shards, bill(monthlyUsage(rates, scenario(hosts, shards)))));
const perSample = 1000 * (MONTH_S / 5);
emit({
  id: "cost",
  title:
    "Monthly Cloudflare bill (Workers Paid), hosts at 5 s + 10 viewers, from counted operations and measured bytes",
  rows,
  notes: [
    ...notes,
    `For scale: 1,000 hosts at 5 s send ${qty(perSample)} samples a month; one request or one row per sample would be ${usd((perSample / 1e6) * 0.3 + (perSample / 1e6) * 0.15)} in requests or ${usd(perSample / 1e6)} in rows alone.`,
    `Measured rates: ${JSON.stringify(rates)}`,
  ],
  reproduce: `npm run bench -- --only cost --hosts ${HOSTS} --seconds ${WINDOW_S} [--raw-mb-per-host-day MB] [--d1-kb-per-host-hour-1m KB] [--d1-kb-per-host-day-1h KB]`,
});
