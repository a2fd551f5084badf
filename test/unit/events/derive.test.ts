import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveBatch, deriveEvents } from '../../../src/events/derive.js';
import type { RegistryChange, RegistryEvent, UnitStateRecord } from '../../../src/registry/index.js';

const T = Date.parse('2026-01-01T00:00:00Z');
const ch = (event: RegistryEvent, before?: RegistryEvent): RegistryChange => ({ event, before });
const unit = (name: string, hash: string | undefined, revision = 5n): RegistryEvent => ({ revision, kind: 'unit', name, unit: hash === undefined ? undefined : { name, options: [], hash } });
const st = (activeState: UnitStateRecord['activeState'], subState: string, extra: Partial<UnitStateRecord> = {}): RegistryEvent => ({
  revision: 5n,
  kind: 'state',
  name: 'a.service',
  machineId: 'm1',
  state: { name: 'a.service', machineId: 'm1', loadState: 'loaded', activeState, subState, hash: 'h', timestamp: T + 1000, ...extra },
});
const machine = (metadata: Record<string, string> | undefined): RegistryEvent => ({
  revision: 5n,
  kind: 'machine',
  machineId: 'm1',
  machine: metadata === undefined ? undefined : { id: 'm1', publicIP: '10.0.0.1', metadata, version: '1', capabilities: {} },
});
const brief = (changes: RegistryChange[]) => deriveEvents(changes, T).map(({ revision: _r, time: _t, ...rest }) => rest);

