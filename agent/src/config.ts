import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { defaultEngineSockets } from "./collect/engine-api";
import { MAX_TLS_TARGETS, parseTlsTarget, type TlsTarget } from "./collect/tls-certs";
import { defaultSpoolDir } from "./spool/paths";

/** Everything the agent runs with, after flags, environment and config file are merged. */
export interface AgentConfig {
  /** Hub base URL without a trailing slash; "" when not given. */
  hub: string;
  /** Agent token; "" when not given. */
  token: string;
  intervalS: number;
  labels: Record<string, string>;
  http2: boolean;
  spoolDir: string;
  spoolMaxMb: number;
  /** Cap of the reconnect backoff, in seconds. */
  retryMaxS: number;
  /** Where to serve the latest sample for Prometheus; absent unless a port is given. */
  prometheus?: { host: string; port: number };
  /** Also send virtual interfaces that never carried traffic (ifb, veth, idle docker0). */
  allInterfaces: boolean;
  /**
   * Engine API sockets (Docker, Podman) to read containers from, first
   * existing wins; empty = containers off.
   */
  containerSockets: string[];
  /** TLS endpoints whose certificates the agent checks (at most 20). */
  tlsChecks: TlsTarget[];
}

/** What the command line asks for. */
export type Command =
  | { kind: "run" }
  | { kind: "once"; json: boolean }
  | { kind: "doctor" }
  | { kind: "install-service"; dryRun: boolean }
  | { kind: "help" }
  | { kind: "version" };

/** A configuration mistake. Its message is one line naming the fix; the CLI exits 2. */
export class ConfigError extends Error {}

/** Sampling interval bounds, in seconds. */
export const INTERVAL_RANGE = { min: 1, max: 300, default: 5 } as const;
const DEFAULT_SPOOL_MAX_MB = 100;
const DEFAULT_RETRY_MAX_S = 60;
/** Loopback by default: the exposition is unauthenticated. */
const DEFAULT_PROMETHEUS_HOST = "127.0.0.1";
const LABEL_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const MAX_LABELS = 32;

const OPTIONS = {
  hub: { type: "string" },
  token: { type: "string" },
  interval: { type: "string" },
  label: { type: "string", multiple: true },
  http2: { type: "boolean" },
  http1: { type: "boolean" },
  "spool-dir": { type: "string" },
  "spool-max-mb": { type: "string" },
  "prometheus-port": { type: "string" },
  "prometheus-host": { type: "string" },
  "all-interfaces": { type: "boolean" },
  "container-socket": { type: "string" },
  "tls-check": { type: "string", multiple: true },
  config: { type: "string" },
  once: { type: "boolean" },
  json: { type: "boolean" },
  "dry-run": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

/** Keys accepted in the `--config` JSON file. */
interface FileConfig {
  hub?: string;
  token?: string;
  interval?: number;
  labels?: Record<string, string>;
  http2?: boolean;
  spoolDir?: string;
  spoolMaxMb?: number;
  retryMaxS?: number;
  prometheusPort?: number;
  prometheusHost?: string;
  allInterfaces?: boolean;
  containerSocket?: string;
  tlsChecks?: string[];
}

/**
 * Parses the command line, environment (`FLEETWATCH_*`) and optional JSON
 * config file, in that order of precedence. Throws {@link ConfigError}.
 */
export function loadConfig(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): { command: Command; config: AgentConfig } {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new ConfigError(`${(e as Error).message.split("\n")[0]}; see fleetwatch-agent --help`);
  }
  const { values: v, positionals } = parsed;
  const command = parseCommand(positionals, v);
  const file = v.config ? readConfigFile(v.config) : {};

  const hub = v.hub ?? env.FLEETWATCH_HUB ?? file.hub ?? "";
  const token = (v.token ?? env.FLEETWATCH_TOKEN ?? file.token ?? "").trim();
  const intervalS = parseInterval(v.interval ?? env.FLEETWATCH_INTERVAL ?? file.interval);
  const labels = {
    ...labelsFromObject(file.labels ?? {}, "labels in the config file"),
    ...parseLabels(splitList(env.FLEETWATCH_LABELS), "FLEETWATCH_LABELS"),
    ...parseLabels(v.label ?? [], "--label"),
  };
  if (Object.keys(labels).length > MAX_LABELS) {
    throw new ConfigError(
      `too many labels (${Object.keys(labels).length}): the hub accepts at most ${MAX_LABELS}`,
    );
  }
  const url = hub === "" ? "" : parseHubUrl(hub);
  if (v.http1 && v.http2) throw new ConfigError("pass either --http1 or --http2, not both");
  const http2 = v.http2 ?? (v.http1 ? false : (file.http2 ?? url.startsWith("https:")));
  const spoolDir = v["spool-dir"] ?? env.FLEETWATCH_SPOOL_DIR ?? file.spoolDir ?? defaultSpoolDir(env);
  const spoolMaxMb = parseSpoolMax(v["spool-max-mb"] ?? file.spoolMaxMb);
  const retryMaxS = parseRetryMax(env.FLEETWATCH_RETRY_MAX_S ?? file.retryMaxS);
  const prometheusPort = parsePrometheusPort(
    v["prometheus-port"] ?? env.FLEETWATCH_PROMETHEUS_PORT ?? file.prometheusPort,
  );
  const prometheusHost = parsePrometheusHost(
    v["prometheus-host"] ?? env.FLEETWATCH_PROMETHEUS_HOST ?? file.prometheusHost,
  );
  if (/\s/.test(token))
    throw new ConfigError("the token contains whitespace: copy it again into FLEETWATCH_TOKEN");

  const allInterfaces =
    v["all-interfaces"] ??
    parseFlag(env.FLEETWATCH_ALL_INTERFACES, "FLEETWATCH_ALL_INTERFACES") ??
    file.allInterfaces ??
    false;
  const containerSockets = parseContainerSocket(
    v["container-socket"] ?? env.FLEETWATCH_CONTAINER_SOCKET ?? file.containerSocket,
    env,
  );
  const tlsChecks = parseTlsChecks(
    v["tls-check"] ??
      (env.FLEETWATCH_TLS_CHECKS?.trim() ? env.FLEETWATCH_TLS_CHECKS.trim().split(/\s+/) : undefined) ??
      file.tlsChecks ??
      [],
  );
  const config: AgentConfig = {
    hub: url,
    token,
    intervalS,
    labels,
    http2,
    spoolDir,
    spoolMaxMb,
    retryMaxS,
    allInterfaces,
    containerSockets,
    tlsChecks,
  };
  if (prometheusPort !== undefined) config.prometheus = { host: prometheusHost, port: prometheusPort };
  return { command, config };
}

