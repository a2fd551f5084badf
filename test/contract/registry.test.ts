/**
 * ONE contract for every registry: the same suite runs against the
 * in-memory registry (manual clock) and against a real etcd (system clock).
 * Anything a component relies on belongs here, so the memory registry can
 * stand in for etcd in every other test.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Registry } from '../../src/registry/registry.js';
import { follow } from '../../src/registry/watch.js';
import type { RegistryChange, RegistryEvent } from '../../src/registry/events.js';
import type { ClusterSnapshot } from '../../src/registry/roles.js';
import { encodeUnit, type MachineRecord, type UnitRecord, type UnitStateRecord, type UnitWithText } from '../../src/registry/records.js';
import { CorruptRecordError, InvalidNameError, NotLeaderError, UnitExistsError, UnitNotFoundError, LeaseLostError } from '../../src/registry/errors.js';
import { forEachRegistry, type ContractFactory, type ContractHarness } from '../support/registry-backends.js';
import type { ActiveState } from '../../src/domain/index.js';

const unit = (name: string, hash = 'h1', text = `[Service]\nExecStart=/bin/sleep 1000 # ${hash}\n`): UnitWithText => ({
  name,
  options: [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }],
  text,
  hash,
});
/** What readers get back for a written unit: the record without its text. */
const record = ({ name, options, hash }: UnitWithText): UnitRecord => ({ name, options, hash });
const machine = (id: string, metadata: Record<string, string> = {}): MachineRecord => ({
  id,
  publicIP: '127.0.0.1',
  metadata,
  version: '0.1.0',
  capabilities: {},
});
const state = (name: string, machineId: string, activeState: ActiveState = 'active'): UnitStateRecord => ({
  name,
  machineId,
  loadState: 'loaded',
  activeState,
  subState: activeState === 'active' ? 'running' : 'dead',
  hash: 'h1',
  timestamp: 1,
});

/** Polls `check` (advancing time by `step`) until it passes or `timeoutMs` of harness time elapsed. */
async function eventually(h: ContractHarness, check: () => Promise<void>, timeoutMs = 5000, step = 100): Promise<void> {
  for (let waited = 0; ; waited += step) {
    try {
      await check();
      return;
    } catch (err) {
      if (waited >= timeoutMs) throw err;
    }
    await h.advance(step);
  }
}

