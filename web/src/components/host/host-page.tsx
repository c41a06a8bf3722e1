import { useEffect, useMemo } from "preact/hooks";
import { alertLevels } from "../../lib/fleet-alerts";
import { hostHealth } from "../../lib/host-summary";
import { live } from "../../lib/live";
import { session } from "../../lib/session";
import { LastSeen } from "../common/last-seen";
import { Link } from "../common/link";
import { StatusBadge } from "../common/status-badge";
import { Labels } from "../fleet/labels";
import { TrafficPanel } from "../traffic/month-traffic";
import { CertificatesTable } from "./certificates";
import { ContainersTable } from "./containers";
import { History } from "./history";
import { HostInfo } from "./host-info";
import { FilesystemsTable, InterfacesTable, ProcessTable, TemperaturesTable } from "./host-tables";
import { LiveValues } from "./live-values";
import { RemoveHost } from "./remove-host";
import { Sparklines } from "./sparklines";
import "../../styles/host.css";

/** One host: live values, system facts, history charts and detail tables. Route `/hosts/:id`. */
export function HostPage({ id }: { id: string }) {
  // The host's full state comes over the live socket while this page is shown.
  const sub = useMemo(() => live.subscribe(id), [id]);
  useEffect(() => () => sub.release(), [sub]);
  const hostSignal = sub.host;
  const host = hostSignal.value;
  const s = session.value;
  const fleet = s.state === "signed-in" ? s.info.fleet : undefined;
  const admin = s.state === "signed-in" && s.info.role === "admin";
  const name = host?.info.hostname || id;

  useEffect(() => {
    document.title = `${name} · fleetwatch`;
    return () => {
      document.title = "fleetwatch";
    };
  }, [name]);

  if (!host) {
    return (
      <section class="page" data-testid="host-page" data-host-id={id}>
        <Link href="/" class="back">
          ← All hosts
        </Link>
        {host === null ? (
          <p class="notice" data-testid="host-not-found">
            No host with ID <code>{id}</code> in this fleet. It may have been removed.
          </p>
        ) : (
          <p class="notice">Loading…</p>
        )}
      </section>
    );
  }

  const m = host.metrics;
  const health = hostHealth(host, alertLevels.value);
  return (
    <article class="page host-page" data-testid="host-page" data-host-id={id} data-health={health}>
      <Link href="/" class="back">
        ← All hosts
      </Link>
      <header class="host-head">
        <h1 data-testid="host-name">{name}</h1>
        <StatusBadge health={health} />
        <span class="muted">
          Last seen <LastSeen host={hostSignal} />
        </span>
        {fleet && admin && <RemoveHost fleet={fleet} id={host.id} name={name} />}
      </header>
      <Labels labels={host.info.labels} />
      <div class="host-top">
        <LiveValues host={host} />
        <HostInfo id={host.id} info={host.info} />
      </div>
      <Sparklines fleet={fleet} hostId={host.id} />
      {fleet && <History fleet={fleet} host={host} />}
      {fleet && <TrafficPanel fleet={fleet} hostId={host.id} />}
      <div class="host-tables">
        <ProcessTable title="Top processes by CPU" procs={m.processes?.topCpu ?? []} testId="top-cpu-table" />
        <ProcessTable
          title="Top processes by memory"
          procs={m.processes?.topMemory ?? []}
          testId="top-mem-table"
        />
        <FilesystemsTable filesystems={m.filesystems ?? []} />
        <InterfacesTable interfaces={m.net ?? []} />
        <TemperaturesTable temperatures={m.temperatures ?? []} />
        {m.containers && <ContainersTable containers={m.containers} />}
        {m.tlsCerts && <CertificatesTable certs={m.tlsCerts} />}
      </div>
    </article>
  );
}
