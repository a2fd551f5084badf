/**
 * A list that renders only the rows in view (plus a few either side), so
 * 10,000 units or 1,000 machine cards cost what one screenful costs. Rows
 * have one fixed height; the list fills its container and scrolls inside it.
 */
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { VNode } from 'preact';

export interface VirtualListProps {
  readonly count: number;
  /** Height of every row in px. */
  readonly rowHeight: number;
  readonly renderRow: (index: number) => VNode;
  /** Rows rendered beyond each edge of the view. */
  readonly overscan?: number;
  readonly class?: string;
  /** Called with the container's width when it changes (a grid derives its columns from it). */
  readonly onWidth?: (width: number) => void;
}

export function VirtualList(props: VirtualListProps): VNode {
  const ref = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800 });
  useEffect(() => {
    const el = ref.current;
    if (el === null) return undefined;
    const measure = () => {
      setView({ top: el.scrollTop, height: el.clientHeight || 800 });
      props.onWidth?.(el.clientWidth);
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const overscan = props.overscan ?? 6;
  const first = Math.max(0, Math.floor(view.top / props.rowHeight) - overscan);
  const last = Math.min(props.count, Math.ceil((view.top + view.height) / props.rowHeight) + overscan);
  const rows: VNode[] = [];
  for (let i = first; i < last; i++) {
    rows.push(html`<div class="vrow" key=${i} style=${`top:${i * props.rowHeight}px;height:${props.rowHeight}px`}>${props.renderRow(i)}</div>`);
  }
  return html`<div class=${`vlist ${props.class ?? ''}`} ref=${ref} onScroll=${(e: Event) => setView({ top: (e.currentTarget as HTMLElement).scrollTop, height: (e.currentTarget as HTMLElement).clientHeight })}>
    <div class="vspace" style=${`height:${props.count * props.rowHeight}px`}>${rows}</div>
  </div>`;
}