/** A yes/no environment variable: 1/true/yes or 0/false/no; undefined when unset. */
function parseFlag(raw: string | undefined, name: string): boolean | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new ConfigError(`${name}=${raw} is not a yes/no value: use 1 or 0`);
}

/** Throws unless the config can reach a hub (everything except `--once`, help and version). */
export function requireHub(config: AgentConfig): void {
  if (config.hub === "") {
    throw new ConfigError("missing hub URL: pass --hub https://your-hub or set FLEETWATCH_HUB");
  }
  if (config.token === "") {
    throw new ConfigError(
      "missing agent token: pass --token or set FLEETWATCH_TOKEN (create one in the dashboard)",
    );
  }
}

function parseCommand(
  positionals: string[],
  v: { once?: boolean; json?: boolean; help?: boolean; version?: boolean; "dry-run"?: boolean },
): Command {
  if (v.help) return { kind: "help" };
  if (v.version) return { kind: "version" };
  const [sub, ...extra] = positionals;
  if (extra.length > 0)
    throw new ConfigError(`unexpected argument "${extra[0]}"; see fleetwatch-agent --help`);
  if (sub === undefined || sub === "run") {
    return v.once ? { kind: "once", json: v.json ?? false } : { kind: "run" };
  }
  if (sub === "doctor") return { kind: "doctor" };
  if (sub === "install-service") return { kind: "install-service", dryRun: v["dry-run"] ?? false };
  if (sub === "help") return { kind: "help" };
  throw new ConfigError(
    `unknown command "${sub}": use doctor, install-service, or no command to run the agent`,
  );
}

function readConfigFile(path: string): FileConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    throw new ConfigError(`cannot read config file ${path} (${why}): fix the path given to --config`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`config file ${path} must hold a JSON object like {"hub": "...", "token": "..."}`);
  }
  const types: Record<keyof FileConfig, string> = {
    hub: "string",
    token: "string",
    interval: "number",
    labels: "object",
    http2: "boolean",
    spoolDir: "string",
    spoolMaxMb: "number",
    retryMaxS: "number",
    prometheusPort: "number",
    prometheusHost: "string",
    allInterfaces: "boolean",
    containerSocket: "string",
    tlsChecks: "array",
  };
  for (const [key, value] of Object.entries(raw)) {
    const want = types[key as keyof FileConfig];
    if (!want) {
      throw new ConfigError(`unknown key "${key}" in ${path}: allowed are ${Object.keys(types).join(", ")}`);
    }
    if (want === "array") {
      if (!Array.isArray(value) || value.some((x) => typeof x !== "string")) {
        throw new ConfigError(`"${key}" in ${path} must be an array of strings like "web=example.com:443"`);
      }
      continue;
    }
    if (typeof value !== want || value === null || (want === "object" && Array.isArray(value))) {
      throw new ConfigError(`"${key}" in ${path} must be a ${want}`);
    }
  }
  return raw as FileConfig;
}

function parseHubUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      `bad hub URL "${raw}": use the form https://hub.example.com (--hub or FLEETWATCH_HUB)`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(
      `bad hub URL "${raw}": it must start with http:// or https:// (--hub or FLEETWATCH_HUB)`,
    );
  }
  if (url.search || url.hash) {
    throw new ConfigError(`bad hub URL "${raw}": drop the query or fragment (--hub or FLEETWATCH_HUB)`);
  }
  return url.toString().replace(/\/+$/, "");
}

function parseInterval(raw: string | number | undefined): number {
  if (raw === undefined || raw === "") return INTERVAL_RANGE.default;
  const n = typeof raw === "number" ? raw : Number(raw.trim().replace(/s$/, ""));
  if (!Number.isInteger(n) || n < INTERVAL_RANGE.min || n > INTERVAL_RANGE.max) {
    throw new ConfigError(
      `bad interval "${raw}": use whole seconds from ${INTERVAL_RANGE.min} to ${INTERVAL_RANGE.max} (--interval or FLEETWATCH_INTERVAL)`,
    );
  }
  return n;
}

function parseSpoolMax(raw: string | number | undefined): number {
  if (raw === undefined || raw === "") return DEFAULT_SPOOL_MAX_MB;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 1 || n > 1_000_000) {
    throw new ConfigError(`bad spool size "${raw}": use megabytes from 1 to 1000000 (--spool-max-mb)`);
  }
  return n;
}

function parseRetryMax(raw: string | number | undefined): number {
  if (raw === undefined || raw === "") return DEFAULT_RETRY_MAX_S;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 1 || n > 3600) {
    throw new ConfigError(`bad retry cap "${raw}": use seconds from 1 to 3600 (FLEETWATCH_RETRY_MAX_S)`);
  }
  return n;
}

function parsePrometheusPort(raw: string | number | undefined): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const n = typeof raw === "number" ? raw : /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new ConfigError(
      `bad Prometheus port "${raw}": use a whole number from 1 to 65535 (--prometheus-port or FLEETWATCH_PROMETHEUS_PORT)`,
    );
  }
  return n;
}

function parsePrometheusHost(raw: string | undefined): string {
  if (raw === undefined) return DEFAULT_PROMETHEUS_HOST;
  const host = raw.trim();
  if (host === "" || /\s/.test(host)) {
    throw new ConfigError(
      `bad Prometheus host "${raw}": use an address to listen on, e.g. 127.0.0.1 or :: (--prometheus-host or FLEETWATCH_PROMETHEUS_HOST)`,
    );
  }
  return host;
}

/** A socket path, "none" (containers off), or unset: the usual Docker and Podman sockets. */
function parseContainerSocket(raw: string | undefined, env: NodeJS.ProcessEnv): string[] {
  if (raw === undefined || raw.trim() === "") return defaultEngineSockets(env);
  const path = raw.trim();
  if (path === "none") return [];
  const bare = path.replace(/^unix:\/\//, "");
  if (!bare.startsWith("/")) {
    throw new ConfigError(
      `bad container socket "${raw}": use an absolute path such as /var/run/docker.sock, or none (--container-socket or FLEETWATCH_CONTAINER_SOCKET)`,
    );
  }
  return [bare];
}

/** `name=host:port[,servername]` entries: at most 20, names unique (they name the hub's series). */
function parseTlsChecks(items: string[]): TlsTarget[] {
  if (items.length > MAX_TLS_TARGETS) {
    throw new ConfigError(`too many TLS checks (${items.length}): at most ${MAX_TLS_TARGETS} (--tls-check)`);
  }
  const seen = new Set<string>();
  return items.map((item) => {
    let t: TlsTarget;
    try {
      t = parseTlsTarget(item);
    } catch (e) {
      throw new ConfigError(`${(e as Error).message} (--tls-check)`);
    }
    if (seen.has(t.name))
      throw new ConfigError(`TLS check name "${t.name}" is used twice: give each a name of its own`);
    seen.add(t.name);
    return t;
  });
}

function splitList(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function parseLabels(items: string[], source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new ConfigError(`bad label "${item}" in ${source}: use key=value, e.g. env=prod`);
    Object.assign(out, labelsFromObject({ [item.slice(0, eq).trim()]: item.slice(eq + 1).trim() }, source));
  }
  return out;
}

function labelsFromObject(obj: Record<string, unknown>, source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(obj)) {
    if (k.length > 64 || !LABEL_KEY.test(k)) {
      throw new ConfigError(
        `bad label key "${k}" in ${source}: use letters, digits, _ . - (at most 64, not starting with a digit)`,
      );
    }
    if (typeof value !== "string" || value.length > 256) {
      throw new ConfigError(
        `bad value for label "${k}" in ${source}: use a string of at most 256 characters`,
      );
    }
    out[k] = value;
  }
  return out;
}
