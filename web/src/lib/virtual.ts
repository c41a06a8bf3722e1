import type { RefObject } from "preact";
import { useLayoutEffect, useState } from "preact/hooks";

/** Index range [start, end) of rows to render. */
export interface RowWindow {
  start: number;
  end: number;
}

/**
 * Rows of fixed height `rowHeight` inside the element `ref` that intersect
 * the viewport (plus `overscan` rows each side). Uses the window's scroll, so
 * the page scrolls naturally and the header stays where it is.
 */
export function visibleRange(
  top: number,
  viewport: number,
  count: number,
  rowHeight: number,
  overscan: number,
): RowWindow {
  const start = Math.max(0, Math.floor(-top / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((viewport - top) / rowHeight) + overscan);
  return { start: Math.min(start, end), end };
}

/** Hook form of `visibleRange`, recomputed on scroll and resize at most once per animation frame. */
export function useWindowVirtual(
  ref: RefObject<HTMLElement | null>,
  count: number,
  rowHeight: number,
  overscan = 10,
): RowWindow {
  const [win, setWin] = useState<RowWindow>({ start: 0, end: Math.min(count, 60) });
  useLayoutEffect(() => {
    let frame = 0;
    const measure = () => {
      frame = 0;
      const el = ref.current;
      if (!el) return;
      const next = visibleRange(
        el.getBoundingClientRect().top,
        window.innerHeight,
        count,
        rowHeight,
        overscan,
      );
      setWin((prev) => (prev.start === next.start && prev.end === next.end ? prev : next));
    };
    const onChange = () => {
      if (!frame) frame = requestAnimationFrame(measure);
    };
    measure();
    window.addEventListener("scroll", onChange, { passive: true });
    window.addEventListener("resize", onChange);
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener("scroll", onChange);
      window.removeEventListener("resize", onChange);
    };
  }, [ref, count, rowHeight, overscan]);
  return win;
}
