import type { HostInfoView } from "../../../../worker/src/metrics/types";
import { formatBytes } from "../../lib/format";

/** Static facts from the agent's Hello. */
export function HostInfo({ id, info }: { id: string; info: HostInfoView }) {
  const rows: [string, string][] = [
    ["OS", info.os],
    ["Kernel", info.kernel],
    ["Architecture", info.arch],
    ["CPU", info.cpuModel],
    ["Cores", String(info.cores)],
    ["Memory", formatBytes(info.memoryBytes)],
    ["Agent", info.agentVersion],
    ["Interval", `${info.intervalS} s`],
    ["Host ID", id],
    ["Machine ID", info.machineId],
  ];
  return (
    <section class="panel" aria-labelledby="info-title">
      <h2 id="info-title">System</h2>
      <dl class="info" data-testid="host-info">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd title={v}>{v || "–"}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
