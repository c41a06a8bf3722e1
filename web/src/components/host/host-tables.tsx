import type {
  FilesystemMetrics,
  NetInterfaceMetrics,
  ProcessMetrics,
  TemperatureMetrics,
} from "../../../../worker/src/metrics/types";
import { formatBytes, formatPct, formatRate } from "../../lib/format";
import { levelOf, thresholds } from "../../lib/thresholds";

function Empty({ cols, text }: { cols: number; text: string }) {
  return (
    <tr>
      <td colSpan={cols} class="muted">
        {text}
      </td>
    </tr>
  );
}

/** Top processes (by CPU or by memory), as the agent reported them. */
export function ProcessTable({
  title,
  procs,
  testId,
}: {
  title: string;
  procs: ProcessMetrics[];
  testId: string;
}) {
  return (
    <section class="panel" aria-label={title}>
      <h2>{title}</h2>
      <div class="table-scroll">
        <table class="data-table" data-testid={testId}>
          <thead>
            <tr>
              <th scope="col">Process</th>
              <th scope="col" class="num">
                PID
              </th>
              <th scope="col" class="num">
                CPU
              </th>
              <th scope="col" class="num">
                Memory
              </th>
            </tr>
          </thead>
          <tbody>
            {procs.length === 0 && <Empty cols={4} text="Not reported." />}
            {procs.map((p) => (
              <tr key={p.pid}>
                <th scope="row" class="cell-text" title={p.name}>
                  {p.name}
                </th>
                <td class="num">{p.pid}</td>
                <td class="num">{formatPct(p.cpuPct)}</td>
                <td class="num">{formatBytes(p.memoryBytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Mounted filesystems with use bars coloured by the disk thresholds. */
export function FilesystemsTable({ filesystems }: { filesystems: FilesystemMetrics[] }) {
  const t = thresholds.value.disk;
  return (
    <section class="panel" aria-label="Filesystems">
      <h2>Filesystems</h2>
      <div class="table-scroll">
        <table class="data-table" data-testid="filesystems-table">
          <thead>
            <tr>
              <th scope="col">Mount</th>
              <th scope="col">Type</th>
              <th scope="col">Device</th>
              <th scope="col" class="num">
                Size
              </th>
              <th scope="col" class="num">
                Used
              </th>
              <th scope="col" class="num">
                Use
              </th>
            </tr>
          </thead>
          <tbody>
            {filesystems.length === 0 && <Empty cols={6} text="Not reported." />}
            {filesystems.map((f) => {
              const pct = f.sizeBytes > 0 ? (f.usedBytes / f.sizeBytes) * 100 : undefined;
              return (
                <tr key={f.mount} data-mount={f.mount}>
                  <th scope="row" class="cell-text" title={f.mount}>
                    {f.mount}
                  </th>
                  <td>{f.fsType}</td>
                  <td class="cell-text" title={f.device}>
                    {f.device}
                  </td>
                  <td class="num">{formatBytes(f.sizeBytes)}</td>
                  <td class="num">{formatBytes(f.usedBytes)}</td>
                  <td class="num" data-level={levelOf(pct, t)}>
                    {formatPct(pct)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Network interfaces and their current rates. */
export function InterfacesTable({ interfaces }: { interfaces: NetInterfaceMetrics[] }) {
  return (
    <section class="panel" aria-label="Network interfaces">
      <h2>Network interfaces</h2>
      <div class="table-scroll">
        <table class="data-table" data-testid="interfaces-table">
          <thead>
            <tr>
              <th scope="col">Interface</th>
              <th scope="col" class="num">
                In
              </th>
              <th scope="col" class="num">
                Out
              </th>
            </tr>
          </thead>
          <tbody>
            {interfaces.length === 0 && <Empty cols={3} text="Not reported." />}
            {interfaces.map((n) => (
              <tr key={n.name}>
                <th scope="row" class="cell-text">
                  {n.name}
                </th>
                <td class="num">{formatRate(n.rxBytesPerS)}</td>
                <td class="num">{formatRate(n.txBytesPerS)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Temperature sensors, where the host exposes any. */
export function TemperaturesTable({ temperatures }: { temperatures: TemperatureMetrics[] }) {
  return (
    <section class="panel" aria-label="Temperatures">
      <h2>Temperatures</h2>
      <div class="table-scroll">
        <table class="data-table" data-testid="temperatures-table">
          <thead>
            <tr>
              <th scope="col">Sensor</th>
              <th scope="col" class="num">
                °C
              </th>
            </tr>
          </thead>
          <tbody>
            {temperatures.length === 0 && <Empty cols={2} text="No sensors reported." />}
            {temperatures.map((t) => (
              <tr key={t.sensor}>
                <th scope="row" class="cell-text">
                  {t.sensor}
                </th>
                <td class="num">{Number.isFinite(t.celsius) ? t.celsius.toFixed(1) : "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
