import type { TlsCertMetrics } from "../../../../worker/src/metrics/types";
import { formatDateTime } from "../../lib/format";
import { type Column, TableHead } from "../common/data-table";

const COLUMNS: Column[] = ["Name", "Target", "Expires on", { label: "Days left", num: true }, "Error"];

/** The built-in rule's threshold ("Certificate expires soon"): fewer days left is a warning. */
const WARN_DAYS = 14;

/** Critical once expired, a warning inside the built-in rule's 14 days, else none. */
export function daysLevel(days: number | undefined): "critical" | "warning" | undefined {
  if (days === undefined) return undefined;
  if (days < 0) return "critical";
  return days < WARN_DAYS ? "warning" : undefined;
}

/**
 * TLS certificates the host's agent checks (`--tls-check`), soonest expiry
 * first, failed checks last. Names, targets and errors come from the agent:
 * rendered as text nodes only.
 */
export function CertificatesTable({ certs }: { certs: readonly TlsCertMetrics[] }) {
  const rows = [...certs].sort(
    (a, b) =>
      (a.daysLeft ?? Number.POSITIVE_INFINITY) - (b.daysLeft ?? Number.POSITIVE_INFINITY) ||
      a.name.localeCompare(b.name),
  );
  return (
    <section class="panel" aria-label="TLS certificates">
      <h2>TLS certificates</h2>
      <div class="table-scroll">
        <table class="data-table" data-testid="certificates-table">
          <TableHead columns={COLUMNS} />
          <tbody>
            {rows.map((c) => (
              <tr key={c.name} data-cert={c.name}>
                <th scope="row" class="cell-text">
                  {c.name}
                </th>
                <td class="cell-text">{c.target}</td>
                <td title={c.issuerCn ? `Issued by ${c.issuerCn} to ${c.subjectCn || "?"}` : undefined}>
                  {c.notAfterS === undefined ? "–" : formatDateTime(c.notAfterS * 1000)}
                </td>
                <td class="num" data-level={daysLevel(c.daysLeft)}>
                  {c.daysLeft === undefined ? "–" : c.daysLeft.toFixed(1)}
                </td>
                <td class="cell-text">{c.error || "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
