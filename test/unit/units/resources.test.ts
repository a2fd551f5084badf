import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildUnit, extractRequirements, parseUnitFile, UnitValidationError } from '../../../src/units/index.js';

const G = 1024 ** 3;
const M = 1024 ** 2;
const resourcesOf = (text: string, name = 'a.service') => extractRequirements(parseUnitFile(text), name);

const cases: Array<{ name: string; text: string; want: Record<string, number> | undefined }> = [
  { name: 'no [X-Fleet], no limits: requests nothing', text: '[Service]\nExecStart=/bin/true\n', want: undefined },
  { name: 'one line, several items', text: '[X-Fleet]\nResources=cpu=0.5 memory=256M gpu=1\n', want: { cpu: 0.5, memory: 256 * M, gpu: 1 } },
  { name: 'several lines', text: '[X-Fleet]\nResources=cpu=500m\nResources=memory=1G\n', want: { cpu: 0.5, memory: G } },
  { name: 'quoted as MachineMetadata', text: '[X-Fleet]\nResources="cpu=2" "disk=200G"\n', want: { cpu: 2, disk: 200 * G } },
  { name: 'CPUQuota and MemoryMax as defaults', text: '[Service]\nCPUQuota=50%\nMemoryMax=1G\n', want: { cpu: 0.5, memory: G } },
  { name: 'legacy MemoryLimit', text: '[Service]\nMemoryLimit=512M\n', want: { memory: 512 * M } },
  { name: 'MemoryMax wins over MemoryLimit', text: '[Service]\nMemoryLimit=512M\nMemoryMax=2G\n', want: { memory: 2 * G } },
  { name: 'Resources= wins over limits', text: '[Service]\nCPUQuota=200%\nMemoryMax=1G\n[X-Fleet]\nResources=cpu=0.25\n', want: { cpu: 0.25, memory: G } },
  { name: 'explicit zero keeps the limit out', text: '[Service]\nMemoryMax=1G\n[X-Fleet]\nResources=memory=0\n', want: { memory: 0 } },
  { name: 'last limit wins, empty resets', text: '[Service]\nCPUQuota=50%\nCPUQuota=\nMemoryMax=1G\nMemoryMax=2G\n', want: { memory: 2 * G } },
  { name: 'infinity and percentages of memory request nothing', text: '[Service]\nMemoryMax=infinity\nMemoryLimit=50%\n', want: undefined },
  { name: 'fractional CPUQuota', text: '[Service]\nCPUQuota=12.5%\n', want: { cpu: 0.125 } },
  { name: 'limits outside a resource-control section are not limits', text: '[Unit]\nCPUQuota=50%\n', want: undefined },
];
for (const c of cases) {
  test(`Resources: ${c.name}`, () => {
    const r = resourcesOf(c.text);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.requirements.resources, c.want);
  });
}

const rejected: Array<[string, string]> = [
  ['Resources=cpu=-1', '[X-Fleet] "Resources=cpu=-1": cpu value "-1" is not a number of cores (e.g. 0.5, 2, or 500m)'],
  ['Resources=memory=lots', '[X-Fleet] "Resources=memory=lots": memory value "lots" is not a size (a non-negative number of bytes with an optional K, M, G or T suffix, 1024-based, e.g. 256M)'],
  ['Resources=memory=2Q', '[X-Fleet] "Resources=memory=2Q": memory value "2Q" is not a size (a non-negative number of bytes with an optional K, M, G or T suffix, 1024-based, e.g. 256M)'],
  ['Resources=cpu=1 cpu=2', '[X-Fleet] "Resources=cpu=1 cpu=2": cpu is given more than once'],
  ['Resources=cpu', '[X-Fleet] "Resources=cpu": "cpu" is not name=value (e.g. cpu=0.5 memory=256M)'],
  ['Resources=', '[X-Fleet] "Resources=": no name=value items (e.g. Resources=cpu=0.5 memory=256M)'],
  ['Resources=GPU=1', '[X-Fleet] "Resources=GPU=1": resource name "GPU" must be lower-case: a-z first, then a-z 0-9 _ . - (at most 63 characters)'],
];
for (const [line, want] of rejected) {
  test(`Resources rejected: ${line}`, () => assert.deepEqual(resourcesOf(`[X-Fleet]\n${line}\n`).problems, [want]));
}

test('a name repeated on another line is named with that line', () => {
  assert.deepEqual(resourcesOf('[X-Fleet]\nResources=cpu=1\nResources=memory=1G cpu=2\n').problems, [
    '[X-Fleet] "Resources=memory=1G cpu=2": cpu is given more than once',
  ]);
});

test('submit: buildUnit refuses a bad Resources= value naming key, value and line', () => {
  assert.throws(
    () => buildUnit('a.service', '[Service]\nExecStart=/bin/true\n[X-Fleet]\nResources=cpu=1 memory=lots\n'),
    (err: unknown) => err instanceof UnitValidationError && /Resources=cpu=1 memory=lots.*memory value "lots"/.test(err.message),
  );
});

test('template instances inherit the requests, with specifiers expanded', () => {
  const text = '[X-Fleet]\nResources=cpu=%i memory=64M\n';
  assert.deepEqual(buildUnit('w@2.service', text).requirements.resources, { cpu: 2, memory: 64 * M });
  assert.deepEqual(buildUnit('w@3.service', text).requirements.resources, { cpu: 3, memory: 64 * M });
});

test('Resources= is a known [X-Fleet] key (no warning) and works with Global', () => {
  const r = resourcesOf('[X-Fleet]\nGlobal=true\nResources=cpu=0.1\n');
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.requirements.resources, { cpu: 0.1 });
  assert.equal(r.requirements.global, true);
});

test('property: well-formed Resources= lines give exactly their items', () => {
  const item = fc.record({ cpu: fc.option(fc.integer({ min: 0, max: 64_000 })), memory: fc.option(fc.integer({ min: 0, max: 1 << 20 })), gpu: fc.option(fc.integer({ min: 0, max: 8 })) });
  fc.assert(
    fc.property(item, fc.boolean(), ({ cpu, memory, gpu }, quoted) => {
      const items = [cpu !== null ? `cpu=${cpu}m` : undefined, memory !== null ? `memory=${memory}K` : undefined, gpu !== null ? `gpu=${gpu}` : undefined].filter((x) => x !== undefined);
      if (items.length === 0) return;
      const value = quoted ? items.map((i) => `"${i}"`).join(' ') : items.join(' ');
      const r = resourcesOf(`[X-Fleet]\nResources=${value}\n`);
      assert.deepEqual(r.problems, []);
      const want: Record<string, number> = {};
      if (cpu !== null) want['cpu'] = cpu / 1000;
      if (memory !== null) want['memory'] = memory * 1024;
      if (gpu !== null) want['gpu'] = gpu;
      assert.deepEqual(r.requirements.resources, want);
    }),
  );
});
