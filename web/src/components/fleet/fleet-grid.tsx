import type { ReadonlySignal, Signal } from "@preact/signals";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { LiveHost } from "../../../../worker/src/metrics/summary";
import { useWindowVirtual } from "../../lib/virtual";
import { HostCard } from "./host-card";

/**
 * Above this many hosts the grid renders only the rows near the viewport:
 * thousands of mounted cards cost memory and, each second, an update per
 * changed host and a tick of every card's "last seen".
 */
export const WINDOWED_FROM = 500;

/**
 * Cards of the visible hosts. Re-renders only when the list or its order
 * changes; off-screen cards skip layout and paint (`content-visibility`).
 */
export function FleetGrid({ hosts }: { hosts: ReadonlySignal<Signal<LiveHost>[]> }) {
  return <HostGrid list={hosts.value} />;
}

/** Cards of `list`, windowed past `WINDOWED_FROM` hosts (a whole fleet, or one group of it). */
export function HostGrid({ list }: { list: Signal<LiveHost>[] }) {
  if (list.length > WINDOWED_FROM) return <WindowedGrid list={list} />;
  return (
    <div class="grid" data-testid="fleet-grid">
      {list.map((h) => (
        <HostCard key={h.peek().id} host={h} />
      ))}
    </div>
  );
}

/**
 * The grid for a large fleet: rows of cards near the viewport, the rest as
 * padding of the measured row pitch. Columns and pitch are read from the
 * laid-out grid, so the stylesheet stays the one source of the layout.
 */
function WindowedGrid({ list }: { list: Signal<LiveHost>[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const [pitch, setPitch] = useState({ cols: 4, rowH: 260 });
  const rows = Math.ceil(list.length / pitch.cols);
  const { start, end } = useWindowVirtual(ref, rows, pitch.rowH, 3);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const cols = getComputedStyle(el).gridTemplateColumns.split(" ").filter(Boolean).length || 1;
    const first = el.children[0] as HTMLElement | undefined;
    const below = el.children[cols] as HTMLElement | undefined;
    const rowH = first && below ? below.offsetTop - first.offsetTop : pitch.rowH;
    if (cols !== pitch.cols || Math.abs(rowH - pitch.rowH) > 1) setPitch({ cols, rowH });
  });
  const from = start * pitch.cols;
  const to = Math.min(list.length, end * pitch.cols);
  return (
    <div
      ref={ref}
      class="grid"
      data-testid="fleet-grid"
      data-windowed=""
      style={{
        paddingTop: `${start * pitch.rowH}px`,
        paddingBottom: `${Math.max(0, rows - end) * pitch.rowH}px`,
      }}
    >
      {list.slice(from, to).map((h) => (
        <HostCard key={h.peek().id} host={h} />
      ))}
    </div>
  );
}
