import {
  groupBy,
  labelKeys,
  type SortKey,
  type StatusFilter,
  setGroupBy,
  setViewMode,
  sortDir,
  sortKey,
  statusFilter,
  textFilter,
  viewMode,
} from "../../lib/fleet-view";
import { formatCount, formatCountOf, NOUNS } from "../../lib/format";
import { Options } from "../common/options";
import { AddHostButton } from "./add-host-button";

const SORTS: Record<SortKey, string> = {
  status: "Sort: Status",
  name: "Sort: Name",
  cpu: "Sort: CPU",
  mem: "Sort: Memory",
  disk: "Sort: Disk",
};

const STATUSES: Record<StatusFilter, string> = {
  all: "All statuses",
  critical: "Critical",
  warning: "Warning",
  healthy: "Healthy",
  stale: "Stale",
  offline: "Offline",
};

/**
 * "Group by": the fleet's label keys. A key chosen from a link (`?group=`)
 * that no host has yet stays listed, so the select shows what is applied.
 */
function GroupSelect() {
  const keys = labelKeys.value;
  const current = groupBy.value;
  const listed = current && !keys.includes(current) ? [...keys, current] : keys;
  return (
    <label class="field field-group">
      <span class="field-prefix">Group by</span>
      <select
        value={current}
        onChange={(e) => setGroupBy(e.currentTarget.value)}
        data-testid="group-select"
        disabled={listed.length === 0}
        title={listed.length === 0 ? "No host has labels to group by" : undefined}
      >
        <option value="">No grouping</option>
        {listed.map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * Filter, sort and view controls of the fleet page, and (admins) Add host;
 * `shown` is undefined until the list is.
 */
export function FleetToolbar({ shown, total }: { shown: number | undefined; total: number }) {
  const mode = viewMode.value;
  return (
    <search class="toolbar">
      <label class="field field-grow">
        <span class="visually-hidden">Filter hosts</span>
        <input
          type="search"
          placeholder="Filter by name or label (env=prod)"
          value={textFilter.value}
          onInput={(e) => {
            textFilter.value = e.currentTarget.value;
          }}
          data-testid="fleet-filter"
          autocomplete="off"
          spellcheck={false}
        />
      </label>
      <label class="field">
        <span class="visually-hidden">Status</span>
        <select
          value={statusFilter.value}
          onChange={(e) => {
            statusFilter.value = e.currentTarget.value as StatusFilter;
          }}
          data-testid="status-filter"
        >
          <Options labels={STATUSES} />
        </select>
      </label>
      <div class="field field-sort">
        <label>
          <span class="visually-hidden">Sort by</span>
          <select
            value={sortKey.value}
            onChange={(e) => {
              sortKey.value = e.currentTarget.value as SortKey;
            }}
            data-testid="sort-select"
          >
            <Options labels={SORTS} />
          </select>
        </label>
        <button
          type="button"
          class="btn btn-icon"
          onClick={() => {
            sortDir.value = sortDir.value === "asc" ? "desc" : "asc";
          }}
          aria-label={
            sortDir.value === "asc" ? "Ascending; switch to descending" : "Descending; switch to ascending"
          }
          title={sortDir.value === "asc" ? "Ascending" : "Descending"}
          data-testid="sort-dir"
          data-dir={sortDir.value}
        >
          {sortDir.value === "asc" ? "↑" : "↓"}
        </button>
      </div>
      <GroupSelect />
      <fieldset class="segmented">
        <legend class="visually-hidden">View</legend>
        <button
          type="button"
          class="btn"
          aria-pressed={mode === "grid"}
          onClick={() => setViewMode("grid")}
          data-testid="view-grid"
        >
          Cards
        </button>
        <button
          type="button"
          class="btn"
          aria-pressed={mode === "table"}
          onClick={() => setViewMode("table")}
          data-testid="view-table"
        >
          Table
        </button>
      </fieldset>
      <p class="toolbar-count num" data-testid="shown-count" aria-live="polite">
        {shown === undefined
          ? "Loading…"
          : shown === total
            ? formatCountOf(total, NOUNS.host)
            : `${formatCount(shown)} of ${formatCountOf(total, NOUNS.host)}`}
      </p>
      <AddHostButton />
    </search>
  );
}
