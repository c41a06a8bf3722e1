import { type ReadonlySignal, useComputed } from "@preact/signals";
import { now } from "../../lib/clock";
import { formatAgo, formatDateTime } from "../../lib/format";
import { live } from "../../lib/live";

/**
 * "3 s ago", ticking every second. The text is a computed signal bound
 * straight into the text node: the clock tick updates that node only, with
 * no component render at all.
 */
export function LastSeen({ host }: { host: ReadonlySignal<{ lastSeen: number } | null | undefined> }) {
  const text = useComputed(() => formatAgo(host.value?.lastSeen ?? 0, now.value + live.clockSkewMs.value));
  const lastSeen = host.value?.lastSeen ?? 0;
  return (
    <time
      data-metric="last-seen"
      dateTime={lastSeen ? new Date(lastSeen).toISOString() : undefined}
      title={formatDateTime(lastSeen)}
    >
      {text}
    </time>
  );
}
