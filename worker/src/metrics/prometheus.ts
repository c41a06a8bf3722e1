import { flattenMetrics, parseSeriesKey, SERIES, type SeriesName } from "./catalog";
import type { HostView } from "./types";

/** Content type of the text exposition format this module writes. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Every metric name starts with this. */
export const PREFIX = "fleetwatch_";

/** Unit suffixes per the Prometheus naming guide (base units, `_per_second` for rates). */
const UNIT_SUFFIX: Record<(typeof SERIES)[SeriesName]["unit"], string> = {
  percent: "_percent",
  bytes: "_bytes",
  "bytes/s": "_bytes_per_second",
  load: "",
  count: "",
  celsius: "_celsius",
  seconds: "_seconds",
  days: "_days",
};

/** `disk.used` (bytes) -> `fleetwatch_disk_used_bytes`. */
export function metricName(series: SeriesName): string {
  return `${PREFIX}${series.replaceAll(".", "_")}${UNIT_SUFFIX[SERIES[series].unit]}`;
}

/** Escapes a label value: backslash, double quote and line feed (exposition format 0.0.4). */
export function escapeLabelValue(v: string): string {
  return v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/** Escapes HELP text: backslash and line feed. */
export function escapeHelp(v: string): string {
  return v.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

/** Host labels become `label_<key>`; characters a label name cannot hold become `_`. */
export function labelName(key: string): string {
  return `label_${key.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

/** Go's ParseFloat spellings for the special values; plain JS numbers otherwise. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

export type Labels = [name: string, value: string][];

/** `{name="value",…}` with escaped values. */
export function labelText(labels: Labels): string {
  return `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
}

/** `host`, `host_id` and the host's own labels, in a stable order. */
export function hostLabels(h: HostView): Labels {
  const out: Labels = [
    ["host", h.info.hostname],
    ["host_id", h.id],
  ];
  const seen = new Set<string>();
  for (const key of Object.keys(h.info.labels ?? {}).sort()) {
    const name = labelName(key);
    // Two keys that sanitise to the same name: the first (sorted) wins, so the output stays valid.
    if (seen.has(name)) continue;
    seen.add(name);
    out.push([name, h.info.labels[key] ?? ""]);
  }
  return out;
}

interface Family {
  name: string;
  help: string;
  lines: string[];
}

function family(name: string, help: string): Family {
  return { name, help, lines: [] };
}

/**
 * Renders the live state of a fleet's hosts in the Prometheus text
 * exposition format 0.0.4: one gauge family per catalog series, plus
 * `fleetwatch_host_up`, `fleetwatch_host_last_seen_seconds` and
 * `fleetwatch_host_info`. A metric a host does not report gives no line.
 * Samples carry no timestamp: the scrape time is the truth for live state,
 * and a stale host's old value is flagged by `host_up`, not by a timestamp
 * Prometheus would drop as out of bounds.
 */
export function renderPrometheus(hosts: readonly HostView[]): string {
  const sorted = [...hosts].sort(
    (a, b) => a.info.hostname.localeCompare(b.info.hostname) || a.id.localeCompare(b.id),
  );
  const up = family("fleetwatch_host_up", "1 when the host reported within its heartbeat deadline");
  const lastSeen = family("fleetwatch_host_last_seen_seconds", "Unix time of the newest sample");
  const info = family("fleetwatch_host_info", "Static facts about the host; the value is always 1");
  const series = new Map<SeriesName, Family>();
  for (const name of Object.keys(SERIES) as SeriesName[]) {
    series.set(name, family(metricName(name), `${SERIES[name].help} (${SERIES[name].unit})`));
  }

  for (const h of sorted) {
    const base = hostLabels(h);
    up.lines.push(`${up.name}${labelText([...base, ["status", h.status]])} ${h.status === "online" ? 1 : 0}`);
    if (h.lastSeen > 0)
      lastSeen.lines.push(`${lastSeen.name}${labelText(base)} ${formatValue(h.lastSeen / 1000)}`);
    info.lines.push(
      `${info.name}${labelText([
        ...base,
        ["os", h.info.os],
        ["kernel", h.info.kernel],
        ["arch", h.info.arch],
        ["cpu_model", h.info.cpuModel],
        ["agent_version", h.info.agentVersion],
      ])} 1`,
    );

    const flat = flattenMetrics(h.metrics);
    // A series with instances (net.rx:eth0) also has a host total (net.rx). Only the
    // instances go out, so `sum by (host)` in PromQL never counts a byte twice.
    const instanced = new Set<SeriesName>();
    for (const key of Object.keys(flat)) {
      const parsed = parseSeriesKey(key);
      if (parsed?.instance !== undefined) instanced.add(parsed.name);
    }
    for (const [key, value] of Object.entries(flat)) {
      const parsed = parseSeriesKey(key);
      if (!parsed) continue;
      const fam = series.get(parsed.name);
      if (!fam) continue;
      const def = SERIES[parsed.name];
      if (parsed.instance === undefined) {
        if (instanced.has(parsed.name)) continue;
        fam.lines.push(`${fam.name}${labelText(base)} ${formatValue(value)}`);
      } else if ("instance" in def) {
        fam.lines.push(
          `${fam.name}${labelText([...base, [def.instance, parsed.instance]])} ${formatValue(value)}`,
        );
      }
    }
  }

  const out: string[] = [];
  for (const f of [up, lastSeen, info, ...series.values()]) {
    if (f.lines.length === 0) continue;
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} gauge`, ...f.lines);
  }
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}
