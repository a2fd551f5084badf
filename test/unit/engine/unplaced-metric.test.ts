import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFleetMetrics } from '../../../src/metrics/index.js';
import { metricsObserver } from '../../../src/engine/metrics-observer.js';
import type { PassReport } from '../../../src/engine/observer.js';
import { planSchedule, type Plan } from '../../../src/scheduler/index.js';
import { unplacedByFilter } from '../../../src/scheduler/explain.js';
import { NO_REQUIREMENTS } from '../../../src/units/requirements.js';

const gauge = async (m: ReturnType<typeof createFleetMetrics>) => {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === 'fleet_engine_unplaced_units');
  return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels['filter']), v.value]));
};
const pass = (plan: Plan): PassReport => ({ plan, broken: [], ops: [], planMs: 1 });

test('unplacedByFilter: each unit once, under the filter that rejected most machines', () => {
  const snapshot = {
    machines: [
      { id: 'a'.repeat(32), metadata: { region: 'eu' }, capacity: { memory: 1024 } },
      { id: 'b'.repeat(32), metadata: { region: 'us' }, capacity: { memory: 1024 } },
      { id: 'c'.repeat(32), metadata: { region: 'us' }, capacity: { memory: 1024 } },
    ],
    units: [
      { name: 'huge.service', desiredState: 'launched' as const, requirements: { ...NO_REQUIREMENTS, resources: { memory: 4096 } } },
      { name: 'huge-eu.service', desiredState: 'launched' as const, requirements: { ...NO_REQUIREMENTS, resources: { memory: 4096 }, metadata: new Map([['region', ['eu']]]) } },
      { name: 'mars.service', desiredState: 'launched' as const, requirements: { ...NO_REQUIREMENTS, metadata: new Map([['region', ['mars']]]) } },
      { name: 'fits.service', desiredState: 'launched' as const, requirements: { ...NO_REQUIREMENTS, resources: { memory: 512 } } },
    ],
    schedule: new Map(),
  };
  const plan = planSchedule(snapshot);
  // huge-eu: 2 machines by MachineMetadata, 1 by Resources -> MachineMetadata.
  assert.deepEqual(Object.fromEntries(unplacedByFilter(plan.unplaced)), { Resources: 1, MachineMetadata: 2 });
  assert.deepEqual(Object.fromEntries(unplacedByFilter(planSchedule({ ...snapshot, machines: [] }).unplaced)), { NoMachines: 4 });
});

test('fleet_engine_unplaced_units follows each pass, drops filters that no longer hold units, and clears when deposed', async () => {
  const m = createFleetMetrics();
  const observer = metricsObserver(m.engine);
  const explanation = (unit: string, filter: 'Resources' | 'Conflicts') => ({ unit, machines: 3, eligible: 0, rejections: [{ filter, kind: 'not-now' as const, machines: 3, constraints: [], example: 'x' }] });
  observer.planned!(pass({ decisions: [], warnings: [], unplaced: [explanation('a.service', 'Resources'), explanation('b.service', 'Resources'), explanation('c.service', 'Conflicts')] }));
  assert.deepEqual(await gauge(m), { Resources: 2, Conflicts: 1 });
  observer.planned!(pass({ decisions: [], warnings: [], unplaced: [explanation('a.service', 'Resources')] }));
  assert.deepEqual(await gauge(m), { Resources: 1 });
  observer.deposed!('test');
  assert.deepEqual(await gauge(m), {});
});
