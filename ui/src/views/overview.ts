/**
 * Every machine as a card: id and IP, metadata, a capacity bar per resource
 * (allocated of allocatable) and the units on it with their health. Cards
 * are laid out in rows and only the rows in view are rendered.
 */
import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import type { VNode } from 'preact';
import { VirtualList } from '../components/virtual-list.js';
import { resourceBars } from '../model/bars.js';
import { cmp, healthOfUnit, placementOf, type ApiMachine, type ClusterData } from '../model/cluster.js';
import { href } from '../route.js';
import type { Store } from '../store.js';
import { HealthDot, useStore } from './common.js';

const CARD_WIDTH = 300;
const CARD_HEIGHT = 232;
/** Units listed on a card before "+N more". */
const CARD_UNITS = 5;

export function Overview({ store }: { readonly store: Store }): VNode {
  const version = useStore(store);
  const [width, setWidth] = useState(1200);
  const { data } = store;
  const byMachine = useMemo(() => placementOf(data), [version]);
  const machines = useMemo(() => [...data.machines.values()].sort((a, b) => cmp(a.id, b.id)), [version]);
  const unplaced = data.units.size - byMachine.placed;
  const columns = Math.max(1, Math.floor(width / CARD_WIDTH));
  const rows = Math.ceil(machines.length / columns);
  const renderRow = (row: number) =>
    html`<div class="cards">${machines.slice(row * columns, row * columns + columns).map((m) => html`<${MachineCard} key=${m.id} machine=${m} units=${byMachine.on.get(m.id) ?? []} data=${data} />`)}</div>`;
  return html`<main class="overview">
    <div class="toolbar">
      <span>${machines.length} machines</span>
      ${unplaced > 0 ? html`<a href="#/units" class="warn">${unplaced} units on no machine</a>` : null}
    </div>
    ${machines.length === 0 && store.status.kind !== 'loading' ? html`<p class="empty">No machines have registered.</p>` : null}
    <${VirtualList} class="card-list" count=${rows} rowHeight=${CARD_HEIGHT} renderRow=${renderRow} overscan=${2} onWidth=${(w: number) => setWidth(w - 16)} />
  </main>`;
}

function MachineCard({ machine, units, data }: { readonly machine: ApiMachine; readonly units: readonly string[]; readonly data: ClusterData }): VNode {
  const bars = resourceBars(machine.resources);
  const metadata = Object.entries(machine.metadata ?? {}).sort(([a], [b]) => cmp(a, b));
  const shown = units.slice(0, CARD_UNITS);
  return html`<section class="card" data-machine=${machine.id}>
    <div class="card-head"><b class="mono" title=${machine.id}>${machine.id.slice(0, 12)}</b><span class="ip">${machine.primaryIP ?? ''}</span></div>
    <div class="chips">${metadata.map(([k, v]) => html`<span class="chip">${k}=${v}</span>`)}</div>
    <div class="bars">
      ${bars.map(
        (b) => html`<div class=${b.over ? 'bar over' : 'bar'} title=${`${b.name}: ${b.label} allocated`}>
          <span class="bar-name">${b.name}</span><span class="bar-track"><span class="bar-fill" style=${`width:${(b.fill * 100).toFixed(1)}%`}></span></span><span class="bar-label">${b.label}</span>
        </div>`,
      )}
    </div>
    <ul class="card-units">
      ${shown.map((name) => html`<li><${HealthDot} health=${healthOfUnit(data, name)} /><a href=${href({ view: 'unit', name })}>${name}</a></li>`)}
      ${units.length > shown.length ? html`<li class="more">+${units.length - shown.length} more</li>` : null}
      ${units.length === 0 ? html`<li class="more">no units</li>` : null}
    </ul>
  </section>`;
}
