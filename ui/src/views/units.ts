/**
 * Every unit in one table: desired state, health, where it runs with
 * systemd's states per machine, and the hash the machine runs. Filter by
 * health, desired state or machine, search by name (substring or glob);
 * only the rows in view are rendered.
 */
import { html } from 'htm/preact';
import { useMemo } from 'preact/hooks';
import type { VNode } from 'preact';
import { VirtualList } from '../components/virtual-list.js';
import { healthOfUnit, statesOf } from '../model/cluster.js';
import { filterUnits, type UnitFilter } from '../model/filter.js';
import { href } from '../route.js';
import type { Store } from '../store.js';
import { HealthBadge, shortId, useStore } from './common.js';

const ROW_HEIGHT = 30;

export function UnitsTable({ store, filter, onFilter }: { readonly store: Store; readonly filter: UnitFilter; readonly onFilter: (f: UnitFilter) => void }): VNode {
  const version = useStore(store);
  const { data } = store;
  const names = useMemo(() => filterUnits(data, filter), [version, filter]);
  const set = (field: keyof UnitFilter) => (e: Event) => onFilter({ ...filter, [field]: (e.target as HTMLInputElement).value });
  const renderRow = (i: number) => {
    const name = names[i]!;
    const unit = data.units.get(name);
    const states = statesOf(data, name);
    const first = states[0];
    return html`<div class="trow" data-unit=${name}>
      <a class="c-name" href=${href({ view: 'unit', name })}>${name}</a>
      <span class="c-desired">${unit?.desiredState ?? ''}</span>
      <span class="c-health"><${HealthBadge} health=${healthOfUnit(data, name)} /></span>
      <span class="c-where">${first === undefined ? (unit?.machineID !== undefined ? html`<span class="mono">${shortId(unit.machineID)}</span> (no report yet)` : '—') : html`<span class="mono">${shortId(first.machineID)}</span> ${first.systemdActiveState}/${first.systemdSubState}${states.length > 1 ? html` <span class="more">+${states.length - 1} machines</span>` : null}`}</span>
      <span class="c-hash mono">${(first?.hash ?? '').slice(0, 7)}</span>
    </div>`;
  };
  return html`<main class="units">
    <div class="toolbar">
      <input id="unit-search" type="search" placeholder="search: name, or a glob like web@*.service" value=${filter.text} onInput=${set('text')} />
      <select id="unit-health" value=${filter.health} onChange=${set('health')}>
        <option value="">any health</option>
        ${['running', 'failed', 'transition', 'stopped', 'inactive'].map((h) => html`<option value=${h}>${h}</option>`)}
      </select>
      <select id="unit-desired" value=${filter.desired} onChange=${set('desired')}>
        <option value="">any desired state</option>
        ${['launched', 'loaded', 'inactive'].map((d) => html`<option value=${d}>${d}</option>`)}
      </select>
      <input id="unit-machine" type="search" placeholder="machine id prefix" value=${filter.machine} onInput=${set('machine')} />
      <span class="shown">${names.length} of ${data.units.size}</span>
    </div>
    <div class="thead"><span class="c-name">unit</span><span class="c-desired">desired</span><span class="c-health">health</span><span class="c-where">machine: active/sub</span><span class="c-hash">hash</span></div>
    <${VirtualList} class="table" count=${names.length} rowHeight=${ROW_HEIGHT} renderRow=${renderRow} />
  </main>`;
}
