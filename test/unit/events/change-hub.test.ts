/**
 * The shared watch of event streams: N followers, one store watch; a
 * follower resuming from a recent revision is served from memory, one
 * asking for older history gets a watch of its own; a compacted shared
 * watch ends every follower (410 upstream) and the next one starts afresh;
 * the watch stops a while after the last follower left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/clock.js';
import { ChangeHub } from '../../../src/events/index.js';
import { createRegistry, type RegistryChange, type ResyncReason } from '../../../src/registry/index.js';
import { WatchCountingKv } from '../../support/watch-counting-kv.js';
import { buildUnit } from '../../../src/units/index.js';
import { waitFor } from '../../support/wait.js';

const unit = (name: string) => {
  const u = buildUnit(name, '[Service]\nExecStart=/bin/true\n');
  return { name: u.name, options: u.options, text: u.text, hash: u.hash };
};

/** A follower that records the revisions it was given and how it ended. */
function follower() {
  const revisions: bigint[] = [];
  let resync: ResyncReason | undefined;
  return {
    revisions,
    get resync() {
      return resync;
    },
    listener: {
      onEvents: (changes: readonly RegistryChange[]) => {
        for (const c of changes) revisions.push(c.event.revision);
      },
      onResync: (reason: ResyncReason) => {
        resync = reason;
      },
    },
  };
}

async function setup() {
  const kv = new WatchCountingKv();
  const reg = createRegistry(kv);
  const clock = new ManualClock(0);
  const hub = new ChangeHub(reg.api, { keepChanges: 6, lingerMs: 30_000, clock });
  const head = async () => reg.api.headRevision();
  return { kv, reg, clock, hub, head };
}

test('ChangeHub: five followers share one store watch and each gets every change from its revision, in order', async () => {
  const { kv, reg, hub, head } = await setup();
  const from = (await head()) + 1n;
  const fs = Array.from({ length: 5 }, () => follower());
  const subs = fs.map((f) => hub.watchChanges(from, f.listener));
  await reg.api.createUnit(unit('a.service'));
  await reg.api.setDesiredState('a.service', 'launched');
  const last = await head();
  await waitFor('every follower at the last revision', async () => fs.every((f) => f.revisions.at(-1) === last));
  assert.equal(kv.openedOn(), 1, 'one store watch for five followers');
  for (const f of fs) assert.deepEqual(f.revisions, fs[0]!.revisions);
  assert.deepEqual([...new Set(fs[0]!.revisions)], [from, last]);
  await Promise.all(subs.map((s) => s.close()));
  await hub.close();
  assert.equal(kv.openOn(), 0);
});

test('ChangeHub: a follower resuming from a recent revision is served from memory, then live; older history gets its own watch', async () => {
  const { kv, reg, hub, head } = await setup();
  const start = (await head()) + 1n;
  const first = follower();
  const s1 = hub.watchChanges(start, first.listener);
  for (const n of ['a', 'b', 'c', 'd', 'e']) await reg.api.createUnit(unit(`${n}.service`));
  await waitFor('the first follower saw five units', async () => new Set(first.revisions).size === 5);
  const revs = [...new Set(first.revisions)];
  // keepChanges is 6 (two changes per created unit: record and desired state): the last three revisions are kept.
  const resumed = follower();
  const s2 = hub.watchChanges(revs[3]!, resumed.listener);
  await reg.api.createUnit(unit('f.service'));
  const last = await head();
  await waitFor('the resumed follower is live', async () => resumed.revisions.at(-1) === last);
  assert.deepEqual([...new Set(resumed.revisions)], [revs[3], revs[4], last]);
  assert.equal(kv.openedOn(), 1, 'resumed from memory, no second store watch');
  assert.deepEqual(hub.load, { shared: 2, own: 0, watching: true });

  const old = follower();
  const s3 = hub.watchChanges(revs[0]!, old.listener);
  await waitFor('the old follower caught up', async () => old.revisions.at(-1) === last);
  assert.deepEqual([...new Set(old.revisions)], [...revs, last]);
  assert.equal(kv.openedOn(), 2, 'history the hub no longer keeps: a watch of its own');
  assert.deepEqual(hub.load, { shared: 2, own: 1, watching: true });
  await Promise.all([s1.close(), s2.close(), s3.close()]);
  assert.equal(kv.openOn(), 1, 'the shared watch lingers');
  await hub.close();
});

test('ChangeHub: a compacted shared watch ends every follower after what it had; the next follower starts a new watch', async () => {
  const { kv, reg, hub, head } = await setup();
  const fs = [follower(), follower()];
  const from = (await head()) + 1n;
  for (const f of fs) hub.watchChanges(from, f.listener);
  await reg.api.createUnit(unit('a.service'));
  const seen = await head();
  await waitFor('both saw the unit', async () => fs.every((f) => f.revisions.at(-1) === seen));
  // The store drops the shared watch as etcd does when it lagged behind a compaction.
  kv.dropWatches('compacted');
  await waitFor('both told', async () => fs.every((f) => f.resync === 'compacted'));
  assert.equal(hub.load.watching, false);
  const next = follower();
  const s = hub.watchChanges((await head()) + 1n, next.listener);
  await reg.api.createUnit(unit('b.service'));
  const last = await head();
  await waitFor('the next follower is live', async () => next.revisions.at(-1) === last);
  assert.equal(kv.openedOn(), 2);
  await s.close();
  await hub.close();
});

test('ChangeHub: the watch stops lingerMs after the last follower left, and not while one is back', async () => {
  const { kv, clock, hub, head } = await setup();
  const a = hub.watchChanges((await head()) + 1n, follower().listener);
  await a.close();
  assert.equal(kv.openOn(), 1);
  await clock.advance(20_000);
  const b = hub.watchChanges((await head()) + 1n, follower().listener);
  await clock.advance(20_000);
  assert.equal(kv.openOn(), 1, 'a follower came back within the linger time');
  await b.close();
  await clock.advance(29_999);
  assert.equal(kv.openOn(), 1);
  await clock.advance(1);
  await waitFor('the store watch closed', async () => kv.openOn() === 0);
  assert.equal(kv.openedOn(), 1);
  await hub.close();
});
