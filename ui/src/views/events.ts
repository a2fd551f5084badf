/** The events pane: the stream's recent events, newest first, filtered by a text. */
import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import type { VNode } from 'preact';
import { VirtualList } from '../components/virtual-list.js';
import { eventDetail } from '../../../fleetctl/output/event-line.js';
import { eventSeverity, type ClusterEvent } from '../model/events.js';
import { href } from '../route.js';
import type { Store } from '../store.js';
import { clockTime, useStore } from './common.js';

const ROW_HEIGHT = 26;

/** One event as a line: time, type, what happened (the unit links to its page). */
export function EventLine({ event }: { readonly event: ClusterEvent }): VNode {
  return html`<div class=${`event sev-${eventSeverity(event)}`} data-type=${event.type}>
    <span class="e-time" title=${`revision ${event.revision}`}>${clockTime(event.time)}</span>
    <span class="e-type">${event.type}</span>
    <span class="e-text">${event.unit !== undefined ? html`<a href=${href({ view: 'unit', name: event.unit })}>${eventDetail(event)}</a>` : eventDetail(event)}</span>
  </div>`;
}

export function EventsPane({ store }: { readonly store: Store }): VNode {
  const version = useStore(store);
  const [text, setText] = useState('');
  const shown = useMemo(() => {
    const t = text.trim().toLowerCase();
    const list = t === '' ? store.events : store.events.filter((e) => e.type.includes(t) || (e.unit ?? '').toLowerCase().includes(t) || (e.machine ?? '').startsWith(t));
    return [...list].reverse();
  }, [version, text]);
  return html`<main class="events">
    <div class="toolbar">
      <input id="event-search" type="search" placeholder="filter: type, unit or machine" value=${text} onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} />
      <span class="shown">${shown.length} events${store.status.kind === 'live' && store.status.via === 'polling' ? ' (this fleetd has no event stream)' : ''}</span>
    </div>
    <${VirtualList} class="table" count=${shown.length} rowHeight=${ROW_HEIGHT} renderRow=${(i: number) => html`<${EventLine} event=${shown[i]!} />`} />
  </main>`;
}
