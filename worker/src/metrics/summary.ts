import { ByteReader, ByteWriter } from "../codec/bytes";
import { diskPct, memoryPct } from "./catalog";
import type { HostInfoView, HostStatus, HostView } from "./types";

/**
 * What the fleet overview shows of a host, and how the live socket sends it:
 * the figures of a host card, each at the precision the overview
 * draws, so a change the overview cannot show is never sent.
 */
export interface HostSummary {
  cpu: number | undefined;
  mem: number | undefined;
  disk: number | undefined;
  load1: number | undefined;
  rxBytesPerS: number | undefined;
  txBytesPerS: number | undefined;
  procs: number | undefined;
  uptimeS: number | undefined;
  /** Containers running and in all (absent on a host without a container engine). */
  containersRunning?: number | undefined;
  containers?: number | undefined;
}

/** What the overview shows of a host's identity: its name and labels (the host page has the rest). */
export type OverviewInfo = Pick<HostInfoView, "hostname" | "labels">;

/** A host's overview identity, as a new object (never the stored info itself). */
export function overviewInfo(info: HostInfoView): OverviewInfo {
  return { hostname: info.hostname, labels: info.labels };
}

/** One host as the overview holds it: identity, status and summary, no detail. */
export interface LiveHost {
  id: string;
  info: OverviewInfo;
  status: HostStatus;
  /** Unix ms of the newest sample (to 100 ms on the live socket). 0 when none yet. */
  lastSeen: number;
  summary: HostSummary;
}

/** The summary of a full host state, at full precision. */
export function summaryOf(view: HostView): HostSummary {
  const m = view.metrics;
  let rx: number | undefined;
  let tx: number | undefined;
  for (const n of m.net ?? []) {
    rx = (rx ?? 0) + n.rxBytesPerS;
    tx = (tx ?? 0) + n.txBytesPerS;
  }
  return {
    cpu: m.cpu?.totalPct,
    mem: memoryPct(m),
    disk: diskPct(m),
    load1: m.load?.load1,
    rxBytesPerS: rx,
    txBytesPerS: tx,
    procs: m.processes?.total,
    uptimeS: m.uptimeS,
    containersRunning: m.containers?.filter((c) => c.state === "running").length,
    containers: m.containers?.length,
  };
}

// ---------------------------------------------------------------------------
// Codes: each figure as a small non-negative integer at display precision;
// 0 means absent. Two states that give the same codes look the same.

const STATUS: readonly HostStatus[] = ["online", "stale", "offline"];

/** A rate to three significant figures: below 1,000 as is, else exponent * 1000 + mantissa. */
export function rateCode(v: number): number {
  const r = Math.max(0, v);
  if (r < 999.5) return Math.round(r);
  let e = Math.floor(Math.log10(r)) - 2;
  let m = Math.round(r / 10 ** e);
  if (m >= 1000) {
    e++;
    m = Math.round(r / 10 ** e);
  }
  return e * 1000 + m;
}

export function rateOf(code: number): number {
  if (code < 1000) return code;
  const e = Math.floor(code / 1000);
  return (code % 1000) * 10 ** e;
}

const tenths = (v: number) => Math.round(Math.max(0, v) * 10);
const hundredths = (v: number) => Math.round(Math.max(0, v) * 100);
const whole = (v: number) => Math.round(Math.max(0, v));

/** Field order on the wire: the figures that change with most samples first (one mask byte). */
const FIELDS = [
  "seen",
  "cpu",
  "mem",
  "load1",
  "rx",
  "tx",
  "procs",
  "disk",
  "status",
  "boot",
  "ctrRun",
  "ctrAll",
] as const;
type Field = (typeof FIELDS)[number];

/**
 * The fields the first overview dashboards decode (a mask bit they do not
 * know makes them throw the frame away and ask for a snapshot). Dashboards
 * that ask for alerts frames (`&alerts=1`) read every field in FIELDS.
 */
const FIRST_FIELDS = FIELDS.slice(0, FIELDS.indexOf("boot") + 1);

/** Changes as a dashboard that knows only the first fields reads them: those fields, hosts with none left out. */
export function firstFieldsOnly(changes: SummaryChange[]): SummaryChange[] {
  const out: SummaryChange[] = [];
  for (const { index, codes } of changes) {
    const kept: Partial<SummaryCodes> = {};
    let any = false;
    for (const f of FIRST_FIELDS) {
      if (codes[f] === undefined) continue;
      kept[f] = codes[f];
      any = true;
    }
    if (any) out.push({ index, codes: kept });
  }
  return out;
}

/** A host's codes, in FIELDS order. `seen` is Unix ms (sent as an age), `boot` Unix s. */
export type SummaryCodes = Record<Field, number>;

function code(v: number | undefined, f: (v: number) => number): number {
  return v === undefined || !Number.isFinite(v) ? 0 : f(v) + 1;
}

/** The codes of a host's state. */
export function summaryCodes(view: HostView): SummaryCodes {
  const s = summaryOf(view);
  return {
    seen: view.lastSeen,
    cpu: code(s.cpu, tenths),
    mem: code(s.mem, tenths),
    load1: code(s.load1, hundredths),
    rx: code(s.rxBytesPerS, rateCode),
    tx: code(s.txBytesPerS, rateCode),
    procs: code(s.procs, whole),
    disk: code(s.disk, tenths),
    status: STATUS.indexOf(view.status),
    // When the host booted, so uptime need not be sent with every sample.
    boot:
      s.uptimeS === undefined || view.lastSeen === 0 ? 0 : Math.round(view.lastSeen / 1000 - s.uptimeS) + 1,
    ctrRun: code(s.containersRunning, whole),
    ctrAll: code(s.containers, whole),
  };
}

