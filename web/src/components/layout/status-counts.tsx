import { healthCounts, statusFilter } from "../../lib/fleet-view";
import { formatCount } from "../../lib/format";
import { HEALTH_ORDER, type Health } from "../../lib/host-summary";
import { navigate } from "../../lib/router";
import { FiringCount } from "./firing-count";

const LABEL: Record<Health, string> = {
  critical: "critical",
  warning: "warning",
  stale: "stale",
  offline: "offline",
  healthy: "healthy",
};

/**
 * Hosts per health state (each count filters the fleet view to that state;
 * again: shows all), then the fleet's firing alerts.
 */
export function StatusCounts() {
  const counts = healthCounts.value;
  const active = statusFilter.value;
  return (
    <ul class="counts fade-x" data-testid="status-counts" aria-label="Hosts by status and firing alerts">
      {HEALTH_ORDER.map((h) => (
        <li key={h}>
          <button
            type="button"
            class={`count count-${h}`}
            data-status={h}
            data-count={counts[h]}
            aria-pressed={active === h}
            disabled={counts[h] === 0 && active !== h}
            onClick={() => {
              statusFilter.value = active === h ? "all" : h;
              navigate("/");
            }}
          >
            <span class="num">{formatCount(counts[h])}</span> {LABEL[h]}
          </button>
        </li>
      ))}
      <li class="counts-firing">
        <FiringCount />
      </li>
    </ul>
  );
}
