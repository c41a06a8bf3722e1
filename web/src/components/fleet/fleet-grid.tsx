import type { ReadonlySignal, Signal } from "@preact/signals";
import type { LiveHost } from "../../../../worker/src/metrics/summary";
import { HostCard } from "./host-card";

/**
 * Cards of the visible hosts. Re-renders only when the list or its order
 * changes; off-screen cards skip layout and paint (`content-visibility`).
 */
export function FleetGrid({ hosts }: { hosts: ReadonlySignal<Signal<LiveHost>[]> }) {
  return (
    <div class="grid" data-testid="fleet-grid">
      {hosts.value.map((h) => (
        <HostCard key={h.peek().id} host={h} />
      ))}
    </div>
  );
}
