/**
 * One unit: its states, where it runs, why it is not placed (the engine's
 * explanation), its file, a journal tail, its recent events, and, for an
 * operator, start / stop / restart / destroy with their progress.
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { VNode } from 'preact';
import { runAction, type UnitAction } from '../actions.js';
import { ApiError, explainUnit, journalTail, type UnitExplanation } from '../api.js';
import { fetchUnit } from '../live.js';
import { healthOfState, healthOfUnit, statesOf } from '../model/cluster.js';
import { unitFileText } from '../model/unit-file.js';
import type { Store } from '../store.js';
import { HealthBadge, clockTime, shortId, useStore } from './common.js';
import { EventLine } from './events.js';

const JOURNAL_LINES = 40;

export function UnitPage({ store, name, canOperate, here }: { readonly store: Store; readonly name: string; readonly canOperate: boolean; readonly here: string }): VNode {
  useStore(store);
  const { data } = store;
  const unit = data.units.get(name);
  const states = statesOf(data, name);
  const events = store.events.filter((e) => e.unit === name).slice(-30).reverse();
  const actions = store.actions.filter((a) => a.unit === name);
  // Re-ask the engine and the journal when something about the unit changed.
  const stamp = `${unit?.desiredState}|${unit?.machineID}|${states.map((s) => `${s.machineID}:${s.systemdActiveState}:${s.hash}`).join(',')}`;
  // Listings carry no options: the unit file comes with the unit read whole (again after a re-listing dropped it).
  const listed = unit !== undefined && unit.options === undefined;
  useEffect(() => {
    if (listed) void fetchUnit(store, name);
  }, [name, listed]);
  if (unit === undefined) {
    return html`<main class="unit"><h1 class="mono">${name}</h1><p class="empty">${store.status.kind === 'loading' ? 'Loading…' : 'No such unit (destroyed, or not submitted yet).'}</p>${actions.map((a) => html`<${ActionLog} run=${a} />`)}</main>`;
  }
  return html`<main class="unit" data-unit=${name}>
    <div class="unit-head">
      <h1 class="mono">${name}</h1>
      <${HealthBadge} health=${healthOfUnit(data, name)} />
      <span>desired <b id="desired-state">${unit.desiredState}</b></span>
      <span>current <b id="current-state">${unit.currentState}</b></span>
      ${canOperate ? html`<${Actions} store=${store} name=${name} />` : null}
    </div>
    ${actions.slice(0, 3).map((a) => html`<${ActionLog} run=${a} />`)}
    <div class="panes">
      <section class="pane">
        <h2>Where it runs</h2>
        ${states.length === 0
          ? html`<p class="empty">${unit.machineID !== undefined ? `scheduled to ${unit.machineID}, no report yet` : 'on no machine'}</p>`
          : html`<table class="states"><thead><tr><th>machine</th><th>IP</th><th>load</th><th>active</th><th>sub</th><th>hash</th></tr></thead><tbody>
            ${states.map((s) => html`<tr class=${`h-${healthOfState(s)}`}><td class="mono" title=${s.machineID}>${shortId(s.machineID)}</td><td>${data.machines.get(s.machineID ?? '')?.primaryIP ?? ''}</td><td>${s.systemdLoadState}</td><td class="active-state">${s.systemdActiveState}</td><td>${s.systemdSubState}</td><td class="mono" title=${s.hash}>${(s.hash ?? '').slice(0, 7)}</td></tr>`)}
          </tbody></table>`}
        <h2>Placement</h2>
        <${Explain} name=${name} stamp=${stamp} />
      </section>
      <section class="pane">
        <h2>Unit file</h2>
        <pre class="unit-file">${unitFileText(unit)}</pre>
      </section>
    </div>
    <section class="pane">
      <h2>Journal</h2>
      <${Journal} name=${name} where=${journalMachine(unit.machineID, states.map((s) => s.machineID ?? ''), here)} stamp=${stamp} />
    </section>
    <section class="pane">
      <h2>Recent events</h2>
      ${events.length === 0 ? html`<p class="empty">None since the dashboard opened.</p>` : events.map((e) => html`<${EventLine} event=${e} />`)}
    </section>
  </main>`;
}

function Actions({ store, name }: { readonly store: Store; readonly name: string }): VNode {
  const [confirming, setConfirming] = useState(false);
  const busy = store.actions.some((a) => a.unit === name && a.state === 'running');
  const act = (a: UnitAction) => () => {
    setConfirming(false);
    void runAction(store, name, a);
  };
  if (confirming) {
    return html`<span class="actions confirm">Destroy ${name}? It is stopped and removed from the cluster.
      <button id="confirm-destroy" class="danger" onClick=${act('destroy')}>Destroy</button>
      <button onClick=${() => setConfirming(false)}>Cancel</button></span>`;
  }
  return html`<span class="actions">
    <button id="action-start" disabled=${busy} onClick=${act('start')}>Start</button>
    <button id="action-stop" disabled=${busy} onClick=${act('stop')}>Stop</button>
    <button id="action-restart" disabled=${busy} onClick=${act('restart')}>Restart</button>
    <button id="action-destroy" class="danger" disabled=${busy} onClick=${() => setConfirming(true)}>Destroy…</button>
  </span>`;
}

function ActionLog({ run }: { readonly run: Store['actions'][number] }): VNode {
  return html`<div class=${`action-log ${run.state}`} data-action=${run.action} data-state=${run.state}>
    <b>${run.action}</b> <span class="state">${run.state}</span>
    <ol>${run.lines.map((l) => html`<li class=${l.kind}><span class="e-time">${clockTime(new Date(l.at).toISOString())}</span> ${l.text}</li>`)}</ol>
  </div>`;
}

function Explain({ name, stamp }: { readonly name: string; readonly stamp: string }): VNode {
  const [answer, setAnswer] = useState<UnitExplanation | string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    explainUnit(name).then(
      (a) => live && setAnswer(a),
      (e: Error) => live && setAnswer(e.message),
    );
    return () => {
      live = false;
    };
  }, [name, stamp]);
  if (answer === undefined) return html`<p class="empty">asking the engine…</p>`;
  if (typeof answer === 'string') return html`<p class="error">${answer}</p>`;
  return html`<p class=${`explain s-${answer.status}`} id="explain"><b>${answer.status}</b>: ${answer.message}</p>`;
}

/**
 * Where the journal can be read from this fleetd: `here` when the unit is
 * scheduled here (or, global, reported here); otherwise the machine it runs
 * on (only that machine's fleetd reads it), or undefined when it runs nowhere.
 */
