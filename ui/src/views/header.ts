/** The bar above every view: navigation, the cluster's counts, the live status and who is signed in. */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { WhoAmI } from '../api.js';
import { healthOfUnit } from '../model/cluster.js';
import type { Route } from '../route.js';
import type { Store } from '../store.js';

export function Header({ store, route, who, onSignOut }: { readonly store: Store; readonly route: Route; readonly who: WhoAmI; readonly onSignOut: (() => void) | undefined }): VNode {
  const { data, status } = store;
  let failed = 0;
  for (const name of data.states.keys()) if (healthOfUnit(data, name) === 'failed') failed++;
  const tab = (view: string, label: string, target: string) => html`<a href=${target} class=${route.view === view ? 'tab on' : 'tab'}>${label}</a>`;
  const live =
    status.kind === 'live'
      ? html`<span class="live ok" title=${status.via === 'stream' ? 'following the event stream' : 'this fleetd has no event stream: re-listing every few seconds'}>● ${status.via === 'stream' ? 'live' : 'polling'}</span>`
      : status.kind === 'loading'
        ? html`<span class="live">● loading</span>`
        : html`<span class="live bad" title=${status.reason}>● reconnecting: ${status.reason}</span>`;
  return html`<header>
    <a class="brand" href="#/">fleet</a>
    <nav>${tab('overview', 'Overview', '#/')}${tab('units', 'Units', '#/units')}${tab('events', 'Events', '#/events')}</nav>
    <span class="counts"><b id="machine-count">${data.machines.size}</b> machines · <b id="unit-count">${data.units.size}</b> units${failed > 0 ? html` · <b class="bad">${failed}</b> failed` : null}</span>
    ${live}
    <span class="who" id="who" data-role=${who.role}>${who.kind === 'token' ? `${who.name ?? 'token'} (${who.role})` : `${who.kind} (${who.role})`}</span>
    ${onSignOut !== undefined ? html`<button class="link" onClick=${onSignOut}>sign out</button>` : null}
  </header>`;
}
