import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLive } from '../../src/sandbox/cgroup.js';
import { startSandboxHost, type SandboxHost } from '../../src/sandbox/host.js';

function writeUserUnit(host: SandboxHost, name: string, text: string): void {
  const dir = join(host.runtimeDir, 'systemd', 'user');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), text);
}

async function must(host: SandboxHost, cmd: string[]): Promise<string> {
  const r = await host.exec(cmd);
  assert.equal(r.code, 0, `${cmd.join(' ')} failed on ${host.name}: ${r.stderr}`);
  return r.stdout;
}

async function mainPid(host: SandboxHost, unit: string): Promise<number> {
  const out = await must(host, ['systemctl', '--user', 'show', '-p', 'MainPID', '--value', unit]);
  return Number(out.trim());
}

describe('sandbox host', () => {
  let a: SandboxHost;
  let b: SandboxHost;
  before(async () => {
    [a, b] = await Promise.all([startSandboxHost({ label: 'a' }), startSandboxHost({ label: 'b' })]);
  });
  after(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()]);
  });

  test('two hosts do not see each other\'s units or processes', async () => {
    const unit = (marker: string): string =>
      `[Unit]\nDescription=${marker}\n[Service]\nExecStart=/bin/sh -c "echo ${marker}; exec sleep 600"\n`;
    writeUserUnit(a, 'only-a.service', unit(`marker-${a.name}`));
    writeUserUnit(b, 'only-b.service', unit(`marker-${b.name}`));
    for (const [h, u] of [[a, 'only-a.service'], [b, 'only-b.service']] as const) {
      await must(h, ['systemctl', '--user', 'daemon-reload']);
      await must(h, ['systemctl', '--user', 'start', u]);
    }
    const listA = await must(a, ['systemctl', '--user', 'list-units', '--all', '--no-legend', '--plain']);
    const listB = await must(b, ['systemctl', '--user', 'list-units', '--all', '--no-legend', '--plain']);
    assert.match(listA, /only-a\.service/);
    assert.doesNotMatch(listA, /only-b\.service/);
    assert.match(listB, /only-b\.service/);
    assert.doesNotMatch(listB, /only-a\.service/);

    const pidA = await mainPid(a, 'only-a.service');
    const pidB = await mainPid(b, 'only-b.service');
    assert.ok(pidA > 0 && pidB > 0);
    assert.ok(a.processes().includes(pidA) && !b.processes().includes(pidA));
    assert.ok(b.processes().includes(pidB) && !a.processes().includes(pidB));
    const shared = a.processes().filter((p) => b.processes().includes(p));
    assert.deepEqual(shared, []);
    assert.notEqual(a.machineId, b.machineId);
    assert.equal((await must(a, ['cat', '/etc/machine-id'])).trim(), a.machineId);
  });

  test('a unit\'s output is readable through the host\'s journalctl, and only there', async () => {
    const marker = `marker-${a.name}`;
    let out = '';
    for (let i = 0; i < 100 && !out.includes(marker); i++) {
      out = (await a.exec(['journalctl', '-u', 'only-a.service', '--no-pager', '-o', 'cat'])).stdout;
      if (!out.includes(marker)) await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(out, new RegExp(marker));
    const other = await b.exec(['journalctl', '--no-pager', '-o', 'cat']);
    assert.doesNotMatch(other.stdout, new RegExp(marker));
  });

  test('spawnInHost runs inside the host and is stopped with it', async () => {
    const child = a.spawnInHost('sleep', ['600']);
    const pid = child.pid ?? -1;
    const ns = (p: number, kind: string): string => readlinkSync(`/proc/${p}/ns/${kind}`);
    // the pid is a shell until it has joined the cgroups and exec'd through nsenter into sleep
    for (let i = 0; i < 200 && ns(pid, 'mnt') !== ns(a.systemdPid, 'mnt'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(ns(pid, 'mnt'), ns(a.systemdPid, 'mnt'));
    assert.equal(ns(pid, 'cgroup'), ns(a.systemdPid, 'cgroup'));
    assert.notEqual(ns(pid, 'mnt'), ns(process.pid, 'mnt'));
    assert.ok(a.processes().includes(pid), 'spawned process is in the host cgroup');
    assert.equal(readlinkSync(`/proc/${pid}/cwd`), process.cwd(), 'keeps the caller\'s working directory');
    assert.equal((await a.exec(['pwd'], { cwd: a.runtimeDir })).stdout.trim(), a.runtimeDir);
  });

  test('stop leaves no process, cgroup or scratch dir behind, and is idempotent', async () => {
    const pids = a.processes();
    assert.ok(pids.length >= 4, `expected systemd, dbus, journald, units; got ${pids.join(',')}`);
    await a.stop();
    await a.stop();
    const survivors = pids.filter(isLive);
    assert.deepEqual(survivors, []);
    assert.deepEqual(a.processes(), []);
    assert.equal(existsSync(`/sys/fs/cgroup/unified/fleethost-${a.name}`), false);
    assert.equal(existsSync(`/sys/fs/cgroup/systemd/fleethost-${a.name}`), false);
    assert.equal(existsSync(a.scratchDir), false);
    // the other host is untouched
    assert.ok(b.processes().includes(b.systemdPid));
  });
});