function journalMachine(scheduledTo: string | undefined, reportedBy: readonly string[], here: string): { readonly here: boolean; readonly machine: string | undefined } {
  if (scheduledTo === here || (scheduledTo === undefined && reportedBy.includes(here))) return { here: true, machine: here };
  return { here: false, machine: scheduledTo ?? reportedBy[0] };
}

function Journal({ name, where, stamp }: { readonly name: string; readonly where: ReturnType<typeof journalMachine>; readonly stamp: string }): VNode {
  const [text, setText] = useState<{ ok: boolean; body: string } | undefined>(undefined);
  const [asked, setAsked] = useState(0);
  useEffect(() => {
    if (!where.here) return undefined;
    let live = true;
    journalTail(name, JOURNAL_LINES, where.machine).then(
      (body) => live && setText({ ok: true, body }),
      (e: Error) => live && setText({ ok: false, body: journalError(e) }),
    );
    return () => {
      live = false;
    };
  }, [name, where.here, where.machine, stamp, asked]);
  if (!where.here) {
    return html`<p class="empty" id="journal-elsewhere">${
      where.machine === undefined
        ? 'The unit runs on no machine.'
        : `The unit runs on machine ${where.machine}; only that machine's fleetd reads its journal: open the dashboard there, or run fleetctl journal ${name}.`
    }</p>`;
  }
  return html`<div>
    <button class="link" onClick=${() => setAsked(asked + 1)}>refresh</button>
    ${text === undefined ? html`<p class="empty">reading…</p>` : text.ok ? html`<pre class="journal">${text.body || '(no entries)'}</pre>` : html`<p class="empty">${text.body}</p>`}
  </div>`;
}

function journalError(e: Error): string {
  // Moved since the page last heard: the answer names the machine.
  if (e instanceof ApiError && e.status === 409) return `${e.message}: open the dashboard of that machine's fleetd, or run fleetctl journal.`;
  return e.message;
}
