import { escapeHelp, formatValue, hostLabels, type Labels, labelText } from "../metrics/prometheus";
import type { HostView } from "../metrics/types";
import type { HostTraffic } from "./totals";

const FAMILIES = [
  {
    name: "fleetwatch_network_month_receive_bytes_total",
    field: "rxBytes",
    help: "Bytes received since the host's traffic month began; resets to 0 on the reset day",
  },
  {
    name: "fleetwatch_network_month_transmit_bytes_total",
    field: "txBytes",
    help: "Bytes sent since the host's traffic month began; resets to 0 on the reset day",
  },
] as const;

/**
 * Month-to-date traffic as two counter families, one series per host and
 * interface (`iface`, as the rate gauges), with the host's labels. A host
 * that reports no interface gets one series without `iface`; the totals of
 * all interfaces are left to `sum by (host)`, so no byte is counted twice.
 * The counters drop to 0 when a period begins: Prometheus `increase()` and
 * `rate()` treat that as a counter reset.
 */
export function renderTrafficPrometheus(traffic: readonly HostTraffic[], hosts: readonly HostView[]): string {
  const views = new Map(hosts.map((h) => [h.id, h]));
  const sorted = [...traffic]
    .filter((t) => views.has(t.hostId))
    .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.hostId.localeCompare(b.hostId));
  if (sorted.length === 0) return "";
  const out: string[] = [];
  for (const f of FAMILIES) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} counter`);
    for (const t of sorted) {
      const base = hostLabels(views.get(t.hostId) as HostView);
      const series: [Labels, number][] =
        t.interfaces.length === 0
          ? [[base, t[f.field]]]
          : t.interfaces.map((i) => [[...base, ["iface", i.name]], i[f.field]]);
      for (const [labels, v] of series) out.push(`${f.name}${labelText(labels)} ${formatValue(v)}`);
    }
  }
  return `${out.join("\n")}\n`;
}
