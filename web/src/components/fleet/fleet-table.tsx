import type { ReadonlySignal, Signal } from "@preact/signals";
import { Fragment } from "preact";
import { useRef } from "preact/hooks";
import type { LiveHost } from "../../../../worker/src/metrics/summary";
import { alertLevels } from "../../lib/fleet-alerts";
import { type HostGroup, type SortKey, sortBy, sortDir, sortKey } from "../../lib/fleet-view";
import { BYTE_UNITS, formatCount, formatDuration, formatLoad, formatPct, formatRate } from "../../lib/format";
import { hostHealth } from "../../lib/host-summary";
import { hostPath } from "../../lib/router";
import { levelOf, thresholds } from "../../lib/thresholds";
import { useWindowVirtual } from "../../lib/virtual";
import { LastSeen } from "../common/last-seen";
import { Link } from "../common/link";
import { StatusBadge } from "../common/status-badge";
import { GroupHeading } from "./fleet-groups";

/** Must match `.fleet-table tbody tr` height in the stylesheet. */
const ROW_HEIGHT = 40;

function SortHeader({ label, sort, numeric }: { label: string; sort: SortKey; numeric?: boolean }) {
  const active = sortKey.value === sort;
  const dir = sortDir.value;
  return (
    <th
      scope="col"
      class={numeric ? "num" : undefined}
      aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : undefined}
    >
      <button type="button" class="th-sort" onClick={() => sortBy(sort)} data-testid={`sort-${sort}`}>
        {label}
        <span class="sort-arrow" aria-hidden="true">
          {active ? (dir === "asc" ? "▲" : "▼") : ""}
        </span>
      </button>
    </th>
  );
}

function Pct({ metric, value, level }: { metric: string; value: number | undefined; level: string }) {
  return (
    <td class="num" data-level={level}>
      <span data-metric={metric} data-value={value === undefined ? undefined : value.toFixed(2)}>
        {formatPct(value)}
      </span>
    </td>
  );
}

function HostRow({ host, index }: { host: Signal<LiveHost>; index: number }) {
  const h = host.value;
  const t = thresholds.value;
  const s = h.summary;
  const health = hostHealth(h, alertLevels.value);
  return (
    <tr data-testid="host-row" data-host-id={h.id} data-health={health} aria-rowindex={index + 2}>
      <td class="status-cell">
        <StatusBadge health={health} />
      </td>
      <th scope="row" class="host-name">
        <Link href={hostPath(h.id)} data-testid="host-link" title={h.info.hostname}>
          {h.info.hostname || h.id}
        </Link>
      </th>
      <Pct metric="cpu" value={s.cpu} level={levelOf(s.cpu, t.cpu)} />
      <Pct metric="mem" value={s.mem} level={levelOf(s.mem, t.mem)} />
      <Pct metric="disk" value={s.disk} level={levelOf(s.disk, t.disk)} />
      <td class="num" data-metric="load1">
        {formatLoad(s.load1)}
      </td>
      <td class="num" data-metric="net.rx">
        {formatRate(s.rxBytesPerS)}
      </td>
      <td class="num" data-metric="net.tx">
        {formatRate(s.txBytesPerS)}
      </td>
      <td class="num" data-metric="procs">
        {formatCount(s.procs)}
      </td>
      <td class="num" data-metric="uptime">
        {formatDuration(s.uptimeS)}
      </td>
      <td class="num">
        <LastSeen host={host} />
      </td>
    </tr>
  );
}

/** Rows of `rows` in their own `<tbody>`, virtualised: only rows near the viewport are in the DOM. */
function Rows({ rows, rowIndex }: { rows: Signal<LiveHost>[]; rowIndex: number }) {
  const body = useRef<HTMLTableSectionElement>(null);
  const { start, end } = useWindowVirtual(body, rows.length, ROW_HEIGHT);
  return (
    <tbody ref={body}>
      {start > 0 && <tr class="spacer" style={{ height: `${start * ROW_HEIGHT}px` }} />}
      {rows.slice(start, end).map((h, i) => (
        <HostRow key={h.peek().id} host={h} index={rowIndex + start + i} />
      ))}
      {end < rows.length && <tr class="spacer" style={{ height: `${(rows.length - end) * ROW_HEIGHT}px` }} />}
    </tbody>
  );
}

const COLUMNS = 11;

/**
 * Dense table of the visible hosts, virtualised: only rows near the viewport
 * are in the DOM, so 500+ hosts cost as much as ~40. Grouped, each group is
 * a heading row (value, count, counts by state) over its own rows.
 */
export function FleetTable({
  hosts,
  groups,
  groupKey = "",
}: {
  hosts: ReadonlySignal<Signal<LiveHost>[]>;
  groups?: HostGroup[] | undefined;
  groupKey?: string;
}) {
  const rows = hosts.value;
  let rowIndex = 0;
  return (
    <div class="table-wrap scroll-x" data-testid="fleet-table-wrap">
      <table
        class="fleet-table"
        data-testid="fleet-table"
        aria-rowcount={rows.length + 1 + (groups?.length ?? 0)}
      >
        <thead>
          <tr aria-rowindex={1}>
            <SortHeader label="Status" sort="status" />
            <SortHeader label="Host" sort="name" />
            <SortHeader label="CPU" sort="cpu" numeric />
            <SortHeader label="Mem" sort="mem" numeric />
            <SortHeader label="Disk" sort="disk" numeric />
            <th scope="col" class="num">
              Load 1m
            </th>
            <th scope="col" class="num" title={BYTE_UNITS}>
              Net in
            </th>
            <th scope="col" class="num" title={BYTE_UNITS}>
              Net out
            </th>
            <th scope="col" class="num">
              Procs
            </th>
            <th scope="col" class="num">
              Uptime
            </th>
            <th scope="col" class="num">
              Last seen
            </th>
          </tr>
        </thead>
        {groups ? (
          groups.map((g) => {
            const headIndex = rowIndex + 2;
            rowIndex += 1 + g.hosts.length;
            return (
              <Fragment key={g.value ?? "\u0000"}>
                <tbody class="group-body" data-testid="host-group" data-group={g.value ?? ""}>
                  <tr class="group-row" aria-rowindex={headIndex}>
                    <th scope="rowgroup" colSpan={COLUMNS}>
                      <GroupHeading groupKey={groupKey} group={g} level={3} />
                    </th>
                  </tr>
                </tbody>
                <Rows rows={g.hosts} rowIndex={headIndex - 1} />
              </Fragment>
            );
          })
        ) : (
          <Rows rows={rows} rowIndex={0} />
        )}
      </table>
    </div>
  );
}
