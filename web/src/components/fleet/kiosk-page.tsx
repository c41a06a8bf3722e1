import { useComputed } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { now } from "../../lib/clock";
import { alertLevels, thresholdsSettled } from "../../lib/fleet-alerts";
import { compareHosts, countHealth, GROUP_PARAM, groupHosts, type HostGroup } from "../../lib/fleet-view";
import { formatCount, formatCountOf, formatTime, NOUNS } from "../../lib/format";
import { HEALTH_ORDER } from "../../lib/host-summary";
import { live } from "../../lib/live";
import { session } from "../../lib/session";
import { HostGrid } from "./fleet-grid";
import { GroupCounts, groupTitle } from "./fleet-groups";
import "../../styles/kiosk.css";

/** Seconds each group stays on screen: `?cycle=`, 3 to 600, 15 by default. */
export function cycleSeconds(search: string): number {
  const n = Number(new URLSearchParams(search).get("cycle"));
  return Number.isFinite(n) && n >= 3 && n <= 600 ? Math.round(n) : 15;
}

/** A group's identity across renders: its label value, or a key no value can be for the hosts without it. */
const NO_VALUE = "\u0000";
const keyOf = (g: HostGroup) => g.value ?? NO_VALUE;

/** Index of the group after the one keyed `current`, wrapping; the first when `current` is gone or null. */
export function nextGroup(groups: readonly HostGroup[], current: string | null): number {
  const i = current === null ? -1 : groups.findIndex((g) => keyOf(g) === current);
  return groups.length === 0 ? 0 : (i + 1) % groups.length;
}

/** Whole-fleet counts in large type. */
function FleetCounts() {
  const counts = useComputed(() => countHealth([...live.hosts.value.values()], alertLevels.value)).value;
  return (
    <ul class="kiosk-counts" data-testid="kiosk-counts">
      {HEALTH_ORDER.map((h) => (
        <li key={h} class={`count count-${h}`} data-status={h} data-count={counts[h]}>
          <span class="num">{formatCount(counts[h])}</span> {h}
        </li>
      ))}
    </ul>
  );
}

/**
 * TV mode (`/kiosk`): the fleet on a wall display. No controls, large type;
 * grouped by a label (`?group=env`), it shows one group at a time and moves
 * to the next every `?cycle=` seconds, in the groups' order, round and round.
 */
export function KioskPage() {
  const search = typeof location === "undefined" ? "" : location.search;
  const key = new URLSearchParams(search).get(GROUP_PARAM)?.trim() ?? "";
  const cycle = cycleSeconds(search);
  const s = session.value;
  const fleet = s.state === "signed-in" ? s.info.fleet : "";
  const hosts = useComputed(() => {
    const cmp = compareHosts("status", "asc", alertLevels.value);
    return [...live.hosts.value.values()].sort((a, b) => cmp(a.value, b.value));
  });
  const groups = useComputed(() => (key ? groupHosts(hosts.value, key) : undefined)).value;
  // The group on screen, by key (null: the first); it survives groups coming and going.
  const [shown, setShown] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (!key) return;
    const timer = setInterval(() => setRound((r) => r + 1), cycle * 1000);
    return () => clearInterval(timer);
  }, [key, cycle]);
  const index =
    groups && shown !== null
      ? Math.max(
          0,
          groups.findIndex((g) => keyOf(g) === shown),
        )
      : 0;
  const group = groups?.[index];
  useEffect(() => {
    if (round === 0 || !groups) return;
    const next = groups[nextGroup(groups, group ? keyOf(group) : null)];
    setShown(next ? keyOf(next) : null);
  }, [round]);

  const ready = live.loaded.value && thresholdsSettled.value;
  return (
    <div class="kiosk" data-testid="kiosk">
      <header class="kiosk-head">
        <span class="brand brand-large">
          <span class="brand-mark" aria-hidden="true" />
          <span>{fleet}</span>
        </span>
        <FleetCounts />
        <span class="kiosk-clock num" data-testid="kiosk-clock">
          {formatTime(now.value)}
        </span>
      </header>
      <main class="kiosk-main">
        {!ready ? (
          <p class="kiosk-note">Connecting to the hub…</p>
        ) : hosts.value.length === 0 ? (
          <p class="kiosk-note">No hosts in this fleet yet.</p>
        ) : group && groups ? (
          <section
            class="kiosk-group"
            data-testid="kiosk-group"
            data-group={group.value ?? ""}
            data-index={index}
            aria-live="polite"
          >
            <header class="kiosk-group-head">
              <h1 class="kiosk-group-title">{groupTitle(key, group.value)}</h1>
              <span class="kiosk-group-total num">
                {formatCountOf(group.hosts.length, NOUNS.host)} · {index + 1} of {groups.length}
              </span>
              <GroupCounts hosts={group.hosts} />
            </header>
            <HostGrid key={keyOf(group)} list={group.hosts} />
          </section>
        ) : (
          <section class="kiosk-group" data-testid="kiosk-group" data-group="">
            <HostGrid list={hosts.value} />
          </section>
        )}
      </main>
    </div>
  );
}
