import { useState } from "preact/hooks";
import type { ContainerMetrics } from "../../../../worker/src/metrics/types";
import { formatBytes, formatCount, formatPct, formatRate } from "../../lib/format";
import "../../styles/containers.css";

type SortKey =
  | "name"
  | "image"
  | "state"
  | "health"
  | "restarts"
  | "cpuPct"
  | "memUsedBytes"
  | "rxBytesPerS"
  | "txBytesPerS"
  | "readBytesPerS"
  | "writeBytesPerS";

const COLUMNS: { key: SortKey; label: string; num?: true }[] = [
  { key: "name", label: "Container" },
  { key: "image", label: "Image" },
  { key: "state", label: "State" },
  { key: "health", label: "Health" },
  { key: "restarts", label: "Restarts", num: true },
  { key: "cpuPct", label: "CPU", num: true },
  { key: "memUsedBytes", label: "Memory", num: true },
  { key: "rxBytesPerS", label: "Net in", num: true },
  { key: "txBytesPerS", label: "Net out", num: true },
  { key: "readBytesPerS", label: "Read", num: true },
  { key: "writeBytesPerS", label: "Write", num: true },
];

/** Sorts by one column; absent figures (a stopped container's CPU) go last either way. */
export function sortContainers(
  list: readonly ContainerMetrics[],
  key: SortKey,
  dir: 1 | -1,
): ContainerMetrics[] {
  return [...list].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (x === undefined || y === undefined)
      return x === y ? a.name.localeCompare(b.name) : x === undefined ? 1 : -1;
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return c * dir || a.name.localeCompare(b.name);
  });
}

/** The badge level of a state or health word: running and healthy are fine, the rest draws the eye. */
function level(word: string): "ok" | "warn" | "bad" | "none" {
  if (word === "running" || word === "healthy") return "ok";
  if (word === "unhealthy" || word === "dead" || word === "restarting") return "bad";
  if (word === "none") return "none";
  return "warn";
}

/**
 * The host's containers (Docker or Podman), sortable by any column. Names
 * and images come from the agent: rendered as text nodes only.
 */
export function ContainersTable({ containers }: { containers: readonly ContainerMetrics[] }) {
  const [key, setKey] = useState<SortKey>("name");
  const [dir, setDir] = useState<1 | -1>(1);
  const rows = sortContainers(containers, key, dir);
  const running = containers.filter((c) => c.state === "running").length;
  const sort = (k: SortKey) => {
    if (k === key) setDir(dir === 1 ? -1 : 1);
    else {
      setKey(k);
      // Names and words read A to Z; figures biggest first.
      setDir(COLUMNS.find((c) => c.key === k)?.num ? -1 : 1);
    }
  };
  return (
    <section class="panel containers-panel" aria-label="Containers">
      <h2>
        Containers{" "}
        <span class="muted" data-testid="containers-count">
          {running} of {containers.length} running
        </span>
      </h2>
      <div class="table-scroll">
        <table class="data-table" data-testid="containers-table">
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.key}
                  scope="col"
                  class={c.num ? "num" : undefined}
                  aria-sort={key === c.key ? (dir === 1 ? "ascending" : "descending") : undefined}
                >
                  <button
                    type="button"
                    class="th-sort"
                    onClick={() => sort(c.key)}
                    data-testid={`container-sort-${c.key}`}
                  >
                    {c.label}
                    <span class="sort-arrow" aria-hidden="true">
                      {key === c.key ? (dir === 1 ? "▲" : "▼") : ""}
                    </span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.name} data-testid="container-row" data-name={c.name}>
                <th scope="row" class="cell-text" title={c.name}>
                  {c.name}
                </th>
                <td class="cell-text" title={c.image}>
                  {c.image}
                </td>
                <td>
                  <span class="ctr-badge" data-level={level(c.state)} data-testid="container-state">
                    {c.state}
                  </span>
                </td>
                <td>
                  <span class="ctr-badge" data-level={level(c.health)} data-testid="container-health">
                    {c.health === "none" ? "no check" : c.health}
                  </span>
                </td>
                <td class="num" data-testid="container-restarts">
                  {formatCount(c.restarts)}
                </td>
                <td class="num">{formatPct(c.cpuPct)}</td>
                <td class="num" title={c.memLimitBytes ? `limit ${formatBytes(c.memLimitBytes)}` : undefined}>
                  {formatBytes(c.memUsedBytes)}
                </td>
                <td class="num">{formatRate(c.rxBytesPerS)}</td>
                <td class="num">{formatRate(c.txBytesPerS)}</td>
                <td class="num">{formatRate(c.readBytesPerS)}</td>
                <td class="num">{formatRate(c.writeBytesPerS)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
