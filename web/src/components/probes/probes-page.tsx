import { useEffect, useState } from "preact/hooks";
import { formatAgo, formatDateTime } from "../../lib/format";
import {
  checkProbeNow,
  deleteProbe,
  listProbes,
  type ProbeView,
  setProbeEnabled,
} from "../../lib/probes-api";
import { session } from "../../lib/session";
import { useResource } from "../../lib/use-resource";
import { ManageButtons, NewButton } from "../alerts/row-actions";
import { AlertsSection, useAction, useEditor } from "../alerts/section";
import { ListTable } from "../common/data-table";
import { Link } from "../common/link";
import { ProbeForm } from "./probe-form";
import "../../styles/forms.css";
import "../../styles/alerts.css";
import "../../styles/probes.css";

/** Probes are checked once a minute by the hub's cron. */
const REFRESH_MS = 30_000;

const COLUMNS = [
  "Probe",
  "Status",
  { label: "Latency", num: true },
  { label: "24 h", num: true },
  { label: "7 d", num: true },
  { label: "30 d", num: true },
  "Last check",
] as const;

const pct = (v: number | null) => (v === null ? "–" : `${v} %`);

/**
 * A probe's row id: what the hub's notification links point at
 * (`/probes#probe:<id>`, worker/src/alerts/payload.ts hostUrl).
 */
const rowId = (id: string) => `probe:${id}`;

/** The row a link's fragment names, if any. */
function fragment(): string {
  try {
    return decodeURIComponent(location.hash.slice(1));
  } catch {
    return "";
  }
}

/** Up, down or not yet checked, in words (never colour alone), with the reason of a failure. */
function ProbeStatus({ p }: { p: ProbeView }) {
  if (!p.last) return <span class="muted">not checked yet</span>;
  if (p.last.up)
    return (
      <span class="badge badge-healthy" data-testid="probe-state">
        up
      </span>
    );
  return (
    <>
      <span class="badge badge-critical" data-testid="probe-state">
        down
      </span>{" "}
      <span class="small" data-testid="probe-error">
        {p.last.error}
      </span>
    </>
  );
}

/** Uptime probes of the fleet: latest result and uptime for everyone, management for admins. */
export function ProbesPage() {
  const s = session.value;
  const fleet = s.state === "signed-in" ? s.info.fleet : "";
  const admin = s.state === "signed-in" && s.info.role === "admin";
  const probes = useResource((signal) => listProbes(fleet, signal), [fleet]);
  const editor = useEditor<ProbeView>();
  const action = useAction(probes.reload);
  useEffect(() => {
    document.title = "Probes · fleetwatch";
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") probes.reload();
    }, REFRESH_MS);
    return () => {
      clearInterval(timer);
      document.title = "fleetwatch";
    };
  }, [fleet]);
  const list = probes.data ?? [];
  const now = Date.now();
  const [target, setTarget] = useState(fragment);
  const loaded = probes.data !== undefined;
  useEffect(() => {
    const follow = () => setTarget(fragment());
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, []);
  // The rows come after the page: scroll to a linked probe once they are there.
  useEffect(() => {
    if (loaded && target) document.getElementById(target)?.scrollIntoView({ block: "center" });
  }, [loaded, target]);
  return (
    <section class="page alerts-page" aria-labelledby="probes-title" data-testid="probes-page">
      <div class="section-head">
        <h1 id="probes-title">Probes</h1>
        {admin && (
          <Link href="/status-page" class="btn btn-small" data-testid="status-page-link">
            Public status page
          </Link>
        )}
      </div>
      <p class="muted">
        Checked from the edge every interval (at least a minute). Alert rules watch them as{" "}
        <code>probe.up:&lt;name&gt;</code>, <code>probe.latency:&lt;name&gt;</code> and{" "}
        <code>probe.down:&lt;name&gt;</code>.
      </p>
      <AlertsSection
        id="probe-list-title"
        title="Checks"
        error={action.error.value ?? probes.error}
        actions={
          admin &&
          !editor.open && <NewButton kind="probe" label="New probe" onClick={() => editor.edit("new")} />
        }
      >
        {editor.open && (
          <ProbeForm
            key={editor.key}
            fleet={fleet}
            probe={editor.item}
            onSaved={() => {
              editor.close();
              probes.reload();
            }}
            onCancel={editor.close}
          />
        )}
        {probes.data && list.length === 0 && <p class="notice">No probes yet.</p>}
        {list.length > 0 && (
          <ListTable testId="probes-table" columns={COLUMNS} actions={admin}>
            {list.map((p) => (
              <tr
                key={p.id}
                id={rowId(p.id)}
                class={target === rowId(p.id) ? "row-target" : undefined}
                data-testid="probe-row"
                data-probe={p.name}
                data-up={p.last ? String(p.last.up) : "unknown"}
              >
                <th scope="row" class="cell-text" title={p.target}>
                  {p.name}
                  <div class="muted small">
                    {p.kind.toUpperCase()} {p.target}
                    {!p.enabled && " · paused"}
                    {p.hostId && (
                      <>
                        {" · "}
                        <Link href={`/hosts/${encodeURIComponent(p.hostId)}`} data-testid="probe-host-link">
                          watches a host
                        </Link>
                      </>
                    )}
                  </div>
                </th>
                <td>
                  <ProbeStatus p={p} />
                </td>
                <td class="num">{p.last?.latencyMs != null && p.last.up ? `${p.last.latencyMs} ms` : "–"}</td>
                <td class="num">{pct(p.uptime.h24)}</td>
                <td class="num">{pct(p.uptime.d7)}</td>
                <td class="num">{pct(p.uptime.d30)}</td>
                <td title={p.last ? formatDateTime(p.last.checkedAt) : undefined}>
                  {p.last ? formatAgo(p.last.checkedAt, now) : "–"}
                </td>
                {admin && (
                  <td class="actions">
                    <button
                      type="button"
                      class="btn btn-small"
                      data-testid="probe-check"
                      onClick={() => void action.run(() => checkProbeNow(fleet, p.id))}
                    >
                      Check now
                    </button>
                    <ManageButtons
                      kind="probe"
                      enabled={p.enabled}
                      onEdit={() => editor.edit(p)}
                      onToggle={() => void action.run(() => setProbeEnabled(fleet, p.id, !p.enabled))}
                      onDelete={() => void action.run(() => deleteProbe(fleet, p.id))}
                    />
                  </td>
                )}
              </tr>
            ))}
          </ListTable>
        )}
      </AlertsSection>
    </section>
  );
}