/** Boot times within this many seconds are the same boot (sample times jitter). */
const BOOT_SLACK_S = 2;

function differs(f: Field, a: number, b: number): boolean {
  if (f === "boot") return a === 0 || b === 0 ? a !== b : Math.abs(a - b) > BOOT_SLACK_S;
  return a !== b;
}

function value(c: number, f: (c: number) => number): number | undefined {
  return c === 0 ? undefined : f(c - 1);
}

/** A host as the overview holds it, from its codes. */
export function liveHostOf(id: string, info: OverviewInfo, c: SummaryCodes): LiveHost {
  const seenS = c.seen / 1000;
  return {
    id,
    info,
    status: STATUS[c.status] ?? "offline",
    lastSeen: c.seen,
    summary: {
      cpu: value(c.cpu, (x) => x / 10),
      mem: value(c.mem, (x) => x / 10),
      disk: value(c.disk, (x) => x / 10),
      load1: value(c.load1, (x) => x / 100),
      rxBytesPerS: value(c.rx, rateOf),
      txBytesPerS: value(c.tx, rateOf),
      procs: value(c.procs, (x) => x),
      uptimeS: value(c.boot, (b) => Math.max(0, Math.round(seenS - b))),
      containersRunning: value(c.ctrRun ?? 0, (x) => x),
      containers: value(c.ctrAll ?? 0, (x) => x),
    },
  };
}

// ---------------------------------------------------------------------------
// The binary `summaries` frame: every host whose shown figures changed since
// the previous frame, as (index, field mask, changed codes).

/** First byte of a summaries frame, then its version. */
const MAGIC = 0x53;
const VERSION = 1;

/** One host's change in a summaries frame. */
export interface SummaryChange {
  index: number;
  /** Only the fields that changed. */
  codes: Partial<SummaryCodes>;
}

export interface SummariesFrame {
  /** The index generation the indexes belong to (see the snapshot). */
  gen: number;
  serverTime: number;
  changes: SummaryChange[];
}

/** The fields of `next` that differ from `prev` (all of them without `prev`). */
export function changedCodes(prev: SummaryCodes | undefined, next: SummaryCodes): Partial<SummaryCodes> {
  const out: Partial<SummaryCodes> = {};
  for (const f of FIELDS) if (!prev || differs(f, prev[f], next[f])) out[f] = next[f];
  return out;
}

export function encodeSummaries(frame: SummariesFrame): Uint8Array {
  const w = new ByteWriter();
  w.byte(MAGIC);
  w.byte(VERSION);
  w.uvarint(frame.gen);
  w.uvarint(frame.serverTime);
  w.uvarint(frame.changes.length);
  for (const { index, codes } of frame.changes) {
    let mask = 0;
    FIELDS.forEach((f, bit) => {
      if (codes[f] !== undefined) mask += 2 ** bit;
    });
    w.uvarint(index);
    w.uvarint(mask);
    for (const f of FIELDS) {
      const c = codes[f];
      if (c === undefined) continue;
      // A sample time as its age at the frame, in tenths of a second: one byte for recent samples.
      if (f === "seen") w.uvarint(c === 0 ? 0 : Math.max(0, Math.round((frame.serverTime - c) / 100)) + 1);
      else w.uvarint(c);
    }
  }
  return w.finish();
}

/** Reads a summaries frame; throws RangeError when the bytes are not one. */
export function decodeSummaries(bytes: Uint8Array): SummariesFrame {
  const r = new ByteReader(bytes);
  if (r.byte() !== MAGIC || r.byte() !== VERSION) throw new RangeError("not a summaries frame");
  const gen = r.uvarint();
  const serverTime = r.uvarint();
  const n = r.uvarint();
  if (n > bytes.length) throw new RangeError(`summaries frame claims ${n} changes in ${bytes.length} bytes`);
  const changes: SummaryChange[] = [];
  for (let i = 0; i < n; i++) {
    const index = r.uvarint();
    const mask = r.uvarint();
    if (mask >= 2 ** FIELDS.length) throw new RangeError(`unknown summary fields in mask ${mask}`);
    const codes: Partial<SummaryCodes> = {};
    FIELDS.forEach((f, bit) => {
      if (Math.floor(mask / 2 ** bit) % 2 === 0) return;
      const c = r.uvarint();
      codes[f] = f === "seen" ? (c === 0 ? 0 : serverTime - (c - 1) * 100) : c;
    });
    changes.push({ index, codes });
  }
  if (!r.done) throw new RangeError("trailing bytes after summaries frame");
  return { gen, serverTime, changes };
}

// ---------------------------------------------------------------------------
// The overview protocol (`/live?frames=2`): text frames as JSON, summaries
// frames binary.

/** One host in an `overview` or `entries` frame: its index for later summaries frames, identity and codes. */
export interface LiveEntry {
  i: number;
  id: string;
  info: OverviewInfo;
  c: SummaryCodes;
}

/** Text frames the hub sends a dashboard that asked for the overview protocol. */
export type OverviewFrame =
  /** First frame on every connection and after a resync: every host's summary. */
  | { type: "overview"; fleet: string; serverTime: number; gen: number; hosts: LiveEntry[] }
  /** Hosts new to the overview, or whose name or labels changed, with all their codes. */
  | { type: "entries"; serverTime: number; gen: number; hosts: LiveEntry[] }
  /** The full state of a host the dashboard subscribed to; null when the fleet has no such host. */
  | { type: "host"; serverTime: number; hostId: string; host: HostView | null }
  /** Hosts deleted from the fleet. */
  | { type: "removed"; serverTime: number; hostIds: string[] };

/** At most this many hosts subscribed at once per socket (a host page, a compare view). */
export const MAX_SUBSCRIBED = 16;
