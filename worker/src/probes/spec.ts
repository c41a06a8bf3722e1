import { z } from "zod";
import { PROBE_KINDS, PROBE_METHODS, type Probe } from "../db/probes-schema";
import { checkLabels, tryDecodeStored } from "../db/stored-json";
import { CONTROL_CHARS, CONTROL_CHARS_MESSAGE } from "../http/text";
import { parseHostPort } from "./check-tcp";

/** Checks run at most once a minute: the cron's period. */
export const MIN_INTERVAL_S = 60;

/** A probe name: also the instance of its series keys (`probe.up:<name>`), so no glob characters. */
const probeName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine((s) => !CONTROL_CHARS.test(s), CONTROL_CHARS_MESSAGE)
  .refine((s) => !/[*?]/.test(s), "must not contain * or ? (rules match probe names with them)");

/** An HTTP header name (RFC 9110 token). */
const headerName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "not a valid header name");
const headerValue = z
  .string()
  .max(4096)
  .refine((s) => !/[\r\n\0]/.test(s), "must not contain line breaks");

/** A probe's fields as the REST API reads and writes them; the routes' bodies derive from it. */
export const ProbeFields = z.strictObject({
  name: probeName,
  kind: z.enum(PROBE_KINDS),
  target: z.string().trim().min(1).max(2048),
  method: z.enum(PROBE_METHODS),
  expectStatusMin: z.number().int().min(100).max(599),
  expectStatusMax: z.number().int().min(100).max(599),
  keyword: z.string().min(1).max(200).nullable(),
  timeoutMs: z.number().int().min(1000).max(30_000),
  followRedirects: z.boolean(),
  headers: z.record(headerName, headerValue).refine((h) => Object.keys(h).length <= 20, "at most 20 headers"),
  intervalS: z.number().int().min(MIN_INTERVAL_S).max(86_400),
  enabled: z.boolean(),
  /** The fleet's host the probe watches from outside; null: none. */
  hostId: z.string().min(1).max(200).nullable(),
});

/** A complete probe as the REST API writes it. */
export type ProbeSpec = z.output<typeof ProbeFields>;

/** The latest check of a probe. */
export interface LastCheck {
  checkedAt: number;
  up: boolean;
  latencyMs: number | null;
  status: number | null;
  error: string | null;
  /** Consecutive failed checks up to this one. */
  failures: number;
  /** When the probe last went up or down. */
  changedAt: number | null;
}

/** A stored probe as the REST API returns it. Header values are never returned: they may be credentials. */
export interface ProbeView extends Omit<ProbeSpec, "headers"> {
  id: string;
  headerNames: string[];
  createdAt: number;
  updatedAt: number;
  last: LastCheck | null;
}

/** What is wrong with a complete probe beyond field types, naming the field; undefined when fine. */
export function probeProblem(p: ProbeSpec): { path: string; message: string } | undefined {
  if (p.kind === "http") {
    let url: URL;
    try {
      url = new URL(p.target);
    } catch {
      return { path: "target", message: "an http probe needs an absolute http:// or https:// URL" };
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      return { path: "target", message: "an http probe needs an absolute http:// or https:// URL" };
    }
    if (url.username || url.password) {
      return { path: "target", message: "no credentials in the URL: send them as a header (Authorization)" };
    }
  } else {
    if (!parseHostPort(p.target)) return { path: "target", message: "a tcp probe needs host:port" };
    if (p.keyword !== null) return { path: "keyword", message: "tcp probes send nothing and read nothing" };
    if (Object.keys(p.headers).length > 0) return { path: "headers", message: "tcp probes send no headers" };
  }
  if (p.expectStatusMin > p.expectStatusMax) {
    return { path: "expectStatusMax", message: `must be at least expectStatusMin (${p.expectStatusMin})` };
  }
  if (p.timeoutMs > p.intervalS * 1000) return { path: "timeoutMs", message: "must not exceed the interval" };
  return undefined;
}

/** The probe's headers as stored; a bad row reads as none, logged. */
export function probeHeaders(row: Pick<Probe, "id" | "headers">): Record<string, string> {
  const r = tryDecodeStored(row.headers, checkLabels, `probes row ${row.id}: headers`);
  if (r.ok) return r.value;
  console.error(`${r.error.message}; the probe is checked without its headers`);
  return {};
}

/** Row -> API view. */
export function probeView(row: Probe): ProbeView {
  const { headers, ...spec } = probeSpecOf(row);
  return {
    id: row.id,
    ...spec,
    headerNames: Object.keys(headers),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    last:
      row.lastCheckedAt === null
        ? null
        : {
            checkedAt: row.lastCheckedAt,
            up: row.lastUp === true,
            latencyMs: row.lastLatencyMs,
            status: row.lastStatus,
            error: row.lastError,
            failures: row.failures,
            changedAt: row.changedAt,
          },
  };
}

/** The spec fields of a row (what PUT and PATCH start from). */
export function probeSpecOf(row: Probe): ProbeSpec {
  return {
    name: row.name,
    kind: row.kind,
    target: row.target,
    method: row.method,
    expectStatusMin: row.expectStatusMin,
    expectStatusMax: row.expectStatusMax,
    keyword: row.keyword,
    timeoutMs: row.timeoutMs,
    followRedirects: row.followRedirects,
    headers: probeHeaders(row),
    intervalS: row.intervalS,
    enabled: row.enabled,
    hostId: row.hostId,
  };
}

/** API spec -> row columns. */
export function probeColumns(spec: ProbeSpec) {
  return { ...spec, headers: JSON.stringify(spec.headers) };
}
