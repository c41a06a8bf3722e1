import { batch, computed, effect, signal } from "@preact/signals";
import { listAlerts, listRules } from "./alerts-api";
import { alertLevelsOf } from "./host-summary";
import { live } from "./live";
import { DEFAULT_THRESHOLDS, thresholds, thresholdsFromRules } from "./thresholds";

/** Rules are evaluated once a minute by the hub's cron: asking more often shows nothing new. */
const POLL_MS = 60_000;
/** The most alerts one request returns; the header says "500+" beyond. */
export const FIRING_LIMIT = 500;

/** Longest the fleet list waits for the rules before it shows hosts with the defaults. */
const SETTLE_MS = 3000;

/** Each host's worst firing alert, from the hub's alerts frames: what host badges show. */
export const alertLevels = computed(() => alertLevelsOf(live.alerts.value?.alerts));

/** How many alerts of the fleet are firing, for the header; undefined until known. */
export const firingCount = signal<number | undefined>(undefined);

/**
 * False from sign-in until the fleet's rules have been read (or failed to
 * be, or SETTLE_MS passed). The fleet list waits for it, so cards do not
 * change colour and move (sorted by status) right after they appear.
 */
export const thresholdsSettled = signal(false);

/**
 * Reads the fleet's rules (they set the dashboard's thresholds) and its
 * firing alerts. A failed read keeps what is shown: the colours and the
 * count are a summary, and the alerts page reports errors itself.
 */
export async function refreshFleetAlerts(fleet: string, signal?: AbortSignal): Promise<void> {
  const [rules, firing] = await Promise.allSettled([
    listRules(fleet, signal),
    listAlerts(fleet, "firing", FIRING_LIMIT, signal),
  ]);
  if (signal?.aborted) return;
  batch(() => {
    if (rules.status === "fulfilled") thresholds.value = thresholdsFromRules(rules.value);
    // Once the hub sends the alerts live, they are the count (the list may be older).
    if (firing.status === "fulfilled" && !live.alerts.peek()) firingCount.value = firing.value.alerts.length;
    thresholdsSettled.value = true;
  });
}

/**
 * Keeps thresholds and the firing count current for a signed-in fleet: now,
 * at every live reconnection and once a minute while the page is visible.
 * Returns a stop function, which also puts the defaults back.
 */
export function watchFleetAlerts(fleet: string): () => void {
  const ctrl = new AbortController();
  const refresh = () => void refreshFleetAlerts(fleet, ctrl.signal);
  refresh();
  let opened = false;
  const stopOnOpen = effect(() => {
    if (live.status.value !== "open") return;
    // The first connection is served by the read above.
    if (opened) refresh();
    opened = true;
  });
  const stopBoard = effect(() => {
    const board = live.alerts.value;
    if (board) firingCount.value = board.alerts.filter((a) => a.state === "firing").length;
  });
  const timer = setInterval(() => {
    if (document.visibilityState === "visible") refresh();
  }, POLL_MS);
  const settle = setTimeout(() => {
    thresholdsSettled.value = true;
  }, SETTLE_MS);
  return () => {
    ctrl.abort();
    stopOnOpen();
    stopBoard();
    clearInterval(timer);
    clearTimeout(settle);
    batch(() => {
      thresholds.value = DEFAULT_THRESHOLDS;
      firingCount.value = undefined;
      thresholdsSettled.value = false;
    });
  };
}
