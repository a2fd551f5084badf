import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFleetMetrics } from '../../../src/metrics/index.js';

const value = async (m: ReturnType<typeof createFleetMetrics>, name: string, labels: Record<string, string> = {}) => {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = metric?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return v?.value;
};

test('recorders feed fleet\'s metric names and labels; each FleetMetrics is independent', async () => {
  const m = createFleetMetrics();
  const other = createFleetMetrics();
  m.engine.leaderStarted(1_700_000_000_500);
  m.engine.task('Schedule', true);
  m.engine.task('schedule', false);
  m.engine.reconciled(250);
  m.engine.reconciled(10, 'machine_away');
  m.registryOps.operation('get', 5, true);
  m.registryOps.operation('set', 5, false);
  await assert.rejects(m.registryOps.time('txn', async () => { throw new Error('x'); }));
  assert.equal(await m.registryOps.time('list', async () => 7), 7);
  m.agent.task('Start', true);
  m.dbus.call('StartUnit', false);

  assert.equal(await value(m, 'fleet_engine_leader_start_time'), 1_700_000_000);
  assert.equal(await value(m, 'fleet_engine_task_count_total', { type: 'schedule' }), 2);
  assert.equal(await value(m, 'fleet_engine_task_failure_count_total', { type: 'schedule' }), 1);
  assert.equal(await value(m, 'fleet_engine_reconcile_count_total'), 1);
  assert.equal(await value(m, 'fleet_engine_reconcile_failure_count_total', { type: 'machine_away' }), 1);
  assert.equal(await value(m, 'fleet_registry_operation_count_total', { type: 'get' }), 1);
  assert.equal(await value(m, 'fleet_registry_operation_count_total', { type: 'list' }), 1);
  assert.equal(await value(m, 'fleet_registry_operation_failed_count_total', { type: 'set' }), 1);
  assert.equal(await value(m, 'fleet_registry_operation_failed_count_total', { type: 'txn' }), 1);
  assert.equal(await value(m, 'fleet_agent_task_count_total', { type: 'start', result: 'success' }), 1);
  assert.equal(await value(m, 'fleet_dbus_call_count_total', { method: 'StartUnit', result: 'failure' }), 1);
  m.engine.leaderStopped();
  assert.equal(await value(m, 'fleet_engine_leader_start_time'), 0);

  assert.equal(await value(other, 'fleet_engine_reconcile_count_total'), 0);
  const { contentType, text } = await m.render();
  assert.match(contentType, /^text\/plain; version=0\.0\.4/);
  assert.match(text, /^# HELP fleet_/m);
  assert.match(text, /fleet_engine_reconcile_duration_second_sum 0\.25/);
});

test('a registry built with metrics counts its etcd requests in fleet_registry_* (they stayed 0 before)', async () => {
  const { createMemoryRegistry } = await import('../../../src/registry/index.js');
  const m = createFleetMetrics();
  const r = createMemoryRegistry({ metrics: m.registryOps });
  await r.api.listUnits();
  const counted = (await m.registry.getMetricsAsJSON()).find((x) => x.name === 'fleet_registry_operation_count_total');
  const total = (counted?.values ?? []).reduce((n, v) => n + v.value, 0);
  assert.ok(total >= 1, `operations counted: ${JSON.stringify(counted?.values)}`);
  const kinds = new Set((counted?.values ?? []).map((v) => v.labels['type']));
  assert.ok(kinds.has('get_all') || kinds.has('txn'), [...kinds].join(','));
  const duration = (await m.registry.getMetricsAsJSON()).find((x) => x.name === 'fleet_registry_operation_duration_second');
  assert.ok((duration?.values ?? []).some((v) => (v as { metricName?: string }).metricName === 'fleet_registry_operation_duration_second_count' && v.value >= 1));
});
