import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enforcementDropIn } from '../../../src/agent/enforcement.js';

const unit = (service: string, xfleet = '') => `[Service]\nExecStart=/bin/sleep 100\n${service}${xfleet === '' ? '' : `[X-Fleet]\n${xfleet}\n`}`;
const limits = (text: string | undefined) => text?.split('\n').filter((l) => /^[A-Z]\w*=/.test(l) || l.startsWith('['));

const cases: Array<{ name: string; unit: string; text: string; enforce?: boolean; want: string[] | undefined }> = [
  { name: 'enforce off: nothing', unit: 'a.service', text: unit('', 'Resources=cpu=0.5 memory=256M'), enforce: false, want: undefined },
  { name: 'cpu and memory reserved: both limits', unit: 'a.service', text: unit('', 'Resources=cpu=0.5 memory=256M'), want: ['[Service]', 'CPUQuota=50%', 'MemoryMax=268435456'] },
  { name: 'millicores: 1500m is 150%', unit: 'a.service', text: unit('', 'Resources=cpu=1500m'), want: ['[Service]', 'CPUQuota=150%'] },
  { name: 'a tiny cpu request still gets 1%', unit: 'a.service', text: unit('', 'Resources=cpu=1m'), want: ['[Service]', 'CPUQuota=1%'] },
  { name: 'only other resources (gpu): nothing', unit: 'a.service', text: unit('', 'Resources=gpu=1'), want: undefined },
  { name: 'no requests (best effort): nothing', unit: 'a.service', text: unit(''), want: undefined },
  { name: 'own MemoryMax= is kept; cpu still limited', unit: 'a.service', text: unit('MemoryMax=1G\n', 'Resources=cpu=2 memory=256M'), want: ['[Service]', 'CPUQuota=200%'] },
  { name: 'own MemoryLimit= (legacy) counts as a limit', unit: 'a.service', text: unit('MemoryLimit=1G\n', 'Resources=memory=256M'), want: undefined },
  { name: 'own CPUQuota= (the request comes from it): nothing', unit: 'a.service', text: unit('CPUQuota=50%\n'), want: undefined },
  { name: 'own MemoryMax=infinity is the unit\'s choice', unit: 'a.service', text: unit('MemoryMax=infinity\n', 'Resources=memory=1G'), want: undefined },
  { name: 'an emptied CPUQuota= sets no limit', unit: 'a.service', text: unit('CPUQuota=20%\nCPUQuota=\n', 'Resources=cpu=1'), want: ['[Service]', 'CPUQuota=100%'] },
  { name: 'socket units use [Socket]', unit: 'a.socket', text: '[Socket]\nListenStream=1234\n[X-Fleet]\nResources=memory=1M\n', want: ['[Socket]', 'MemoryMax=1048576'] },
  { name: 'timers have no cgroup: nothing', unit: 'a.timer', text: '[Timer]\nOnCalendar=daily\n[X-Fleet]\nResources=cpu=1\n', want: undefined },
  { name: 'instances: specifier-free requests of the template', unit: 'w@3.service', text: unit('', 'Resources=memory=64M'), want: ['[Service]', 'MemoryMax=67108864'] },
  { name: 'a body that cannot be read: nothing', unit: 'a.service', text: '[Service\nbroken', want: undefined },
];

for (const c of cases) {
  test(`enforcementDropIn: ${c.name}`, () => {
    assert.deepEqual(limits(enforcementDropIn(c.unit, c.text, c.enforce ?? true)), c.want);
  });
}

test('the drop-in says where it comes from', () => {
  assert.match(enforcementDropIn('a.service', unit('', 'Resources=cpu=1'), true)!, /^# fleet: policy "enforce"/);
});
