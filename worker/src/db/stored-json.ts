import { z } from "zod";
import type { AlertPayload, PayloadAlert } from "../alerts/payload";
import {
  CONTAINER_HEALTHS,
  CONTAINER_STATES,
  type HostInfoView,
  type HostView,
  type Metrics,
} from "../metrics/types";
import { SEVERITIES } from "./alerts-schema";

/**
 * Decoding of JSON text read back from storage (DO SQLite and D1). A stored
 * row is untrusted input like any other: an older writer, a manual edit or a
 * bug may have left a shape the reader does not expect, and a blind cast of
 * the parsed value turns that into a crash far from the row. Every reader
 * of stored JSON goes through `decodeStored` (or a format's own checked
 * decoder where zod would cost too much per row), so a bad row fails at once
 * with an error naming the row and what is wrong, and the caller decides to
 * skip it or record the failure.
 */

/** A stored value that is not what its reader expects. `where` names the table and row. */
export class StoredJsonError extends Error {
  override readonly name = "StoredJsonError";
  readonly where: string;
  readonly problem: string;

  // Plain fields, not parameter properties: benches load this module with Node's type stripping.
  constructor(where: string, problem: string) {
    super(`${where}: ${problem}`);
    this.where = where;
    this.problem = problem;
  }
}

/**
 * Checks a parsed value and returns it typed, or throws an Error whose
 * message says what is wrong (`info.intervalS: expected number`).
 */
export type Check<T> = (value: unknown) => T;

/** A `Check` from a zod schema; the message names the first bad field. */
export function schemaCheck<T>(schema: z.ZodType<T>): Check<T> {
  return (value) => {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const [first] = r.error.issues;
    const path = first?.path.length ? `${first.path.join(".")}: ` : "";
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problems)` : "";
    throw new Error(`${path}${first?.message ?? "invalid"}${more}`);
  };
}

/**
 * Parses stored JSON text and checks its shape. Throws `StoredJsonError`
 * naming `where` (table, row key, column) when the text is not JSON or not
 * the expected shape.
 */
export function decodeStored<T>(text: unknown, check: Check<T>, where: string): T {
  if (typeof text !== "string") throw new StoredJsonError(where, `expected JSON text, got ${typeof text}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new StoredJsonError(where, `not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  try {
    return check(value);
  } catch (e) {
    throw new StoredJsonError(where, e instanceof Error ? e.message : String(e));
  }
}

/** `decodeStored` that returns the error instead of throwing it. */
export function tryDecodeStored<T>(
  text: unknown,
  check: Check<T>,
  where: string,
): { ok: true; value: T } | { ok: false; error: StoredJsonError } {
  try {
    return { ok: true, value: decodeStored(text, check, where) };
  } catch (e) {
    if (e instanceof StoredJsonError) return { ok: false, error: e };
    throw e;
  }
}

// Schemas of the JSON documents the hub stores. Unknown keys are dropped, so
// a row written by a newer version still reads. tests/unit/stored-json.test.ts
// checks that each schema's output type is exactly the type its writer uses.

const num = z.number();

const labels = z.record(z.string(), z.string());

export const HostInfoSchema = z.object({
  hostname: z.string(),
  machineId: z.string(),
  os: z.string(),
  kernel: z.string(),
  arch: z.string(),
  cpuModel: z.string(),
  cores: num,
  memoryBytes: num,
  agentVersion: z.string(),
  labels,
  intervalS: num,
}) satisfies z.ZodType<HostInfoView>;

const ProcessSchema = z.object({ pid: num, name: z.string(), cpuPct: num, memoryBytes: num });

export const MetricsSchema = z.object({
  cpu: z
    .object({
      totalPct: num,
      userPct: num.optional(),
      systemPct: num.optional(),
      iowaitPct: num.optional(),
      stealPct: num.optional(),
      perCorePct: z.array(num),
    })
    .optional(),
  load: z.object({ load1: num, load5: num, load15: num }).optional(),
  memory: z
    .object({ totalBytes: num, usedBytes: num, availableBytes: num, cachedBytes: num.optional() })
    .optional(),
  swap: z.object({ totalBytes: num, usedBytes: num }).optional(),
  filesystems: z
    .array(
      z.object({ mount: z.string(), fsType: z.string(), device: z.string(), sizeBytes: num, usedBytes: num }),
    )
    .optional(),
  diskIo: z.object({ readBytesPerS: num, writeBytesPerS: num }).optional(),
  net: z.array(z.object({ name: z.string(), rxBytesPerS: num, txBytesPerS: num })).optional(),
  processes: z
    .object({ total: num, running: num, topCpu: z.array(ProcessSchema), topMemory: z.array(ProcessSchema) })
    .optional(),
  temperatures: z.array(z.object({ sensor: z.string(), celsius: num })).optional(),
  uptimeS: num.optional(),
  systemd: z.object({ failedCount: num, failedUnits: z.array(z.string()) }).optional(),
  containers: z
    .array(
      z.object({
        name: z.string(),
        image: z.string(),
        state: z.enum(CONTAINER_STATES),
        health: z.enum(CONTAINER_HEALTHS),
        restarts: num,
        cpuPct: num.optional(),
        memUsedBytes: num.optional(),
        memLimitBytes: num.optional(),
        rxBytesPerS: num.optional(),
        txBytesPerS: num.optional(),
        readBytesPerS: num.optional(),
        writeBytesPerS: num.optional(),
      }),
    )
    .optional(),
  tlsCerts: z
    .array(
      z.object({
        name: z.string(),
        target: z.string(),
        notAfterS: num.optional(),
        daysLeft: num.optional(),
        issuerCn: z.string(),
        subjectCn: z.string(),
        error: z.string(),
        checkedMs: num,
      }),
    )
    .optional(),
}) satisfies z.ZodType<Metrics>;

export const HostViewSchema = z.object({
  id: z.string(),
  info: HostInfoSchema,
  status: z.enum(["online", "stale", "offline"]),
  lastSeen: num,
  lastSeq: num,
  metrics: MetricsSchema,
}) satisfies z.ZodType<HostView>;

export const PayloadAlertSchema = z.object({
  fingerprint: z.string(),
  rule: z.string(),
  severity: z.enum(SEVERITIES),
  host: z.string(),
  hostId: z.string(),
  series: z.string(),
  labels,
  value: num,
  threshold: num,
  startsAt: z.string(),
  endsAt: z.string().nullable(),
  url: z.string(),
  status: z.enum(["firing", "resolved"]).optional(),
  note: z.string().optional(),
}) satisfies z.ZodType<PayloadAlert>;

export const AlertPayloadSchema = z.object({
  version: z.literal(1),
  fleet: z.string(),
  status: z.enum(["firing", "resolved"]),
  groupKey: z.string().optional(),
  groupLabels: labels.optional(),
  alerts: z.array(PayloadAlertSchema),
}) satisfies z.ZodType<AlertPayload>;

/** A `Record<string, string>` (alert labels, rule label matchers). */
export const LabelsSchema = labels;

export const checkHostInfo: Check<HostInfoView> = schemaCheck(HostInfoSchema);
export const checkMetrics: Check<Metrics> = schemaCheck(MetricsSchema);
export const checkHostView: Check<HostView> = schemaCheck(HostViewSchema);
export const checkAlertPayload: Check<AlertPayload> = schemaCheck(AlertPayloadSchema);
export const checkPayloadAlert: Check<PayloadAlert> = schemaCheck(PayloadAlertSchema);
export const checkLabels: Check<Record<string, string>> = schemaCheck(LabelsSchema);
