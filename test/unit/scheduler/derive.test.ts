/**
 * The per-requirements derivations: the fast requirements key equals its
 * reference definition (canonical JSON of every field) on generated
 * requirements, and units without constraints share one derivation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NO_REQUESTS, derivedOf, requirementsKeyOf, requirementsKeyReference, scoringRequests } from '../../../src/scheduler/derive.js';
import { NO_REQUIREMENTS, type UnitRequirements } from '../../../src/units/requirements.js';

const names = fc.constantFrom('a.service', 'web@*.service', 'b"q.service', 'é.service', '', 'db@1.service');
const primitive = fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(undefined), fc.constant(null));
const extraValue = fc.oneof(
  primitive,
  fc.dictionary(fc.constantFrom('cpu', 'memory', 'gpu', '10', '9', 'b', 'a'), primitive, { maxKeys: 3 }),
  fc.array(primitive, { maxLength: 3 }).map((xs) => new Set(xs)),
  fc.array(fc.tuple(fc.string({ maxLength: 3 }), primitive), { maxLength: 3 }).map((xs) => new Map(xs)),
  fc.array(primitive, { maxLength: 3 }),
);

const requirements: fc.Arbitrary<UnitRequirements> = fc
  .record({
    global: fc.boolean(),
    machineId: fc.option(fc.constantFrom('abc', '', 'x"y'), { nil: undefined }),
    withMachineIdKey: fc.boolean(),
    machineOf: fc.array(names, { maxLength: 3 }),
    conflicts: fc.array(names, { maxLength: 3 }),
    replaces: fc.array(names, { maxLength: 2 }),
    metadata: fc.array(fc.tuple(fc.constantFrom('region', 'disk', 'a"b'), fc.array(fc.constantFrom('eu', 'us', 'ssd', ''), { minLength: 1, maxLength: 3 })), { maxLength: 2 }),
    // Fields the scheduler does not read yet (the key must cover them all the same), and valid requests.
    extra: fc.dictionary(fc.constantFrom('priority', 'preemptible', 'zzz', 'aaa', 'resourcez'), extraValue, { maxKeys: 3 }),
    resources: fc.option(fc.dictionary(fc.constantFrom('cpu', 'memory', 'gpu'), fc.constantFrom<unknown>(0, 0.5, 2, 2 ** 30, -1, Number.NaN, '0.5', null), { maxKeys: 3 }), { nil: undefined }),
  })
  .map((r) => {
    const out: Record<string, unknown> = { ...r.extra, ...(r.resources === undefined ? {} : { resources: r.resources }), global: r.global, machineOf: r.machineOf, conflicts: r.conflicts, replaces: r.replaces, metadata: new Map(r.metadata) };
    if (r.machineId !== undefined || r.withMachineIdKey) out['machineId'] = r.machineId;
    return out as unknown as UnitRequirements;
  });

test('requirements key: equals the canonical-JSON reference on generated requirements', () => {
  fc.assert(
    fc.property(requirements, (r) => {
      assert.equal(requirementsKeyOf(r), requirementsKeyReference(r));
    }),
    { numRuns: 2000 },
  );
});

test('requirements key: the usual shapes equal the reference too', () => {
  const cases: UnitRequirements[] = [
    NO_REQUIREMENTS,
    { ...NO_REQUIREMENTS },
    { ...NO_REQUIREMENTS, resources: { cpu: 0.5, memory: 2 ** 28 } },
    { ...NO_REQUIREMENTS, resources: { memory: 2 ** 28, cpu: 0.5 } },
    { ...NO_REQUIREMENTS, conflicts: ['web@*.service', 'web@*.service'], metadata: new Map([['region', ['eu']]]) },
    { ...NO_REQUIREMENTS, metadata: new Map([['region', ['us', 'eu', 'us']]]), priority: 10, preemptible: false },
    { ...NO_REQUIREMENTS, machineId: undefined },
  ];
  for (const r of cases) assert.equal(requirementsKeyOf(r), requirementsKeyReference(r));
});

test('derivedOf: units without constraints share one derivation and the one empty requests value', () => {
  const a = derivedOf({ ...NO_REQUIREMENTS });
  const b = derivedOf({ machineOf: [], metadata: new Map(), conflicts: [], replaces: [], global: false });
  assert.equal(a, b);
  assert.equal(a.requests, NO_REQUESTS);
  assert.notEqual(derivedOf({ ...NO_REQUIREMENTS, priority: 1 }), a);
  const bestEffort = { cpu: 0.1, memory: 2 ** 20 };
  // The scoring cache is keyed by the requests value: every unit requesting nothing hits it.
  assert.equal(scoringRequests(derivedOf({ ...NO_REQUIREMENTS }).requests, bestEffort), scoringRequests(derivedOf({ ...NO_REQUIREMENTS }).requests, bestEffort));
});

test('derivedOf: requirements of the same content share one derivation (a cold pass derives each content once)', () => {
  const make = (cpu: number) => ({ ...NO_REQUIREMENTS, conflicts: ['db@*.service'], metadata: new Map([['disk', ['ssd']]]), resources: { cpu, memory: 2 ** 28 } });
  assert.equal(derivedOf(make(0.5)), derivedOf(make(0.5)));
  assert.notEqual(derivedOf(make(0.5)), derivedOf(make(0.25)));
  assert.deepEqual(derivedOf(make(0.25)).requests.map(([name]) => name), ['cpu', 'memory']);
});