const cases: Array<[string, RegistryChange[], unknown[]]> = [
  ['a new unit key is submitted', [ch(unit('a.service', 'h1'))], [{ type: 'unit.submitted', unit: 'a.service', hash: 'h1' }]],
  ['another hash is replaced', [ch(unit('a.service', 'h2'), unit('a.service', 'h1'))], [{ type: 'unit.replaced', unit: 'a.service', hash: 'h2', previousHash: 'h1' }]],
  ['the same hash rewritten (record upgrade) says nothing', [ch(unit('a.service', 'h1'), unit('a.service', 'h1'))], []],
  ['a deleted unit is destroyed', [ch(unit('a.service', undefined), unit('a.service', 'h1'))], [{ type: 'unit.destroyed', unit: 'a.service' }]],
  [
    'desired state changes carry the previous one; deletes and no-ops say nothing',
    [
      ch({ revision: 5n, kind: 'desired', name: 'a.service', desired: 'launched' }, { revision: 4n, kind: 'desired', name: 'a.service', desired: 'loaded' }),
      ch({ revision: 5n, kind: 'desired', name: 'b.service', desired: 'loaded' }, { revision: 4n, kind: 'desired', name: 'b.service', desired: 'loaded' }),
      ch({ revision: 5n, kind: 'desired', name: 'c.service', desired: undefined }, { revision: 4n, kind: 'desired', name: 'c.service', desired: 'loaded' }),
    ],
    [{ type: 'unit.desired', unit: 'a.service', desiredState: 'launched', previous: 'loaded' }],
  ],
  [
    'schedule changes take the engine\'s reasons from the same revision; a refreshed entry says nothing',
    [
      ch({ revision: 5n, kind: 'schedule', machineId: 'm1', name: 'a.service', entry: undefined }, { revision: 4n, kind: 'schedule', machineId: 'm1', name: 'a.service', entry: { machineId: 'm1', name: 'a.service', hash: 'h', targetState: 'launched' } }),
      ch({ revision: 5n, kind: 'schedule', machineId: 'm2', name: 'a.service', entry: { machineId: 'm2', name: 'a.service', hash: 'h', targetState: 'launched' } }),
      ch({ revision: 5n, kind: 'schedule', machineId: 'm2', name: 'b.service', entry: { machineId: 'm2', name: 'b.service', hash: 'h2', targetState: 'loaded' } }, { revision: 4n, kind: 'schedule', machineId: 'm2', name: 'b.service', entry: { machineId: 'm2', name: 'b.service', hash: 'h', targetState: 'launched' } }),
      ch({
        revision: 5n,
        kind: 'decisions',
        decisions: {
          decisions: [
            { kind: 'unschedule', unit: 'a.service', machine: 'm1', reason: 'machine m1 can no longer run it: MachineMetadata: region=eu' },
            { kind: 'schedule', unit: 'a.service', machine: 'm2', reason: 'rescheduled: machine m1 can no longer run it' },
          ],
        },
      }),
    ],
    [
      { type: 'unit.unscheduled', unit: 'a.service', machine: 'm1', reason: 'machine m1 can no longer run it: MachineMetadata: region=eu' },
      { type: 'unit.scheduled', unit: 'a.service', machine: 'm2', hash: 'h', reason: 'rescheduled: machine m1 can no longer run it' },
    ],
  ],
  ['a placement carries its reason in the entry', [ch({ revision: 5n, kind: 'schedule', machineId: 'm2', name: 'a.service', entry: { machineId: 'm2', name: 'a.service', hash: 'h', targetState: 'launched', reason: 'placed' } })], [{ type: 'unit.scheduled', unit: 'a.service', machine: 'm2', hash: 'h', reason: 'placed' }]],
  ['a schedule change without reasons (an older engine) has none', [ch({ revision: 5n, kind: 'schedule', machineId: 'm2', name: 'a.service', entry: { machineId: 'm2', name: 'a.service', hash: 'h', targetState: 'launched' } })], [{ type: 'unit.scheduled', unit: 'a.service', machine: 'm2', hash: 'h' }]],
  [
    'a state change carries the previous states; becoming failed adds unit.failed once',
    [ch(st('failed', 'failed', { restarts: 3 }), st('active', 'running'))],
    [
      { type: 'unit.state', unit: 'a.service', machine: 'm1', hash: 'h', loadState: 'loaded', activeState: 'failed', subState: 'failed', previous: { loadState: 'loaded', activeState: 'active', subState: 'running' }, restarts: 3 },
      { type: 'unit.failed', unit: 'a.service', machine: 'm1', subState: 'failed' },
    ],
  ],
  ['still failed: a state event, no second unit.failed', [ch(st('failed', 'failed', { restarts: 4 }), st('failed', 'failed', { restarts: 3 }))], [{ type: 'unit.state', unit: 'a.service', machine: 'm1', hash: 'h', loadState: 'loaded', activeState: 'failed', subState: 'failed', previous: { loadState: 'loaded', activeState: 'failed', subState: 'failed' }, restarts: 4 }]],
  ['a report with only a new timestamp says nothing', [ch(st('active', 'running', { timestamp: T + 5000 }), st('active', 'running'))], []],
  ['a first report has no previous', [ch(st('active', 'running'))], [{ type: 'unit.state', unit: 'a.service', machine: 'm1', hash: 'h', loadState: 'loaded', activeState: 'active', subState: 'running' }]],
  ['a report removed says nothing (the unit or machine event tells)', [ch({ revision: 5n, kind: 'state', name: 'a.service', machineId: 'm1', state: undefined }, st('active', 'running'))], []],
  [
    'unplaceable when the engine\'s explanation is new or changed',
    [
      ch({ revision: 5n, kind: 'unplaced', name: 'a.service', unplaced: { name: 'a.service', hash: 'h', status: 'unschedulable', message: '0 of 2 machines eligible' } }),
      ch({ revision: 5n, kind: 'unplaced', name: 'b.service', unplaced: { name: 'b.service', hash: 'h', status: 'invalid', message: 'bad' } }, { revision: 4n, kind: 'unplaced', name: 'b.service', unplaced: { name: 'b.service', hash: 'h', status: 'invalid', message: 'bad' } }),
      ch({ revision: 5n, kind: 'unplaced', name: 'c.service', unplaced: undefined }, { revision: 4n, kind: 'unplaced', name: 'c.service', unplaced: { name: 'c.service', hash: 'h', status: 'invalid', message: 'bad' } }),
    ],
    [{ type: 'unit.unplaceable', unit: 'a.service', status: 'unschedulable', message: '0 of 2 machines eligible' }],
  ],
  ['machine joined', [ch(machine({ region: 'eu' }))], [{ type: 'machine.joined', machine: 'm1', publicIP: '10.0.0.1', metadata: { region: 'eu' } }]],
  ['machine left', [ch(machine(undefined), machine({}))], [{ type: 'machine.left', machine: 'm1' }]],
  ['announced metadata changed', [ch(machine({ region: 'us', disk: 'ssd' }), machine({ region: 'eu', gpu: '1', disk: 'ssd' }))], [{ type: 'machine.metadata', machine: 'm1', changed: { region: 'us', gpu: null } }]],
  ['a machine record rewritten with the same metadata says nothing', [ch(machine({ region: 'eu' }), machine({ region: 'eu' }))], []],
  [
    'dynamic metadata set and hidden',
    [
      ch({ revision: 5n, kind: 'machineMetadata', machineId: 'm1', key: 'rack', value: 'r2' }),
      ch({ revision: 5n, kind: 'machineMetadata', machineId: 'm1', key: 'zone', value: '' }, { revision: 4n, kind: 'machineMetadata', machineId: 'm1', key: 'zone', value: 'a' }),
    ],
    [
      { type: 'machine.metadata', machine: 'm1', changed: { rack: 'r2' } },
      { type: 'machine.metadata', machine: 'm1', changed: { zone: null } },
    ],
  ],
  [
    'leader changes: gone, then a new one naming the previous',
    [ch({ revision: 5n, kind: 'leader', machineId: undefined }, { revision: 4n, kind: 'leader', machineId: 'm1' }), ch({ revision: 5n, kind: 'leader', machineId: 'm2' })],
    [{ type: 'leader.changed', previous: 'm1' }, { type: 'leader.changed', machine: 'm2' }],
  ],
  [
    'anomalies carry their detection time; unknown kinds are dropped',
    [
      ch({ revision: 5n, kind: 'anomaly', anomaly: { anomaly: 'unit-flapping', unit: 'a.service', machine: 'm1', message: 'restarted 5 times in 60s', detectedAt: T } }),
      ch({ revision: 5n, kind: 'anomaly', anomaly: { anomaly: 'from-the-future', message: 'x', detectedAt: T } }),
    ],
    [{ type: 'anomaly.unit-flapping', unit: 'a.service', machine: 'm1', message: 'restarted 5 times in 60s' }],
  ],
  ['bodies and the policy are not events', [ch({ revision: 5n, kind: 'body', hash: 'h', text: 'x' }), ch({ revision: 5n, kind: 'policy', document: '{}' })], []],
];

