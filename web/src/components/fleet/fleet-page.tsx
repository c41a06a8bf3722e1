import { useEffect } from "preact/hooks";
import { thresholdsSettled } from "../../lib/fleet-alerts";
import {
  groupBy,
  statusFilter,
  textFilter,
  viewMode,
  visibleGroups,
  visibleHosts,
  writeGroupToUrl,
} from "../../lib/fleet-view";
import { live } from "../../lib/live";
import { session } from "../../lib/session";
import { FleetGrid } from "./fleet-grid";
import { GroupedGrid } from "./fleet-groups";
import { FleetTable } from "./fleet-table";
import { FleetTabs } from "./fleet-tabs";
import { FleetToolbar } from "./fleet-toolbar";

function Empty({ ready }: { ready: boolean }) {
  const s = session.value;
  const admin = s.state === "signed-in" && s.info.role === "admin";
  if (!ready) {
    return (
      <p class="notice" data-testid="fleet-loading">
        {live.status.value === "open" ? "Loading hosts…" : "Connecting to the hub…"}
      </p>
    );
  }
  if (live.hosts.value.size === 0) {
    return (
      <div class="notice" data-testid="fleet-empty">
        <p>No hosts in this fleet yet.</p>
        {admin ? (
          <p>
            Choose <strong>Add host</strong> for an agent token and the commands that install and start the
            agent; the host appears here within seconds.
          </p>
        ) : (
          <p>
            Install the agent on a host (<code>npm install -g fleetwatch-agent</code>) and start it with an
            agent token of this fleet; it appears here within seconds.
          </p>
        )}
      </div>
    );
  }
  return (
    <div class="notice" data-testid="fleet-no-match">
      <p>No hosts match the filter.</p>
      <button
        type="button"
        class="btn"
        onClick={() => {
          textFilter.value = "";
          statusFilter.value = "all";
        }}
      >
        Clear filters
      </button>
    </div>
  );
}

/**
 * The fleet overview: toolbar plus cards or table (in groups of a label when
 * grouped), once both the hosts and the thresholds are in.
 */
export function FleetPage() {
  const ready = live.loaded.value && thresholdsSettled.value;
  const shown = visibleHosts.value.length;
  const key = groupBy.value;
  const groups = visibleGroups.value;
  // Coming back from a host page (`/`), the grouping goes back into the address.
  useEffect(() => writeGroupToUrl(), [key]);
  return (
    <section class="page" aria-labelledby="fleet-title">
      <h1 id="fleet-title" class="visually-hidden">
        Fleet
      </h1>
      <FleetTabs current="hosts" />
      <FleetToolbar shown={ready ? shown : undefined} total={live.hosts.value.size} />
      {!ready || shown === 0 ? (
        <Empty ready={ready} />
      ) : viewMode.value === "table" ? (
        <FleetTable hosts={visibleHosts} groups={groups} groupKey={key} />
      ) : groups ? (
        <GroupedGrid groupKey={key} groups={groups} />
      ) : (
        <FleetGrid hosts={visibleHosts} />
      )}
    </section>
  );
}
