import type { Signal } from "@preact/signals";
import { useComputed } from "@preact/signals";
import type { LiveHost } from "../../../../worker/src/metrics/summary";
import { alertLevels } from "../../lib/fleet-alerts";
import { countHealth, type HostGroup } from "../../lib/fleet-view";
import { formatCount, formatCountOf, NOUNS } from "../../lib/format";
import { HEALTH_ORDER, type Health } from "../../lib/host-summary";
import { HostGrid } from "./fleet-grid";

const WORD: Record<Health, string> = {
  critical: "critical",
  warning: "warning",
  stale: "stale",
  offline: "offline",
  healthy: "healthy",
};

/** A group's title: `env=prod`, or `no env` for the hosts without the label. */
export function groupTitle(key: string, value: string | undefined): string {
  return value === undefined ? `no ${key}` : `${key}=${value}`;
}

/** Per-state counts of a group, as small pills; states with no host are left out. Live. */
export function GroupCounts({ hosts }: { hosts: readonly Signal<LiveHost>[] }) {
  const counts = useComputed(() => countHealth(hosts, alertLevels.value)).value;
  return (
    <ul class="group-counts" aria-label="By status">
      {HEALTH_ORDER.filter((h) => counts[h] > 0).map((h) => (
        <li key={h} class={`count count-${h}`} data-status={h} data-count={counts[h]}>
          <span class="num">{formatCount(counts[h])}</span> {WORD[h]}
        </li>
      ))}
    </ul>
  );
}

/** The heading of a group: its label value, how many hosts, and how many in each state. */
export function GroupHeading({
  groupKey,
  group,
  level = 2,
}: {
  groupKey: string;
  group: HostGroup;
  level?: 2 | 3;
}) {
  const H = level === 2 ? "h2" : "h3";
  return (
    <header class="group-head">
      <H class="group-title">{groupTitle(groupKey, group.value)}</H>
      <span class="group-total muted num">{formatCountOf(group.hosts.length, NOUNS.host)}</span>
      <GroupCounts hosts={group.hosts} />
    </header>
  );
}

/** The visible hosts as cards, one section per value of the grouping label. */
export function GroupedGrid({ groupKey, groups }: { groupKey: string; groups: HostGroup[] }) {
  return (
    <div class="groups" data-testid="fleet-groups">
      {groups.map((g) => (
        <section
          key={g.value ?? "\u0000"}
          class="group"
          data-testid="host-group"
          data-group={g.value ?? ""}
          aria-label={groupTitle(groupKey, g.value)}
        >
          <GroupHeading groupKey={groupKey} group={g} />
          <HostGrid list={g.hosts} />
        </section>
      ))}
    </div>
  );
}
