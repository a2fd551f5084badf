/**
 * The dashboard's pure model: the cluster picture, where units are, health
 * at a glance, the units table's filter, capacity bars, the unit file text,
 * and events applied to the picture (idempotently).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterFrom, healthOfState, healthOfUnit, placementOf, statesOf } from '../../../ui/src/model/cluster.js';
import { filterUnits, NO_FILTER } from '../../../ui/src/model/filter.js';
import { resourceBars } from '../../../ui/src/model/bars.js';
import { unitFileText } from '../../../ui/src/model/unit-file.js';
import { applyEvents, type ClusterEvent } from '../../../ui/src/model/events.js';
import type { ApiUnit } from '../../../src/api/schema.js';

const GLOBAL: ApiUnit = { name: 'agent.service', desiredState: 'launched', currentState: 'launched', options: [{ section: 'X-Fleet', name: 'Global', value: 'true' }] };

function sample() {
  return clusterFrom(
    [{ id: 'm1aaaaaa', primaryIP: '10.0.0.1' }, { id: 'm2bbbbbb' }],
    [
      { name: 'web@1.service', desiredState: 'launched', currentState: 'launched', machineID: 'm1aaaaaa', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1d' }] },
      { name: 'web@2.service', desiredState: 'launched', currentState: 'loaded', machineID: 'm2bbbbbb' },
      { name: 'db.service', desiredState: 'loaded', currentState: 'inactive' },
      GLOBAL,
    ],
    [
      { name: 'web@1.service', machineID: 'm1aaaaaa', hash: 'a'.repeat(40), systemdLoadState: 'loaded', systemdActiveState: 'active', systemdSubState: 'running' },
      { name: 'web@2.service', machineID: 'm2bbbbbb', hash: 'b'.repeat(40), systemdLoadState: 'loaded', systemdActiveState: 'failed', systemdSubState: 'failed' },
      { name: 'agent.service', machineID: 'm2bbbbbb', systemdActiveState: 'active', systemdSubState: 'running' },
      { name: 'agent.service', machineID: 'm1aaaaaa', systemdActiveState: 'activating', systemdSubState: 'start' },
    ],
  );
}

test('placement: units under each machine they are scheduled to or reported by; unplaced ones counted out', () => {
  const p = placementOf(sample());
  assert.deepEqual(Object.fromEntries(p.on), { m1aaaaaa: ['agent.service', 'web@1.service'], m2bbbbbb: ['agent.service', 'web@2.service'] });
  assert.equal(p.placed, 3, 'db.service is on no machine');
});

test('health: failed beats transition beats running beats stopped; no report is inactive', () => {
  const d = sample();
  assert.equal(healthOfUnit(d, 'web@1.service'), 'running');
  assert.equal(healthOfUnit(d, 'web@2.service'), 'failed');
  assert.equal(healthOfUnit(d, 'agent.service'), 'transition');
  assert.equal(healthOfUnit(d, 'db.service'), 'inactive');
  assert.equal(healthOfState({ name: 'x', systemdActiveState: 'inactive' }), 'stopped');
  assert.deepEqual(statesOf(d, 'agent.service').map((s) => s.machineID), ['m1aaaaaa', 'm2bbbbbb'], 'sorted by machine id');
});

test('filter: substring or glob search, health, desired state, machine prefix; sorted; a bad glob matches nothing', () => {
  const d = sample();
  assert.deepEqual(filterUnits(d, NO_FILTER), ['agent.service', 'db.service', 'web@1.service', 'web@2.service']);
  assert.deepEqual(filterUnits(d, { ...NO_FILTER, text: 'WEB' }), ['web@1.service', 'web@2.service']);
  assert.deepEqual(filterUnits(d, { ...NO_FILTER, text: 'web@[2-9].service' }), ['web@2.service']);
  assert.deepEqual(filterUnits(d, { ...NO_FILTER, text: '*.service', health: 'failed' }), ['web@2.service']);
  assert.deepEqual(filterUnits(d, { ...NO_FILTER, desired: 'loaded' }), ['db.service']);
  assert.deepEqual(filterUnits(d, { ...NO_FILTER, machine: 'm1' }), ['agent.service', 'web@1.service']);
  assert.deepEqual(filterUnits(d, { ...NO_FILTER, text: 'web@[' }), []);
});

test('bars: cpu and memory first, allocated of allocatable, over-commitment flagged and drawn full', () => {
  const bars = resourceBars({
    capacity: { cpu: 4, memory: 8 * 1024 ** 3, gpu: 1 },
    reserved: { cpu: 0, memory: 1024 ** 3 },
    allocatable: { cpu: 4, memory: 7 * 1024 ** 3, gpu: 1 },
    allocated: { cpu: 1.5, memory: 8 * 1024 ** 3, gpu: 0 },
  });
  assert.deepEqual(
    bars.map((b) => [b.name, b.fill, b.over, b.label]),
    [
      ['cpu', 0.375, false, '1.5 / 4'],
      ['memory', 1, true, '8.0G / 7.0G'],
      ['gpu', 0, false, '0 / 1'],
    ],
  );
  assert.deepEqual(resourceBars(undefined), []);
});

test('unit file: the canonical text of the options', () => {
  assert.equal(unitFileText(sample().units.get('web@1.service')!), '[Service]\nExecStart=/bin/sleep 1d\n');
  assert.equal(unitFileText({ name: 'x.service' }), '');
});

test('events: each kind changes the picture as the stream means it, twice is the same as once, and says what to fetch', () => {
  const ev = (e: Record<string, unknown>): ClusterEvent => ({ revision: 10, time: '2026-01-01T00:00:00Z', ...e }) as ClusterEvent;
  const events = [
    ev({ type: 'unit.submitted', unit: 'new.service', hash: 'c'.repeat(40) }),
    ev({ type: 'unit.desired', unit: 'new.service', desiredState: 'launched' }),
    ev({ type: 'unit.scheduled', unit: 'new.service', machine: 'm2bbbbbb', hash: 'c'.repeat(40) }),
    ev({ type: 'unit.state', unit: 'new.service', machine: 'm2bbbbbb', hash: 'c'.repeat(40), loadState: 'loaded', activeState: 'active', subState: 'running' }),
    ev({ type: 'unit.unscheduled', unit: 'web@1.service', machine: 'm1aaaaaa' }),
    ev({ type: 'unit.destroyed', unit: 'db.service' }),
    ev({ type: 'unit.scheduled', unit: 'agent.service', machine: 'm3cccccc' }),
    ev({ type: 'machine.joined', machine: 'm3cccccc', publicIP: '10.0.0.3', metadata: { region: 'eu' } }),
    ev({ type: 'machine.metadata', machine: 'm3cccccc', changed: { region: null, disk: 'ssd' } }),
    ev({ type: 'machine.left', machine: 'm2bbbbbb' }),
  ];
  const once = sample();
  const need = applyEvents(once, events);
  assert.deepEqual([...need.units], ['new.service'], 'a new unit body is fetched');
  assert.equal(need.machines, true, 'scheduling changes allocations: machines are re-listed');
  const u = once.units.get('new.service')!;
  assert.deepEqual([u.desiredState, u.machineID, u.currentState], ['launched', 'm2bbbbbb', 'launched']);
  assert.equal(once.units.get('web@1.service')!.machineID, undefined);
  assert.equal(once.units.get('web@1.service')!.currentState, 'inactive');
  assert.equal(once.states.has('web@1.service'), false);
  assert.equal(once.units.has('db.service'), false);
  assert.equal(once.units.get('agent.service')!.machineID, undefined, 'a global unit never gets a machineID');
  assert.deepEqual(once.machines.get('m3cccccc'), { id: 'm3cccccc', primaryIP: '10.0.0.3', metadata: { disk: 'ssd' } });
  assert.equal(once.machines.has('m2bbbbbb'), false);
  assert.equal(once.states.get('new.service'), undefined, "a machine that left takes its reports along");
  const twice = sample();
  applyEvents(twice, events);
  applyEvents(twice, events);
  assert.deepEqual(twice, once);
});

test('events: a unit listed without options is global when the listing said so, else not', () => {
  const data = sample();
  data.units.set('g.service', { name: 'g.service', desiredState: 'launched', currentState: 'inactive', global: true });
  data.units.set('o.service', { name: 'o.service', desiredState: 'launched', currentState: 'inactive' });
  const scheduled = (unit: string): ClusterEvent => ({ revision: 11, time: '2026-01-01T00:00:00Z', type: 'unit.scheduled', unit, machine: 'm1aaaaaa' }) as ClusterEvent;
  applyEvents(data, [scheduled('g.service'), scheduled('o.service')]);
  assert.equal(data.units.get('g.service')!.machineID, undefined);
  assert.equal(data.units.get('o.service')!.machineID, 'm1aaaaaa');
});
