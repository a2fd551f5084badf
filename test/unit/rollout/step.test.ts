import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRollout, encodeRollout } from '../../../src/registry/index.js';
import { DEFAULT_ROLLOUT_SETTINGS, judgeTarget, naturalCompare, type RolloutRecord, type RolloutSettings } from '../../../src/rollout/index.js';
import { Sim, type SimOptions } from './sim.js';

const FROM = 'a'.repeat(40);
const TO = 'b'.repeat(40);

function pending(group: string, kind: RolloutRecord['kind'], settings: Partial<RolloutSettings> = {}): RolloutRecord {
  return {
    group,
    kind,
    fromHash: FROM,
    toHash: TO,
    settings: { ...DEFAULT_ROLLOUT_SETTINGS, minHealthyTimeMs: 3000, healthyDeadlineMs: 60_000, ...settings },
    phase: 'pending',
    paused: false,
    undoRequested: false,
    createdAt: 0,
    updatedAt: 0,
    members: [],
    targets: [],
    batches: [],
  };
}

function web(n: number, settings: Partial<RolloutSettings> = {}, extra: Partial<SimOptions> = {}): Sim {
  const placement = new Map(Array.from({ length: n }, (_, i) => [`web@${i + 1}.service`, `m${(i % 3) + 1}`] as const));
  return new Sim(pending('web@.service', 'template', settings), { placement, fromHash: FROM, template: 'web@.service', ...extra });
}

describe('stepRollout', () => {
  test('6 instances, max_parallel 2: three batches of two, never more than two down, records rewritten at the end', () => {
    const sim = web(6, { maxParallel: 2 });
    let worst = 0;
    const rec = sim.runToEnd(1000, () => (worst = Math.max(worst, sim.down())));
    assert.equal(rec.phase, 'done');
    assert.ok(worst <= 2 && worst > 0, `at most 2 down (saw ${worst})`);
    assert.deepEqual(rec.batches.map((b) => [b.kind, b.state, b.targets.join(' ')]), [
      ['update', 'healthy', 'web@1.service web@2.service'],
      ['update', 'healthy', 'web@3.service web@4.service'],
      ['update', 'healthy', 'web@5.service web@6.service'],
    ]);
    assert.ok(rec.targets.every((t) => t.status === 'healthy'));
    assert.deepEqual([...sim.records.values()], Array(7).fill(TO), 'template and instances carry the new text');
    assert.ok([...sim.units.values()].every((u) => u.hash === TO));
    assert.deepEqual(sim.kinds(), ['started', 'batchStarted 0', 'batchHealthy 0', 'batchStarted 1', 'batchHealthy 1', 'batchStarted 2', 'batchHealthy 2', 'done']);
  });

  test('a batch is healthy only after min_healthy_time of running', () => {
    const sim = web(1, { minHealthyTimeMs: 5000 });
    sim.step(); // start + batch 0
    sim.step(); // agent started it
    const started = sim.now;
    while (sim.record.batches[0]!.state === 'running') sim.step();
    assert.ok(sim.now - started >= 5000, `healthy after ${sim.now - started} ms`);
  });

  test('a broken text stops the rollout after its first batch; the rest is untouched', () => {
    const sim = web(6, { maxParallel: 2 }, { broken: new Set([TO]) });
    const rec = sim.runToEnd();
    assert.equal(rec.phase, 'failed');
    assert.equal(rec.batches.length, 1);
    assert.equal(rec.batches[0]!.state, 'failed');
    assert.match(rec.message!, /batch 0 failed: web@1\.service on m1 failed \(failed\/failed\).*stopped with 4 of 6 target\(s\) still on the previous text/);
    assert.deepEqual(rec.targets.map((t) => t.status), ['failed', 'failed', 'pending', 'pending', 'pending', 'pending']);
    for (const i of [3, 4, 5, 6]) assert.equal(sim.restarts.get(`web@${i}.service\0m${((i - 1) % 3) + 1}`), undefined, `web@${i} untouched`);
    // Nothing more happens on later passes.
    const before = sim.record;
    sim.step();
    assert.equal(sim.record, before);
  });

  test('auto_revert: the failed batch goes back to the previous text, the untouched instances are never restarted', () => {
    const sim = web(6, { maxParallel: 2, autoRevert: true }, { broken: new Set([TO]) });
    let worst = 0;
    const rec = sim.runToEnd(1000, () => (worst = Math.max(worst, sim.down())));
    assert.equal(rec.phase, 'reverted');
    assert.ok(worst <= 2);
    assert.match(rec.message!, /reverted after batch 0 failed/);
    assert.ok([...sim.units.values()].every((u) => u.hash === FROM && u.activeState === 'active'));
    assert.deepEqual([...sim.restarts.keys()].sort(), ['web@1.service\0m1', 'web@2.service\0m2']);
    assert.deepEqual([...sim.records.values()], Array(7).fill(FROM), 'records never changed');
    assert.deepEqual(sim.kinds(), ['started', 'batchStarted 0', 'batchFailed 0', 'reverting', 'batchStarted 1', 'batchReverted 1', 'reverted']);
  });

  test('healthy_deadline: a batch that is not healthy in time fails, naming what it waited for', () => {
    const sim = web(2, { healthyDeadlineMs: 10_000 }, { startTicks: () => 1000 });
    const rec = sim.runToEnd();
    assert.equal(rec.phase, 'failed');
    assert.match(rec.batches[0]!.reason!, /not healthy within 10s: web@1\.service on m1 \(activating\/start\)/);
  });

  test('pause holds the next batch; resume continues', () => {
    const sim = web(4, { maxParallel: 1 });
    sim.step();
    sim.record = { ...sim.record, paused: true };
    for (let i = 0; i < 30; i++) sim.step();
    assert.equal(sim.record.batches.length, 1, 'the running batch finished, no new one');
    assert.equal(sim.record.batches[0]!.state, 'healthy');
    sim.record = { ...sim.record, paused: false };
    assert.equal(sim.runToEnd().phase, 'done');
  });

  test('undo of a done rollout puts the previous text back, batch by batch, and the records too', () => {
    const sim = web(3, { maxParallel: 2 });
    sim.runToEnd();
    sim.record = { ...sim.record, undoRequested: true };
    let worst = 0;
    for (let i = 0; i < 200 && sim.record.phase !== 'reverted'; i++) {
      sim.step();
      worst = Math.max(worst, sim.down());
    }
    assert.equal(sim.record.phase, 'reverted');
    assert.ok(worst <= 2);
    assert.deepEqual([...sim.records.values()], Array(4).fill(FROM));
    assert.ok([...sim.units.values()].every((u) => u.hash === FROM));
  });

  test('undo while pending changes nothing', () => {
    const sim = web(3);
    sim.record = { ...sim.record, undoRequested: true };
    sim.step();
    assert.equal(sim.record.phase, 'reverted');
    assert.equal(sim.restarts.size, 0);
  });

  test('a global unit goes machine by machine', () => {
    const sim = new Sim(pending('g.service', 'global'), { placement: new Map(), fromHash: FROM, global: { name: 'g.service', machines: ['m1', 'm2', 'm3'] } });
    let worst = 0;
    const rec = sim.runToEnd(1000, () => (worst = Math.max(worst, sim.down())));
    assert.equal(rec.phase, 'done');
    assert.equal(worst, 1);
    assert.deepEqual(rec.batches.map((b) => b.targets), [['m1'], ['m2'], ['m3']]);
  });

  test('a new leader continues from the stored record (codec round trip mid-rollout)', () => {
    const sim = web(6, { maxParallel: 2 });
    for (let i = 0; i < 6; i++) sim.step();
    sim.record = decodeRollout('k', encodeRollout(sim.record));
    assert.equal(sim.runToEnd().phase, 'done');
    assert.equal(sim.record.batches.length, 3);
  });

  test('property: at most max_parallel targets are ever down, and every run ends as its texts say', () => {
    let seed = 42;
    const rnd = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    for (let run = 0; run < 300; run++) {
      const n = 1 + Math.floor(rnd() * 12);
      const k = 1 + Math.floor(rnd() * 4);
      const broken = rnd() < 0.3;
      const autoRevert = rnd() < 0.5;
      const sim = web(n, { maxParallel: k, autoRevert, minHealthyTimeMs: 1000 + Math.floor(rnd() * 3) * 1000, healthyDeadlineMs: 30_000 }, {
        ...(broken ? { broken: new Set([TO]) } : {}),
        startTicks: () => 1 + Math.floor(rnd() * 5),
      });
      const label = `run ${run}: n=${n} k=${k} broken=${broken} autoRevert=${autoRevert}`;
      const rec = sim.runToEnd(5000, () => assert.ok(sim.down() <= k, `${label}: ${sim.down()} down at tick ${sim.tick}`));
      if (!broken) {
        assert.equal(rec.phase, 'done', label);
        assert.ok([...sim.units.values()].every((u) => u.hash === TO), label);
      } else if (autoRevert) {
        assert.equal(rec.phase, 'reverted', label);
        assert.ok([...sim.units.values()].every((u) => u.hash === FROM && u.activeState === 'active'), label);
      } else {
        assert.equal(rec.phase, 'failed', label);
        assert.ok(rec.targets.filter((t) => t.status !== 'pending').length <= k, label);
      }
    }
  });
});

