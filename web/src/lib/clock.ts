import { signal } from "@preact/signals";

/**
 * Wall clock in ms, ticking once a second. Components that show "3 s ago"
 * bind a computed of this straight into a text node, so a tick updates those
 * text nodes only and never re-renders the grid.
 */
export const now = signal(Date.now());

let started = false;

/** Starts the tick (idempotent), aligned to whole seconds so all labels change together. */
export function startClock(): void {
  if (started) return;
  started = true;
  const tick = () => {
    now.value = Date.now();
    setTimeout(tick, 1000 - (Date.now() % 1000));
  };
  tick();
}
