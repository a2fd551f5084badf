import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectCapacity, machineResources, parseCfsQuota, parseCpuMax, parseMemoryLimit, parseMemTotal, parseProcCgroup, type CapacitySources } from '../../../src/fleetd/capacity.js';

const GiB = 1024 ** 3;
const MEMINFO = 'MemTotal:       16384000 kB\nMemFree:         1000 kB\n';

function fakeHost(files: Record<string, string>, cpus: number): CapacitySources {
  return { readFile: (p) => files[p], exists: (p) => p in files, cpus };
}

test('parsers: meminfo, /proc/self/cgroup, cpu.max, cfs quota, memory limits', () => {
  assert.equal(parseMemTotal(MEMINFO), 16384000 * 1024);
  assert.equal(parseMemTotal('nothing'), undefined);
  assert.deepEqual([...parseProcCgroup('4:memory:/a/b\n2:cpu,cpuacct:/a\n0::/s/fleetd.service\n')], [
    ['memory', '/a/b'],
    ['cpu', '/a'],
    ['cpuacct', '/a'],
    ['', '/s/fleetd.service'],
  ]);
  assert.equal(parseCpuMax('150000 100000\n'), 1.5);
  assert.equal(parseCpuMax('max 100000\n'), undefined);
  assert.equal(parseCfsQuota('50000', '100000'), 0.5);
  assert.equal(parseCfsQuota('-1', '100000'), undefined);
  assert.equal(parseMemoryLimit('1073741824\n'), GiB);
  assert.equal(parseMemoryLimit('max\n'), undefined);
  assert.equal(parseMemoryLimit('9223372036854771712'), undefined, "v1's 'unlimited'");
});

test('no cgroup limits: all CPUs and MemTotal', () => {
  const host = fakeHost({ '/proc/meminfo': MEMINFO, '/proc/self/cgroup': '0::/\n' }, 8);
  assert.deepEqual(detectCapacity(host), { cpu: 8, memory: 16384000 * 1024 });
});

test('cgroup v2: the smallest cpu.max / memory.max on the path to the root wins', () => {
  const host = fakeHost(
    {
      '/sys/fs/cgroup/cgroup.controllers': 'cpu memory',
      '/proc/meminfo': MEMINFO,
      '/proc/self/cgroup': '0::/system.slice/fleetd.service\n',
      '/sys/fs/cgroup/system.slice/cpu.max': '250000 100000',
      '/sys/fs/cgroup/system.slice/fleetd.service/cpu.max': 'max 100000',
      '/sys/fs/cgroup/system.slice/memory.max': String(4 * GiB),
      '/sys/fs/cgroup/system.slice/fleetd.service/memory.max': String(2 * GiB),
    },
    8,
  );
  assert.deepEqual(detectCapacity(host), { cpu: 2.5, memory: 2 * GiB });
});

test('cgroup v1 (hybrid): cfs quota and memory.limit_in_bytes', () => {
  const host = fakeHost(
    {
      '/proc/meminfo': MEMINFO,
      '/proc/self/cgroup': '4:memory:/m\n2:cpu,cpuacct:/c\n0::/\n',
      '/sys/fs/cgroup/cpu/c/cpu.cfs_quota_us': '50000',
      '/sys/fs/cgroup/cpu/c/cpu.cfs_period_us': '100000',
      '/sys/fs/cgroup/memory/m/memory.limit_in_bytes': String(GiB),
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712',
    },
    4,
  );
  assert.deepEqual(detectCapacity(host), { cpu: 0.5, memory: GiB });
});

test('a limit above what the host has does not raise capacity; unreadable files leave resources out', () => {
  const host = fakeHost({ '/proc/meminfo': MEMINFO, '/proc/self/cgroup': '0::/x\n', '/sys/fs/cgroup/unified/x/memory.max': String(1024 * GiB) }, 2);
  assert.deepEqual(detectCapacity(host), { cpu: 2, memory: 16384000 * 1024 });
  assert.deepEqual(detectCapacity(fakeHost({}, 2)), { cpu: 2 });
});

test('this host: cpu and memory are detected and positive', () => {
  const c = detectCapacity();
  assert.ok((c['cpu'] ?? 0) > 0 && (c['memory'] ?? 0) > 0, JSON.stringify(c));
});

test('machineResources: fleet.conf resources= written over the detected values, reserved kept apart', () => {
  assert.deepEqual(machineResources({ cpu: 2, memory: 8 * GiB }, { cpu: 4, gpu: 2 }, { cpu: 0.5 }), {
    capacity: { cpu: 4, memory: 8 * GiB, gpu: 2 },
    reserved: { cpu: 0.5 },
    allocated: {},
  });
});
