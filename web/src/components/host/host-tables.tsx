import type { ComponentChildren } from "preact";
import type {
  FilesystemMetrics,
  NetInterfaceMetrics,
  ProcessMetrics,
  TemperatureMetrics,
} from "../../../../worker/src/metrics/types";
import { formatBytes, formatPct, formatRate } from "../../lib/format";
import { levelOf, thresholds } from "../../lib/thresholds";
import { type Column, TableHead } from "../common/data-table";

/** A titled panel with one table; `empty` is shown as its only row when there are no rows. */
function PanelTable({
  title,
  testId,
  columns,
  rows,
  empty = "Not reported.",
  children,
}: {
  title: string;
  testId: string;
  columns: readonly Column[];
  rows: number;
  empty?: string;
  children: ComponentChildren;
}) {
  return (
    <section class="panel" aria-label={title}>
      <h2>{title}</h2>
      <div class="table-scroll">
        <table class="data-table" data-testid={testId}>
          <TableHead columns={columns} />
          <tbody>
            {rows === 0 && (
              <tr>
                <td colSpan={columns.length} class="muted">
                  {empty}
                </td>
              </tr>
            )}
            {children}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const PROCESS_COLUMNS: Column[] = [
  "Process",
  { label: "PID", num: true },
  { label: "CPU", num: true },
  { label: "Memory", num: true },
];

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
    <PanelTable title={title} testId={testId} columns={PROCESS_COLUMNS} rows={procs.length}>
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
    </PanelTable>
  );
}

const FILESYSTEM_COLUMNS: Column[] = [
  "Mount",
  "Type",
  "Device",
  { label: "Size", num: true },
  { label: "Used", num: true },
  { label: "Use", num: true },
];

/** Mounted filesystems with use bars coloured by the disk thresholds. */
export function FilesystemsTable({ filesystems }: { filesystems: FilesystemMetrics[] }) {
  const t = thresholds.value.disk;
  return (
    <PanelTable
      title="Filesystems"
      testId="filesystems-table"
      columns={FILESYSTEM_COLUMNS}
      rows={filesystems.length}
    >
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
    </PanelTable>
  );
}

const INTERFACE_COLUMNS: Column[] = ["Interface", { label: "In", num: true }, { label: "Out", num: true }];

/** Network interfaces and their current rates. */
export function InterfacesTable({ interfaces }: { interfaces: NetInterfaceMetrics[] }) {
  return (
    <PanelTable
      title="Network interfaces"
      testId="interfaces-table"
      columns={INTERFACE_COLUMNS}
      rows={interfaces.length}
    >
      {interfaces.map((n) => (
        <tr key={n.name}>
          <th scope="row" class="cell-text">
            {n.name}
          </th>
          <td class="num">{formatRate(n.rxBytesPerS)}</td>
          <td class="num">{formatRate(n.txBytesPerS)}</td>
        </tr>
      ))}
    </PanelTable>
  );
}

const TEMPERATURE_COLUMNS: Column[] = ["Sensor", { label: "°C", num: true }];

/** Temperature sensors, where the host exposes any. */
export function TemperaturesTable({ temperatures }: { temperatures: TemperatureMetrics[] }) {
  return (
    <PanelTable
      title="Temperatures"
      testId="temperatures-table"
      columns={TEMPERATURE_COLUMNS}
      rows={temperatures.length}
      empty="No sensors reported."
    >
      {temperatures.map((t) => (
        <tr key={t.sensor}>
          <th scope="row" class="cell-text">
            {t.sensor}
          </th>
          <td class="num">{Number.isFinite(t.celsius) ? t.celsius.toFixed(1) : "–"}</td>
        </tr>
      ))}
    </PanelTable>
  );
}
