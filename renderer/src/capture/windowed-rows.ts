// Fixed-height row windowing for a scrolling box: only the rows in view (plus a margin) are
// rendered, so a list of 20,000 packets costs what one screenful does. The box's height is watched
// with a ResizeObserver; the scroll offset is read on scroll.
import { useCallback, useLayoutEffect, useState, type RefObject } from 'react';

export interface RowWindow {
  /** Rows [first, last) are to be rendered. */
  first: number;
  last: number;
  /** Height of all rows: the inner box's height. */
  totalHeight: number;
  /** Rows the box shows at once. */
  visibleRows: number;
  onScroll: () => void;
}

export function rowWindow(count: number, rowHeight: number, scrollTop: number, height: number, overscan: number): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  return { first, last: Math.max(first, last) };
}

export function useWindowedRows(box: RefObject<HTMLElement | null>, count: number, rowHeight: number, overscan = 10): RowWindow {
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(0);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, [box]);
  const onScroll = useCallback(() => { if (box.current) setScrollTop(box.current.scrollTop); }, [box]);
  // A list that shrank (cleared, filtered) leaves the offset past its end: the browser clamps the
  // box's scrollTop, the window follows.
  const top = Math.min(scrollTop, Math.max(0, count * rowHeight - height));
  const { first, last } = rowWindow(count, rowHeight, top, height, overscan);
  return { first, last, totalHeight: count * rowHeight, visibleRows: Math.max(1, Math.floor(height / rowHeight)), onScroll };
}
