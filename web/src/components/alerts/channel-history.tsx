import { listNotifications, type NotificationView } from "../../lib/alerts-api";
import { formatDateTime } from "../../lib/format";
import { useResource } from "../../lib/use-resource";
import { ListTable } from "../common/data-table";
import { ErrorNotice } from "../common/notice";

const COLUMNS = ["Queued", "About", "Delivery", "Attempts", "Last answer"] as const;

function about(n: NotificationView): string {
  const s = n.summary;
  if (n.event === "test") return "test notification";
  if (!s) return n.event;
  const more = s.alerts > 1 ? ` and ${s.alerts - 1} more` : "";
  return `${n.event}: ${s.rule} on ${s.host}${more}`;
}

function delivery(n: NotificationView): string {
  if (n.status === "delivered") return `delivered ${formatDateTime(n.deliveredAt ?? n.createdAt)}`;
  if (n.status === "failed") return "failed";
  return n.nextAttemptAt ? `pending, next try ${formatDateTime(n.nextAttemptAt)}` : "pending";
}

/**
 * The last notifications queued for one channel and how each delivery went:
 * the hub's record of every attempt, so a failing endpoint shows here, not
 * only in logs.
 */
export function ChannelHistory({ fleet, channelId }: { fleet: string; channelId: string }) {
  const history = useResource(
    (signal) => listNotifications(fleet, channelId, 20, signal),
    [fleet, channelId],
  );
  const list = history.data ?? [];
  return (
    <div class="channel-history" data-testid="channel-history">
      <ErrorNotice message={history.error} />
      {history.data && list.length === 0 && <p class="muted small">Nothing sent to this channel yet.</p>}
      {list.length > 0 && (
        <ListTable testId="channel-history-table" columns={COLUMNS}>
          {list.map((n) => (
            <tr key={n.id} data-testid="delivery-row" data-status={n.status} data-event={n.event}>
              <td>{formatDateTime(n.createdAt)}</td>
              <th scope="row" class="cell-text" title={about(n)}>
                {about(n)}
              </th>
              <td>
                <span
                  class={`state state-${n.status === "delivered" ? "resolved" : n.status === "failed" ? "firing" : "pending"}`}
                >
                  {delivery(n)}
                </span>
              </td>
              <td class="num">{n.attempts}</td>
              <td class="cell-text" title={n.lastError ?? ""}>
                {n.lastError ?? (n.lastStatus ? `HTTP ${n.lastStatus}` : "–")}
              </td>
            </tr>
          ))}
        </ListTable>
      )}
    </div>
  );
}