for (const [name, changes, want] of cases) {
  test(`deriveEvents: ${name}`, () => assert.deepEqual(brief(changes), want));
}

test('deriveEvents: revision as a number; time from the state report, the anomaly, or now', () => {
  const [s] = deriveEvents([ch(st('active', 'running'))], T);
  assert.equal(s!.revision, 5);
  assert.equal(s!.time, new Date(T + 1000).toISOString());
  const [u] = deriveEvents([ch(unit('a.service', 'h1'))], T);
  assert.equal(u!.time, '2026-01-01T00:00:00.000Z');
});

test('deriveBatch: reasons join only within their own revision', () => {
  const put = (revision: bigint, name: string): RegistryChange => ch({ revision, kind: 'schedule', machineId: 'm1', name, entry: { machineId: 'm1', name, hash: 'h', targetState: 'launched' } });
  const reasons = (revision: bigint, unit: string, reason: string): RegistryChange => ch({ revision, kind: 'decisions', decisions: { decisions: [{ kind: 'schedule', unit, machine: 'm1', reason }] } });
  const events = deriveBatch([put(5n, 'a.service'), reasons(5n, 'a.service', 'placed'), put(6n, 'b.service'), reasons(7n, 'b.service', 'wrong revision')], T);
  assert.deepEqual(events.map((e) => [e.revision, e.unit, 'reason' in e ? e.reason : undefined]), [
    [5, 'a.service', 'placed'],
    [6, 'b.service', undefined],
  ]);
});