/** The registry contract; `make` gives a fresh harness per test. */
export function registryContract(name: string, make: ContractFactory): void {
  describe(`registry contract: ${name}`, () => {
    let h: ContractHarness;
    const run = (title: string, fn: (r: Registry) => Promise<void>): void => {
      test(title, async () => {
        h = await make();
        try {
          await fn(h.registry);
        } finally {
          await h.registry.close();
        }
      });
    };

    run('create, get and list units; desired state defaults to inactive', async (r) => {
      await r.api.createUnit(unit('b.service'));
      await r.api.createUnit(unit('a.service'), 'launched');
      assert.deepEqual(await r.api.getUnit('b.service'), { unit: record(unit('b.service')), desired: 'inactive' });
      assert.deepEqual((await r.api.listUnits()).map((u) => [u.unit.name, u.desired]), [
        ['a.service', 'launched'],
        ['b.service', 'inactive'],
      ]);
      assert.equal(await r.api.getUnit('c.service'), undefined);
      await assert.rejects(r.api.createUnit(unit('a.service', 'h2')), UnitExistsError);
      assert.equal((await r.api.getUnit('a.service'))!.unit.hash, 'h1');
    });

    run('the registry epoch is created once and then read back by every agent', async (r) => {
      const first = await r.agent.registryEpoch();
      assert.match(first, /^[0-9a-f-]{36}$/);
      assert.equal(await r.agent.registryEpoch(), first, 'a second read finds the same epoch');
    });

    run('replace keeps the desired state; set/destroy need an existing unit', async (r) => {
      await r.api.createUnit(unit('a.service'), 'loaded');
      await r.api.replaceUnit(unit('a.service', 'h2'));
      assert.deepEqual(await r.api.getUnit('a.service'), { unit: record(unit('a.service', 'h2')), desired: 'loaded' });
      await r.api.replaceUnit(unit('n.service'));
      assert.equal((await r.api.getUnit('n.service'))!.desired, 'inactive');
      await r.api.setDesiredState('a.service', 'launched');
      assert.equal((await r.api.getUnit('a.service'))!.desired, 'launched');
      await assert.rejects(r.api.setDesiredState('x.service', 'launched'), UnitNotFoundError);
      await r.api.destroyUnit('a.service');
      assert.equal(await r.api.getUnit('a.service'), undefined);
      const snap = await r.engine.snapshot();
      assert.equal(snap.desired.has('a.service'), false, 'destroy removes the desired state too');
      await assert.rejects(r.api.destroyUnit('a.service'), UnitNotFoundError);
    });

    run('apply-set membership is written with the unit, survives a replace and goes with the unit', async (r) => {
      await r.api.createUnit(unit('b.service'), 'launched', 'web');
      await r.api.createUnit(unit('a.service'), 'inactive', 'web');
      await r.api.createUnit(unit('c.service'), 'inactive', 'db');
      await r.api.createUnit(unit('hand.service'));
      await assert.rejects(r.api.createUnit(unit('c.service'), 'inactive', 'web'), UnitExistsError);
      assert.deepEqual(await r.api.listApplySets(), [
        { name: 'db', units: ['c.service'] },
        { name: 'web', units: ['a.service', 'b.service'] },
      ]);
      await r.api.replaceUnit(unit('a.service', 'h2'));
      await r.api.destroyUnit('b.service');
      await r.api.destroyUnit('c.service');
      assert.deepEqual(await r.api.listApplySets(), [{ name: 'web', units: ['a.service'] }]);
      await r.kv.txn([], [{ type: 'put', key: r.layout.applied('x.service'), value: '{"set":"no spaces allowed"}' }]);
      assert.deepEqual(await r.api.listApplySets(), [{ name: 'web', units: ['a.service'] }], 'a corrupt membership is skipped');
    });

    run('bodies are content-addressed: written once per hash with the unit, never overwritten, kept when the unit moves on', async (r) => {
      const body = async (hash: string) => (await r.kv.get(r.layout.body(hash))).kv;
      const createdFirst = await r.kv.txn([], [{ type: 'putIfAbsent', key: r.layout.body('h0'), value: 'x' }]);
      const createdAgain = await r.kv.txn([], [{ type: 'putIfAbsent', key: r.layout.body('h0'), value: 'y' }]);
      assert.deepEqual([createdFirst.created, createdAgain.created], [[true], [false]], 'a putIfAbsent says whether it created the key');
      assert.equal((await body('h0'))?.value, 'x');
      await r.api.createUnit(unit('a.service', 'h1'), 'launched');
      const first = await body('h1');
      assert.equal(first?.value, unit('a.service', 'h1').text);
      assert.equal(JSON.parse((await r.kv.get(r.layout.unit('a.service'))).kv!.value).hash, 'h1', 'the record names its body');
      await r.api.createUnit(unit('b.service', 'h1'));
      await r.api.replaceUnit(unit('c.service', 'h1', 'a different text claiming the same hash'));
      assert.deepEqual(await body('h1'), first, 'one body per hash, never rewritten');
      await r.api.replaceUnit(unit('a.service', 'h2'));
      assert.equal((await body('h2'))?.value, unit('a.service', 'h2').text);
      assert.deepEqual(await body('h1'), first, 'the old text stays for machines still running it');
      await assert.rejects(r.api.createUnit(unit('a.service', 'h3')), UnitExistsError);
      assert.equal(await body('h3'), undefined, 'a refused create writes no body');
      assert.deepEqual((await r.api.getUnit('a.service'))!.unit, record(unit('a.service', 'h2')));
      // An agent fetches by the hash its schedule names, old or new.
      const got = await r.agent.getBodies(new Map([['a.service', 'h1'], ['b.service', 'h1'], ['x.service', 'h2'], ['gone.service', 'h9']]));
      assert.deepEqual([...got].sort(), [['h1', unit('a.service', 'h1').text], ['h2', unit('a.service', 'h2').text]]);
      await assert.rejects(r.api.createUnit(unit('d.service', '../x')), InvalidNameError);
    });

    run('a unit written by an older fleetd (text only inline) is still readable and runnable', async (r) => {
      const legacy = unit('old.service', 'h7');
      await r.kv.txn([], [
        { type: 'put', key: r.layout.unit('old.service'), value: JSON.stringify({ name: legacy.name, options: legacy.options, text: legacy.text, hash: 'h7' }) },
        { type: 'put', key: r.layout.desired('old.service'), value: 'launched' },
      ]);
      assert.deepEqual(await r.api.getUnit('old.service'), { unit: record(legacy), desired: 'launched' });
      assert.deepEqual((await r.engine.snapshot()).units, [record(legacy)]);
      assert.deepEqual([...(await r.agent.getBodies(new Map([['old.service', 'h7']])))], [['h7', legacy.text]]);
      assert.deepEqual([...(await r.agent.getBodies(new Map([['old.service', 'h6']])))], [], 'inline text only for the hash the record has');
      // And what this version writes, a format-1 reader finds complete.
      await r.api.replaceUnit(unit('old.service', 'h8'));
      const raw = JSON.parse((await r.kv.get(r.layout.unit('old.service'))).kv!.value);
      assert.equal(raw.text, unit('old.service', 'h8').text);
      assert.equal(encodeUnit(unit('old.service', 'h8')), JSON.stringify(raw));
    });

    run('unit records of the format before bodies are upgraded in place, each only if unchanged', async (r) => {
      const legacy = (u: UnitWithText) => JSON.stringify({ name: u.name, options: u.options, text: u.text, hash: u.hash });
      const [a, b, c] = [unit('a.service', 'h1'), unit('b.service', 'h1'), unit('c.service', 'h2')];
      await r.kv.txn([], [
        { type: 'put', key: r.layout.unit('a.service'), value: legacy(a) },
        { type: 'put', key: r.layout.unit('b.service'), value: legacy(b) },
        { type: 'put', key: r.layout.unit('c.service'), value: legacy(c) },
        { type: 'put', key: r.layout.unit('bad.service'), value: '{"name":' },
      ]);
      await r.api.createUnit(unit('d.service', 'h4'));
      const dBefore = (await r.kv.get(r.layout.unit('d.service'))).kv;
      assert.deepEqual(await r.engine.upgradeUnitRecords(), { upgraded: 3, raced: 0 });
      for (const u of [a, b, c]) {
        assert.equal((await r.kv.get(r.layout.unit(u.name))).kv?.value, encodeUnit(u), `${u.name} in the current format`);
        assert.equal((await r.kv.get(r.layout.body(u.hash))).kv?.value, u.text, `body of ${u.name}`);
      }
      assert.deepEqual((await r.kv.get(r.layout.unit('d.service'))).kv, dBefore, 'current records are left alone');
      assert.deepEqual(await r.engine.upgradeUnitRecords(), { upgraded: 0, raced: 0 }, 'nothing left to do');
      assert.ok(h.warnings.some((w) => w.key === r.layout.unit('bad.service')), 'a corrupt record is reported, not rewritten');
      assert.deepEqual([...(await r.engine.snapshot()).bodies.keys()].sort(), ['h1', 'h2', 'h4']);
    });

    run('bodies nothing refers to are deleted, fenced, and only from a view that is still complete', async (r) => {
      const election = r.election({ machineId: 'm1', ttlSeconds: 5 });
      try {
        await election.start();
        const fence = election.fence()!;
        await r.api.createUnit(unit('a.service', 'h1'), 'launched');
        await r.api.createUnit(unit('b.service', 'h2'));
        await r.engine.applySchedule([{ type: 'put', entry: { machineId: 'm1', name: 'a.service', hash: 'h1', targetState: 'launched' } }], fence);
        await r.api.replaceUnit(unit('a.service', 'h3'));
        await r.api.destroyUnit('b.service');
        const snap = await r.engine.snapshot();
        assert.deepEqual([...snap.bodies.keys()].sort(), ['h1', 'h2', 'h3']);
        const view = { unitsBefore: snap.revision + 1n, scheduleBefore: snap.revision + 1n };
        const h2 = { hash: 'h2', revision: snap.bodies.get('h2')! };
        // A unit written after the view may refer to the body: nothing is deleted.
        await r.api.createUnit(unit('c.service', 'h2'));
        assert.deepEqual(await r.engine.deleteBodies([h2], view, fence), { deleted: 0, complete: false });
        await r.api.destroyUnit('c.service');
        const later = await r.engine.snapshot();
        const fresh = { unitsBefore: later.revision + 1n, scheduleBefore: later.revision + 1n };
        // A schedule entry written after the view, too.
        await r.engine.applySchedule([{ type: 'put', entry: { machineId: 'm2', name: 'x.service', hash: 'h2', targetState: 'launched' } }], fence);
        assert.deepEqual(await r.engine.deleteBodies([h2], fresh, fence), { deleted: 0, complete: false });
        await r.engine.applySchedule([{ type: 'delete', machineId: 'm2', name: 'x.service' }], fence);
        const now = await r.engine.snapshot();
        const current = { unitsBefore: now.revision + 1n, scheduleBefore: now.revision + 1n };
        assert.deepEqual(await r.engine.deleteBodies([{ hash: 'h2', revision: 1n }], current, fence), { deleted: 0, complete: false }, 'only the body that was seen');
        const stale = r.election({ machineId: 'm9', ttlSeconds: 5 });
        await election.resign({ stop: true });
        await stale.start();
        await assert.rejects(r.engine.deleteBodies([h2], current, fence), NotLeaderError);
        assert.deepEqual([...(await r.engine.snapshot()).bodies.keys()].sort(), ['h1', 'h2', 'h3'], 'nothing deleted so far');
        const fence2 = stale.fence()!;
        assert.deepEqual(await r.engine.deleteBodies([h2], current, fence2), { deleted: 1, complete: true });
        assert.deepEqual([...(await r.engine.snapshot()).bodies.keys()].sort(), ['h1', 'h3'], 'h1 stays while m1 is scheduled to run it');
        await stale.stop();
      } finally {
        await election.stop();
      }
    });

    run('a compare over a directory holds only if it holds for every key in it; an empty one compares as absent', async (r) => {
      const dir = `${r.layout.prefix}cmp/`;
      const older = await r.kv.txn([], [{ type: 'put', key: `${dir}a`, value: '1' }]);
      const since = (rev: bigint) => ({ key: dir, prefix: true, target: 'mod' as const, result: 'less' as const, value: rev });
      assert.equal((await r.kv.txn([since(older.revision + 1n)], [])).succeeded, true);
      await r.kv.txn([], [{ type: 'put', key: `${dir}b`, value: '1' }]);
      assert.equal((await r.kv.txn([since(older.revision + 1n)], [])).succeeded, false, 'b was written since');
      assert.equal((await r.kv.txn([{ key: `${r.layout.prefix}empty/`, prefix: true, target: 'mod', result: 'less', value: 1n }], [])).succeeded, true);
      assert.equal((await r.kv.txn([{ key: `${r.layout.prefix}empty/`, prefix: true, target: 'create', result: 'greater', value: 0n }], [])).succeeded, false);
    });

    run('names that could escape their key are refused before anything is written', async (r) => {
      await assert.rejects(r.api.createUnit(unit('../x.service')), InvalidNameError);
      await assert.rejects(r.api.setMachineMetadata('m1', 'a/b', 'x'), InvalidNameError);
      await assert.rejects(r.agent.announce(machine('m/1'), { ttlSeconds: 5 }), InvalidNameError);
      assert.deepEqual((await r.kv.list(r.layout.prefix)).kvs, []);
    });

    run('snapshot at revision R, then watch from R+1 delivers every later change in order', async (r) => {
      await r.api.createUnit(unit('a.service'));
      const snap = await r.engine.snapshot();
      assert.deepEqual(snap.units.map((u) => u.name), ['a.service']);
      const seen: RegistryEvent[] = [];
      const sub = r.engine.watchCluster(snap.revision + 1n, { onEvents: (e) => seen.push(...e), onResync: () => assert.fail('no resync expected') });
      try {
        await r.api.setDesiredState('a.service', 'launched');
        await r.api.createUnit(unit('b.service'));
        await r.api.destroyUnit('a.service');
        await eventually(h, async () => assert.equal(seen.length, 5));
        // Each directory is its own watch: order holds per directory, so compare in (revision, op) order.
        const rank = (e: RegistryEvent): number => ['unit', 'desired'].indexOf(e.kind);
        const ordered = [...seen].sort((a, b) => (a.revision < b.revision ? -1 : a.revision > b.revision ? 1 : rank(a) - rank(b)));
        assert.deepEqual(
          ordered.map((e) => [e.kind, 'name' in e ? e.name : '', e.kind === 'desired' ? e.desired : e.kind === 'unit' ? e.unit?.hash : '']),
          [
            ['desired', 'a.service', 'launched'],
            ['unit', 'b.service', 'h1'],
            ['desired', 'b.service', 'inactive'],
            ['unit', 'a.service', undefined],
            ['desired', 'a.service', undefined],
          ],
        );
        for (const kind of ['unit', 'desired']) {
          const revs = seen.filter((e) => e.kind === kind).map((e) => e.revision);
          assert.deepEqual([...revs].sort((a, b) => (a < b ? -1 : 1)), revs, `${kind} events in revision order`);
        }
        assert.ok(ordered[0]!.revision > snap.revision);
      } finally {
        await sub.close();
      }
    });

    run('the engine view leaves out unit states and the leader key: not listed, not watched', async (r) => {
      const p = await r.agent.announce(machine('m1'), { ttlSeconds: 5 });
      const election = r.election({ machineId: 'm1', ttlSeconds: 5 });
      try {
        await r.api.createUnit(unit('a.service'), 'launched');
        await r.agent.publishStates(p, [state('a.service', 'm1')]);
        const snap = await r.engine.snapshot();
        assert.equal('states' in snap, false, 'no states in the engine snapshot');
        assert.deepEqual(snap.units.map((u) => u.name), ['a.service']);
        assert.deepEqual(snap.machines.map((m) => m.id), ['m1']);
        const seen: RegistryEvent[] = [];
        const sub = r.engine.watchCluster(snap.revision + 1n, { onEvents: (e) => seen.push(...e), onResync: () => assert.fail('no resync expected') });
        try {
          await election.start();
          const fence = election.fence();
          assert.ok(fence);
          await r.agent.publishStates(p, [state('a.service', 'm1', 'inactive')]);
          await r.api.setMachineMetadata('m1', 'disk', 'ssd');
          await r.engine.applySchedule([{ type: 'put', entry: { machineId: 'm1', name: 'a.service', hash: 'h1', targetState: 'launched' } }], fence);
          await r.agent.publishStates(p, [state('a.service', 'm1', 'active')]);
          await r.api.setDesiredState('a.service', 'loaded');
          await eventually(h, async () => assert.deepEqual(seen.map((e) => e.kind).sort(), ['desired', 'machineMetadata', 'schedule']));
          await h.advance(200);
          assert.deepEqual(seen.map((e) => e.kind).sort(), ['desired', 'machineMetadata', 'schedule'], 'no state or leader events, ever');
        } finally {
          await sub.close();
        }
      } finally {
        await election.stop();
        await p.stop();
      }
    });

    run('machine presence: record on a lease, own-schedule watch, states on the lease, graceful stop', async (r) => {
      const p1 = await r.agent.announce(machine('m1', { region: 'eu' }), { ttlSeconds: 5 });
      const p10 = await r.agent.announce(machine('m10'), { ttlSeconds: 5 });
      try {
        assert.deepEqual((await r.api.listMachines()).map((m) => m.id), ['m1', 'm10']);
        const election = r.election({ machineId: 'm1', ttlSeconds: 5 });
        await election.start();
        const fence = election.fence();
        assert.ok(fence, 'the only candidate leads');
        const { entries, revision } = await r.agent.listSchedule('m1');
        assert.deepEqual(entries, []);
        const seen: RegistryEvent[] = [];
        const sub = r.agent.watchSchedule('m1', revision + 1n, { onEvents: (e) => seen.push(...e), onResync: () => assert.fail('no resync') });
        await r.api.createUnit(unit('a.service'), 'launched');
        await r.engine.applySchedule(
          [
            { type: 'put', entry: { machineId: 'm10', name: 'b.service', hash: 'h1', targetState: 'launched' } },
            { type: 'put', entry: { machineId: 'm1', name: 'a.service', hash: 'h1', targetState: 'launched' } },
          ],
          fence,
        );
        await eventually(h, async () => assert.equal(seen.length, 1));
        assert.deepEqual(seen[0], { revision: seen[0]!.revision, kind: 'schedule', machineId: 'm1', name: 'a.service', entry: { machineId: 'm1', name: 'a.service', hash: 'h1', targetState: 'launched' } });
        await sub.close();
        await election.stop();

        const bodies = await r.agent.getBodies(new Map([['a.service', 'h1'], ['missing.service', 'h9']]));
        assert.deepEqual([...bodies], [['h1', unit('a.service').text]]);

        await r.agent.publishStates(p1, [state('a.service', 'm1'), state('b.service', 'm1')]);
        await r.agent.publishStates(p10, [state('a.service', 'm10')]);
        await assert.rejects(r.agent.publishStates(p1, [state('a.service', 'm10')]), RangeError);
        assert.deepEqual((await r.api.listStates()).map((s) => `${s.name}/${s.machineId}`), ['a.service/m1', 'a.service/m10', 'b.service/m1']);
        assert.deepEqual((await r.api.listStates({ names: ['a.service'] })).map((s) => s.machineId), ['m1', 'm10']);
        await r.agent.deleteStates('m1', ['a.service']);
        assert.deepEqual((await r.api.listStates()).map((s) => `${s.name}/${s.machineId}`), ['a.service/m10', 'b.service/m1']);

        await p1.stop();
        assert.deepEqual((await r.api.listMachines()).map((m) => m.id), ['m10']);
        assert.deepEqual((await r.api.listStates()).map((s) => `${s.name}/${s.machineId}`), ['a.service/m10'], 'states go with the lease');
      } finally {
        await p1.stop();
        await p10.stop();
      }
    });

    run('a dead agent: machine and states vanish when its lease expires; a new lease re-registers', async (r) => {
      const p = await r.agent.announce(machine('m1'), { ttlSeconds: 1 });
      try {
        await r.agent.publishStates(p, [state('a.service', 'm1')]);
        const oldLease = p.leaseId;
        await r.kv.revokeLease(oldLease); // what etcd does when the TTL passes unrefreshed
        assert.deepEqual(await r.api.listStates(), []);
        // Writes bound to the dead lease fail with a typed error (never a silent success).
        await assert.rejects(
          r.kv.txn([], [{ type: 'put', key: r.layout.state('a.service', 'm1'), value: '{}', lease: oldLease }]),
          LeaseLostError,
        );
        let reregistered = '';
        p.on('reregistered', (id) => (reregistered = id));
        await eventually(h, async () => assert.notEqual(reregistered, ''), 5000);
        assert.notEqual(reregistered, oldLease);
        assert.deepEqual((await r.api.listMachines()).map((m) => m.id), ['m1']);
        await r.agent.publishStates(p, [state('a.service', 'm1')]);
        assert.equal((await r.api.listStates()).length, 1);
      } finally {
        await p.stop({ graceful: false });
      }
      await eventually(h, async () => assert.deepEqual(await r.api.listMachines(), []), 5000);
      assert.deepEqual(await r.api.listStates(), []);
    });

    run('a second fleetd with the same machine id waits; a restart of the same instance takes over at once', async (r) => {
      const first = await r.agent.announce({ ...machine('m1'), publicIP: '10.0.0.1', instance: 'aaaa' }, { ttlSeconds: 5 });
      // Same instance (fleetd restarted on the same host): registers on its new lease at once.
      const restarted = await r.agent.announce({ ...machine('m1'), instance: 'aaaa' }, { ttlSeconds: 5 });
      await first.stop({ graceful: false });
      const duplicates: string[] = [];
      const abort = new AbortController();
      const other = r.agent.announce({ ...machine('m1'), publicIP: '10.0.0.2', instance: 'bbbb' }, { ttlSeconds: 5, signal: abort.signal, onDuplicate: (e) => duplicates.push(e.message) });
      let registered = false;
      void other.then(() => (registered = true), () => undefined);
      await eventually(h, async () => assert.ok(duplicates.length > 0), 5000);
      assert.match(duplicates[0]!, /machine id m1 is already registered by another fleetd/);
      assert.equal(registered, false, 'the duplicate does not register');
      assert.equal((await r.api.listMachines())[0]!.publicIP, '127.0.0.1', 'the registered record is untouched');
      await restarted.stop({ graceful: true });
      await eventually(h, async () => assert.ok(registered), 10_000);
      assert.equal((await r.api.listMachines())[0]!.publicIP, '10.0.0.2');
      await (await other).stop();
    });

    run('dynamic metadata merges over announced metadata and outlives the machine', async (r) => {
      const p = await r.agent.announce(machine('m1', { region: 'eu', disk: 'ssd' }), { ttlSeconds: 5 });
      await r.api.setMachineMetadata('m1', 'region', 'us');
      await r.api.deleteMachineMetadata('m1', 'disk');
      await assert.rejects(r.api.setMachineMetadata('m1', 'x', ''), RangeError);
      assert.deepEqual((await r.api.listMachines())[0]!.metadata, { region: 'us' });
      await p.stop();
      assert.deepEqual(await r.api.listMachines(), []);
      const p2 = await r.agent.announce(machine('m1', { region: 'eu', disk: 'ssd' }), { ttlSeconds: 5 });
      assert.deepEqual((await r.api.listMachines())[0]!.metadata, { region: 'us' });
      const snap = await r.engine.snapshot();
      assert.deepEqual([...snap.machineMetadata.get('m1')!.entries()], [['disk', ''], ['region', 'us']]);
      await p2.stop();
    });

    run('fenced schedule writes: big batches are split; a stale fence writes nothing', async (r) => {
      const a = r.election({ machineId: 'ma', ttlSeconds: 5 });
      await a.start();
      const fence = a.fence()!;
      const ops = Array.from({ length: 300 }, (_, i) => ({
        type: 'put' as const,
        entry: { machineId: 'm1', name: `u${String(i).padStart(3, '0')}.service`, hash: 'h', targetState: 'launched' as const },
      }));
      await r.engine.applySchedule(ops, fence);
      assert.equal((await r.api.listSchedule()).length, 300);
      await r.engine.applySchedule([], fence);
      await a.resign({ stop: true });
      assert.equal(a.isLeader, false);
      const b = r.election({ machineId: 'mb', ttlSeconds: 5 });
      await b.start();
      assert.ok(b.isLeader);
      const before = await r.kv.list(r.layout.scheduleAll());
      await assert.rejects(r.engine.applySchedule([{ type: 'delete', machineId: 'm1', name: 'u000.service' }], fence), NotLeaderError);
      // Same machine id re-elected later still cannot use its old fence (create revision differs).
      await b.stop();
      const a2 = r.election({ machineId: 'ma', ttlSeconds: 5 });
      await a2.start();
      assert.ok(a2.isLeader);
      await assert.rejects(r.engine.applySchedule([{ type: 'delete', machineId: 'm1', name: 'u000.service' }], fence), NotLeaderError);
      assert.deepEqual((await r.kv.list(r.layout.scheduleAll())).kvs, before.kvs);
      await r.engine.applySchedule([{ type: 'delete', machineId: 'm1', name: 'u000.service' }], a2.fence()!);
      assert.equal((await r.api.listSchedule()).length, 299);
      await a2.stop();
    });

    run('unplaced records: fenced puts and deletes, listed by the engine, read by the API', async (r) => {
      const a = r.election({ machineId: 'ma', ttlSeconds: 5 });
      await a.start();
      const fence = a.fence()!;
      const rec = (name: string) => ({ name, hash: 'h', status: 'unschedulable' as const, message: '0 of 1 machines eligible: 1 by Cordon (cordoned)', explanation: { unit: name, machines: 1 } });
      await r.engine.applyUnplaced([{ type: 'put', record: rec('a.service') }, { type: 'put', record: rec('b.service') }], fence);
      assert.deepEqual(await r.engine.listUnplaced(), [rec('a.service'), rec('b.service')]);
      assert.deepEqual(await r.api.getUnplaced('b.service'), rec('b.service'));
      await r.engine.applyUnplaced([{ type: 'delete', name: 'a.service' }], fence);
      assert.equal(await r.api.getUnplaced('a.service'), undefined);
      await a.resign({ stop: true });
      await assert.rejects(r.engine.applyUnplaced([{ type: 'delete', name: 'b.service' }], fence), NotLeaderError);
      assert.deepEqual(await r.engine.listUnplaced(), [rec('b.service')]);
    });

    run('watchChanges: every change of the cluster in revision order with its previous value; the engine\'s reasons in the same revision; 410-able', async (r) => {
      const start = (await r.api.headRevision()) + 1n;
      const seen: RegistryChange[] = [];
      const sub = r.api.watchChanges(start, { onEvents: (c) => seen.push(...c), onResync: () => assert.fail('no resync expected') });
      const a = r.election({ machineId: 'ma', ttlSeconds: 5 });
      try {
        await r.api.createUnit(unit('a.service'));
        await r.api.replaceUnit(unit('a.service', 'h2'));
        await a.start();
        const fence = a.fence()!;
        const entry = { machineId: 'm1', name: 'a.service', hash: 'h2', targetState: 'launched' as const };
        await r.engine.applySchedule([{ type: 'put', entry, reason: 'placed' }], fence);
        await r.engine.applySchedule([{ type: 'delete', machineId: 'm1', name: 'a.service', reason: 'machine m1 went away' }], fence);
        await r.tokens.createToken({ id: '0123456789abcdef', name: 't', role: 'read', salt: '00', hash: '00', createdAt: 1 });
        await r.api.destroyUnit('a.service');
        await eventually(h, async () => assert.equal(seen.filter((c) => c.event.kind === 'unit').length, 3));
        const revs = seen.map((c) => c.event.revision);
        assert.deepEqual([...revs].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)), revs, 'one watch: revision order');
        assert.ok(revs[0]! >= start);
        const brief = seen.filter((c) => c.event.kind !== 'body').map(({ event: e, before: b }) => {
          const now = e.kind === 'unit' ? e.unit?.hash : e.kind === 'schedule' ? e.entry?.hash : e.kind === 'decisions' ? e.decisions?.decisions.map((d) => `${d.kind}:${d.reason}`).join() : e.kind === 'leader' ? e.machineId : e.kind === 'desired' ? e.desired : '';
          const was = b?.kind === 'unit' ? b.unit?.hash : b?.kind === 'schedule' ? b.entry?.hash : b?.kind === 'desired' ? b.desired : b === undefined ? '-' : '';
          return `${e.kind} ${now ?? 'gone'} ${was ?? 'gone'}`;
        });
        assert.deepEqual(brief, [
          'unit h1 -',
          'desired inactive -',
          'unit h2 h1',
          'leader ma -',
          'schedule h2 -',
          'schedule gone h2',
          'decisions unschedule:machine m1 went away -',
          'unit gone h2',
          'desired gone inactive',
        ]);
        const placed = seen.find((c) => c.event.kind === 'schedule' && c.event.entry !== undefined)!.event;
        assert.equal(placed.kind === 'schedule' ? placed.entry?.reason : undefined, 'placed', "a placement's reason is in its entry");
        const at = (kind: string) => seen.filter((c) => c.event.kind === kind).map((c) => c.event.revision);
        assert.deepEqual(at('decisions'), at('schedule').slice(1), "an unschedule's reason shares its revision");
      } finally {
        await sub.close();
        await a.stop();
      }
      await r.kv.compact(await r.api.headRevision());
      assert.equal(await r.api.isCompacted(start), true);
      assert.equal(await r.api.isCompacted(await r.api.headRevision()), false);
      const resyncs: string[] = [];
      const late = r.api.watchChanges(start, { onEvents: () => assert.fail('no events from a compacted revision'), onResync: (why) => resyncs.push(why) });
      try {
        await eventually(h, async () => assert.deepEqual(resyncs, ['compacted']));
      } finally {
        await late.close();
      }
    });

    run('election: exactly one of three candidates leads; resigning hands over', async (r) => {
      const cs = ['m1', 'm2', 'm3'].map((id) => r.election({ machineId: id, ttlSeconds: 5 }));
      try {
        await Promise.all(cs.map((c) => c.start()));
        await eventually(h, async () => assert.equal(cs.filter((c) => c.isLeader).length, 1));
        const leader = cs.find((c) => c.isLeader)!;
        let deposed = '';
        leader.on('deposed', (reason) => (deposed = reason));
        await leader.resign({ stop: true });
        assert.equal(deposed, 'resigned');
        await eventually(h, async () => assert.equal(cs.filter((c) => c.isLeader).length, 1));
        assert.notEqual(cs.find((c) => c.isLeader), leader);
        for (const c of cs) if (c !== leader) assert.equal(c.currentLeader(), cs.find((x) => x.isLeader)!.fence()!.machineId);
      } finally {
        await Promise.all(cs.map((c) => c.stop()));
      }
    });

    run('follow() re-lists when its watch start revision was compacted', async (r) => {
      await r.api.createUnit(unit('a.service'));
      const stale = await r.engine.snapshot();
      await r.api.createUnit(unit('b.service'));
      await r.api.setDesiredState('a.service', 'launched');
      const now = await r.engine.snapshot();
      await r.kv.compact(now.revision);
      let lists = 0;
      const snapshots: ClusterSnapshot[] = [];
      const resyncs: string[] = [];
      const events: RegistryEvent[] = [];
      const sub = follow<ClusterSnapshot, RegistryEvent>(
        {
          // The first list pretends to be old, so its watch starts below the compaction point.
          list: async () => (lists++ === 0 ? stale : r.engine.snapshot()),
          watch: (from, l) => r.engine.watchCluster(from, l),
        },
        { onSnapshot: (s) => snapshots.push(s), onEvents: (e) => events.push(...e), onResync: (why) => resyncs.push(why) },
      );
      try {
        await eventually(h, async () => assert.equal(snapshots.length, 2));
        assert.deepEqual(resyncs, ['compacted']);
        assert.deepEqual(snapshots[1]!.units.map((u) => u.name), ['a.service', 'b.service']);
        assert.equal(snapshots[1]!.desired.get('a.service'), 'launched');
        await r.api.createUnit(unit('c.service'));
        await eventually(h, async () => assert.ok(events.some((e) => e.kind === 'unit' && e.name === 'c.service')));
      } finally {
        await sub.close();
      }
    });

    run('corrupt values are reported and treated as absent', async (r) => {
      await r.api.createUnit(unit('a.service'));
      await r.kv.txn([], [
        { type: 'put', key: r.layout.unit('bad.service'), value: '{not json' },
        { type: 'put', key: r.layout.desired('a.service'), value: 'sideways' },
      ]);
      const snap = await r.engine.snapshot();
      assert.deepEqual(snap.units.map((u) => u.name), ['a.service']);
      assert.equal(snap.desired.has('a.service'), false);
      assert.deepEqual((await r.api.listUnits()).map((u) => [u.unit.name, u.desired]), [['a.service', 'inactive']]);
      assert.ok(h.warnings.length >= 2);
      assert.ok(h.warnings.every((w) => w instanceof CorruptRecordError));
    });
  });
}

// --- the two registries -----------------------------------------------------

forEachRegistry('t', registryContract);
