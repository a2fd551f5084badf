/** Small pieces every view uses: the store hook, state badges, short ids. */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { VNode } from 'preact';
import type { Health } from '../model/cluster.js';
import type { Store } from '../store.js';

/** Re-renders the calling component after store changes; returns the store's version. */
export function useStore(store: Store): number {
  const [version, setVersion] = useState(store.version);
  useEffect(() => store.subscribe(() => setVersion(store.version)), [store]);
  return version;
}

/** A machine id as the tables show it (fleet's 8-character prefix). */
export function shortId(id: string | undefined): string {
  return (id ?? '').slice(0, 8);
}

/** A coloured word for a unit's health. */
export function HealthBadge({ health }: { readonly health: Health }): VNode {
  return html`<span class=${`badge h-${health}`}>${health}</span>`;
}

/** A coloured dot for a unit's health (machine cards). */
export function HealthDot({ health }: { readonly health: Health }): VNode {
  return html`<span class=${`dot h-${health}`} title=${health}></span>`;
}

/** A clock time of an ISO date (HH:MM:SS, local). */
export function clockTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString([], { hour12: false });
}