describe('judgeTarget', () => {
  const t = { unit: 'a.service', machine: 'm1', fromHash: FROM, status: 'updating' as const };
  const obs = (activeState: 'active' | 'activating' | 'failed', timestamp: number, subState = activeState === 'active' ? 'running' : 'start') => ({ hash: TO, activeState, subState, timestamp });
  test('another text or no report: waiting', () => {
    assert.equal(judgeTarget(t, TO, undefined, 0, 1000).verdict, 'waiting');
    assert.equal(judgeTarget(t, TO, { ...obs('active', 1), hash: FROM }, 0, 1000).verdict, 'waiting');
  });
  test('Type=notify before READY (activating) is not healthy however long', () => {
    assert.equal(judgeTarget(t, TO, obs('activating', 1), 100_000, 1000).verdict, 'waiting');
  });
  test('leaving running, or a new report while running, counts as a restart; three restarts is flapping', () => {
    let cur = judgeTarget(t, TO, obs('active', 1), 0, 10_000).target;
    cur = judgeTarget(cur, TO, obs('activating', 2), 1000, 10_000).target;
    cur = judgeTarget(cur, TO, obs('active', 3), 2000, 10_000).target;
    cur = judgeTarget(cur, TO, obs('active', 4), 3000, 10_000).target;
    assert.equal(cur.restarts, 2);
    const v = judgeTarget(cur, TO, obs('activating', 5), 4000, 10_000);
    assert.equal(v.verdict, 'failed');
    assert.match((v as { reason: string }).reason, /a\.service on m1 is flapping/);
  });
  test('a non-service unit is running when active', () => {
    const sock = { ...t, unit: 'a.socket' };
    assert.equal(judgeTarget(sock, TO, obs('active', 1, 'listening'), 0, 0).verdict, 'healthy');
  });
});

test('naturalCompare orders digit runs as numbers', () => {
  assert.deepEqual(['web@10.service', 'web@2.service', 'web@1.service'].sort(naturalCompare), ['web@1.service', 'web@2.service', 'web@10.service']);
});
