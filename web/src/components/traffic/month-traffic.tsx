import { signal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import type { HostTraffic } from "../../../../worker/src/traffic/totals";
import { errorMessage, fleetApi, json, params, withSignal } from "../../lib/api";
import { formatBytes, formatDay } from "../../lib/format";
import { session } from "../../lib/session";
import { Fact } from "../common/fact";

/** Month totals move slowly: the dashboard asks again every few minutes, never per frame. */
export const TRAFFIC_REFRESH_MS = 5 * 60_000;

/** `↓1.2 GiB ↑300 MiB`: received, then sent, in binary units. */
export function monthTrafficText(t: { rxBytes: number; txBytes: number }): string {
  return `↓${formatBytes(t.rxBytes)} ↑${formatBytes(t.txBytes)}`;
}

/** `since 1 Mar, resets 1 Apr (UTC)`: the period of a host's totals. */
export function periodText(t: Pick<HostTraffic, "periodStart" | "periodEnd" | "timeZone">, locale?: string) {
  return `since ${formatDay(t.periodStart, locale)}, resets ${formatDay(t.periodEnd, locale)} (${t.timeZone})`;
}

/** Every host's month so far, from one fleet listing shared by all cards. */
const fleetTraffic = signal<ReadonlyMap<string, HostTraffic>>(new Map());
let users = 0;
let stop: (() => void) | undefined;

/**
 * Keeps `fleetTraffic` filled while at least one card shows it: one
 * `GET /traffic` for the whole fleet when the first card mounts, then every
 * TRAFFIC_REFRESH_MS; stopped when the last card goes.
 */
function subscribe(fleet: string): () => void {
  users++;
  if (users === 1) {
    const ctl = new AbortController();
    const load = () =>
      json(fleetApi.traffic.$get({ param: params({ fleet }) }, withSignal(ctl.signal)))
        .then((r) => {
          fleetTraffic.value = new Map(r.hosts.map((h) => [h.hostId, h]));
        })
        .catch(() => {}); // The fact stays hidden or keeps its last value; the next refresh tries again.
    load();
    const timer = setInterval(load, TRAFFIC_REFRESH_MS);
    stop = () => {
      clearInterval(timer);
      ctl.abort();
    };
  }
  return () => {
    users--;
    if (users === 0) stop?.();
  };
}

/** The overview card's "This month" fact; nothing until the fleet's totals arrive. */
export function MonthTrafficFact({ hostId }: { hostId: string }) {
  const s = session.value;
  const fleet = s.state === "signed-in" ? s.info.fleet : undefined;
  useEffect(() => (fleet ? subscribe(fleet) : undefined), [fleet]);
  const t = fleetTraffic.value.get(hostId);
  if (!t) return null;
  return <Fact label="This month" metric="traffic.month" value={monthTrafficText(t)} />;
}

/** The host page's panel: this month's bytes per interface, with when the month began and resets. */
export function TrafficPanel({ fleet, hostId }: { fleet: string; hostId: string }) {
  const [t, setT] = useState<HostTraffic | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const ctl = new AbortController();
    const load = () =>
      json(
        fleetApi.hosts[":host"].traffic.$get(
          { param: params({ fleet, host: hostId }) },
          withSignal(ctl.signal),
        ),
      )
        .then((r) => {
          setT(r);
          setError(undefined);
        })
        .catch((e) => {
          if (!ctl.signal.aborted) setError(errorMessage(e));
        });
    load();
    const timer = setInterval(load, TRAFFIC_REFRESH_MS);
    return () => {
      clearInterval(timer);
      ctl.abort();
    };
  }, [fleet, hostId]);
  return (
    <section class="panel" aria-labelledby="traffic-title" data-testid="traffic-panel">
      <h2 id="traffic-title">Traffic this month</h2>
      {error && <p class="muted">{error}</p>}
      {t && (
        <>
          <p class="muted" data-testid="traffic-period">
            {periodText(t)}
          </p>
          <table class="data-table">
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
              {t.interfaces.map((i) => (
                <tr key={i.name} data-iface={i.name}>
                  <td>{i.name}</td>
                  <td class="num">{formatBytes(i.rxBytes)}</td>
                  <td class="num">{formatBytes(i.txBytes)}</td>
                </tr>
              ))}
              <tr data-testid="traffic-total">
                <th scope="row">All</th>
                <td class="num">{formatBytes(t.rxBytes)}</td>
                <td class="num">{formatBytes(t.txBytes)}</td>
              </tr>
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
