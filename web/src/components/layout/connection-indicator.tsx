import { useComputed } from "@preact/signals";
import { now } from "../../lib/clock";
import { live } from "../../lib/live";

/** Live-feed state: a dot plus words (never colour alone), and "retry now" while disconnected. */
export function ConnectionIndicator() {
  const status = live.status.value;
  const label = useComputed(() => {
    const s = live.status.value;
    if (s === "open") return "Live";
    if (s === "connecting") return "Connecting…";
    const at = live.retryAt.value;
    if (at === undefined) return "Disconnected";
    const secs = Math.max(0, Math.ceil((at - now.value) / 1000));
    return `Reconnecting in ${secs} s`;
  });
  return (
    <div class="conn" data-testid="connection-status" data-status={status} role="status">
      <span class="conn-dot" aria-hidden="true" />
      <span class="conn-label">{label}</span>
      {status === "closed" && live.retryAt.value !== undefined && (
        <button type="button" class="btn btn-small" onClick={() => live.reconnectNow()}>
          Retry now
        </button>
      )}
    </div>
  );
}
