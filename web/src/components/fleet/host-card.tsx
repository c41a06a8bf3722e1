import type { Signal } from "@preact/signals";
import type { LiveHost } from "../../../../worker/src/metrics/summary";
import { alertLevels } from "../../lib/fleet-alerts";
import { formatCount, formatDuration, formatLoad, formatRate } from "../../lib/format";
import { hostHealth } from "../../lib/host-summary";
import { hostPath } from "../../lib/router";
import { levelOf, thresholds } from "../../lib/thresholds";
import { Fact } from "../common/fact";
import { LastSeen } from "../common/last-seen";
import { Link } from "../common/link";
import { Meter } from "../common/meter";
import { StatusBadge } from "../common/status-badge";
import { MonthTrafficFact } from "../traffic/month-traffic";
import { Labels } from "./labels";

/**
 * One host in the grid. It reads its own host signal, so a frame that
 * changes this host re-renders this card only. Everything is rendered as
 * text nodes: hostnames and labels come from agents and are untrusted.
 */
export function HostCard({ host }: { host: Signal<LiveHost> }) {
  const h = host.value;
  const t = thresholds.value;
  const s = h.summary;
  const health = hostHealth(h, alertLevels.value);
  return (
    <article
      class="card"
      data-testid="host-card"
      data-host-id={h.id}
      data-health={health}
      data-status={h.status}
    >
      <header class="card-head">
        <h2 class="card-title">
          <Link class="card-link" href={hostPath(h.id)} data-testid="host-link">
            {h.info.hostname || h.id}
          </Link>
        </h2>
        <StatusBadge health={health} />
      </header>
      <Labels labels={h.info.labels} max={3} />
      <div class="meters">
        <Meter label="CPU" metric="cpu" value={s.cpu} level={levelOf(s.cpu, t.cpu)} />
        <Meter label="Memory" metric="mem" value={s.mem} level={levelOf(s.mem, t.mem)} />
        <Meter label="Disk" metric="disk" value={s.disk} level={levelOf(s.disk, t.disk)} />
      </div>
      <dl class="facts">
        <Fact label="Load 1m" metric="load1" value={formatLoad(s.load1)} />
        <Fact label="Net in" metric="net.rx" value={formatRate(s.rxBytesPerS)} />
        <Fact label="Net out" metric="net.tx" value={formatRate(s.txBytesPerS)} />
        <Fact label="Processes" metric="procs" value={formatCount(s.procs)} />
        <Fact label="Uptime" metric="uptime" value={formatDuration(s.uptimeS)} />
        {s.containers !== undefined && (
          <Fact
            label="Containers"
            metric="containers"
            value={`${formatCount(s.containersRunning ?? 0)} / ${formatCount(s.containers)} running`}
          />
        )}
        <MonthTrafficFact hostId={h.id} />
        <Fact label="Last seen" value={<LastSeen host={host} />} />
      </dl>
    </article>
  );
}
