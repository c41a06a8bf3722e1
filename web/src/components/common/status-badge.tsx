import type { Health } from "../../lib/host-summary";

const LABEL: Record<Health, string> = {
  healthy: "Healthy",
  warning: "Warning",
  critical: "Critical",
  stale: "Stale",
  offline: "Offline",
};

/** The health badge of a host: colour plus a word, so it does not rely on colour alone. */
export function StatusBadge({ health }: { health: Health }) {
  return (
    <span class={`badge badge-${health}`} data-testid="host-health" data-health={health}>
      {LABEL[health]}
    </span>
  );
}
