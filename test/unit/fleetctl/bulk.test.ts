/**
 * Bulk commands (issue 10): many units cost a listing per round, not a
 * request per unit; writes are bounded; one unit's failure is reported for
 * that unit, in order, and the others still happen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from '../../../fleetctl/cli/program.js';
import { ApiError } from '../../../fleetctl/client/errors.js';
import type { FleetClient, UnitWriteRequest } from '../../../fleetctl/client/types.js';
import { bufferOutput } from '../../../fleetctl/output/io.js';
import { REQUEST_CONCURRENCY } from '../../../fleetctl/units/find.js';
import { pooledInOrder } from '../../../src/pool.js';
import { FakeCluster, HELLO, M1, M2, unitDir } from './support/cluster.js';

const N = 40;
const names = Array.from({ length: N }, (_, i) => `u${String(i).padStart(2, '0')}.service`);

/** The one-unit method a batch item stands for (its own request, without batches). */
function methodOf(item: UnitWriteRequest): string {
  return item.kind === 'destroy' ? 'destroyUnit' : item.options.length === 0 ? 'setDesiredState' : 'putUnit';
}

/**
 * Wraps a client: counts calls per method (and the items of each
 * `writeUnits` batch under the one-unit method each stands for), tracks
 * requests in flight, and can fail chosen calls or batch items.
 */
function instrument(inner: FleetClient, fail: (method: string, name: unknown) => Error | undefined = () => undefined) {
  const calls: Record<string, number> = {};
  let inFlight = 0;
  let peak = 0;
  const writeUnits = async (items: readonly UnitWriteRequest[], onResult?: (error: unknown, index: number) => void): Promise<unknown[]> => {
    const failures = items.map((item) => {
      calls[methodOf(item)] = (calls[methodOf(item)] ?? 0) + 1;
      return fail(methodOf(item), item.name);
    });
    const passed = items.filter((_, i) => failures[i] === undefined);
    const done = await inner.writeUnits(passed);
    let k = 0;
    const outcomes = failures.map((f) => f ?? done[k++]);
    outcomes.forEach((o, i) => onResult?.(o, i));
    return outcomes;
  };
  const client = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = (prop === 'writeUnits' ? writeUnits : Reflect.get(target, prop, receiver)) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return async (...args: unknown[]) => {
        calls[prop] = (calls[prop] ?? 0) + 1;
        inFlight++;
        peak = Math.max(peak, inFlight);
        try {
          await new Promise((r) => setImmediate(r));
          const err = fail(prop, args[0]);
          if (err !== undefined) throw err;
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(prop === 'writeUnits' ? undefined : target, args);
        } finally {
          inFlight--;
        }
      };
    },
  });
  return { client, calls, peak: () => peak };
}

async function run(c: FakeCluster, client: FleetClient, argv: readonly string[]) {
  const out = bufferOutput(false);
  let rounds = 0;
  const code = await runCli(argv, { out, env: {}, timing: { pollMs: 1, attemptMs: 8, sleep: async () => (rounds++, c.tick()) }, createClient: () => client });
  return { code, out: out.out(), err: out.err(), rounds };
}

async function cluster(): Promise<FakeCluster> {
  const c = new FakeCluster();
  await c.addMachine(M1, '172.17.8.101');
  await c.addMachine(M2, '172.17.8.102');
  return c;
}

test(`start of ${N} units: one lookup listing, one create request each (already launched), one listing of units (without files) and states per wait round`, async () => {
  const c = await cluster();
  const dir = unitDir(Object.fromEntries(names.map((n) => [n, HELLO])));
  const { client, calls, peak } = instrument(c.client);
  const r = await run(c, client, ['start', ...names.map((n) => join(dir, n))]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.split('\n').filter((l) => / launched on /.test(l)).length, N);
  assert.equal(calls.getUnit ?? 0, 0, 'no per-unit GETs');
  assert.equal(calls.putUnit, N);
  assert.equal(calls.writeUnits, 1, 'one batch of creates');
  assert.equal(calls.setDesiredState ?? 0, 0, 'created launched in the same request');
  assert.equal(calls.listUnits, 1, 'the lookup (with unit files, to compare them)');
  assert.equal(calls.listUnitSummaries, r.rounds, 'one listing without unit files per wait round');
  assert.equal(calls.listUnitStates, r.rounds);
  assert.ok(peak() <= REQUEST_CONCURRENCY, `at most ${REQUEST_CONCURRENCY} requests in flight, saw ${peak()}`);
  for (const n of names) assert.equal((await c.client.getUnit(n))?.currentState, 'launched');
});

test('stop and destroy of many units: per-round listings without unit files; a unit whose write fails is named, in order, and the rest still happen', async () => {
  const c = await cluster();
  const dir = unitDir(Object.fromEntries(names.map((n) => [n, HELLO])));
  assert.equal((await run(c, c.client, ['start', '--no-block', ...names.map((n) => join(dir, n))])).code, 0);
  for (let i = 0; i < 3; i++) await c.tick();

  const bad = new Set(['u03.service', 'u17.service']);
  const broken = instrument(c.client, (method, name) => (method === 'setDesiredState' && bad.has(name as string) ? new ApiError(500, '') : undefined));
  const stop = await run(c, broken.client, ['stop', ...names]);
  assert.equal(stop.code, 1);
  assert.equal(broken.calls.getUnit ?? 0, 0);
  assert.equal(broken.calls.listUnits ?? 0, 0, 'stop lists units without their files');
  assert.deepEqual(
    stop.err.split('\n').filter((l) => l.startsWith('Failed to stop unit ')),
    ['Failed to stop unit u03.service. err: API error 500', 'Failed to stop unit u17.service. err: API error 500'],
  );
  assert.equal(stop.out.split('\n').filter((l) => / loaded on /.test(l)).length, N - 2, 'the others were stopped and waited for');
  assert.equal((await c.client.getUnit('u03.service'))?.desiredState, 'launched');

  const d = instrument(c.client, (method, name) => (method === 'destroyUnit' && name === 'u05.service' ? new ApiError(503, 'fleet server unable to communicate with etcd') : undefined));
  const destroy = await run(c, d.client, ['destroy', ...names]);
  assert.equal(destroy.code, 1);
  assert.deepEqual(destroy.err, 'Error destroying units: u05.service: fleet server unable to communicate with etcd\n');
  assert.deepEqual(destroy.out, names.filter((n) => n !== 'u05.service').map((n) => `Destroyed ${n}\n`).join(''), 'in argument order');
  assert.equal(d.calls.getUnit ?? 0, 0);
  assert.equal(d.calls.listUnits ?? 0, 0, 'no listing with unit files');
  assert.equal(d.calls.listUnitSummaries, 1 + destroy.rounds + 1, 'the lookup, then one listing per wait round (the last one sees them gone), all without unit files');
  assert.deepEqual((await c.client.listUnits()).map((u) => u.name), ['u05.service']);
  assert.deepEqual((await c.client.listUnitStates()).map((s) => s.name), ['u05.service']);
});

test('restart of many units stops them all, then starts them all, with per-round listings', async () => {
  const c = await cluster();
  const few = names.slice(0, 10);
  const dir = unitDir(Object.fromEntries(few.map((n) => [n, HELLO])));
  assert.equal((await run(c, c.client, ['start', ...few.map((n) => join(dir, n))])).code, 0);
  const { client, calls } = instrument(c.client);
  const r = await run(c, client, ['restart', ...few]);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 20);
  assert.ok(lines.slice(0, 10).every((l) => / loaded on /.test(l)) && lines.slice(10).every((l) => / launched on /.test(l)), r.out);
  assert.equal(calls.getUnit ?? 0, 0);
  assert.equal(calls.setDesiredState, 20);
  assert.equal(calls.writeUnits, 2, 'one batch to stop, one to start');
});

test('pooledInOrder: bounded, results reported in item order while later items still run', async () => {
  const seen: number[] = [];
  let active = 0;
  let peak = 0;
  const delays = [5, 1, 3, 0, 2, 4, 0, 1];
  const results = await pooledInOrder(
    delays,
    3,
    async (d, i) => {
      active++;
      peak = Math.max(peak, active);
      for (let k = 0; k < d; k++) await new Promise((r) => setImmediate(r));
      active--;
      return i * 10;
    },
    (r) => seen.push(r),
  );
  assert.deepEqual(results, [0, 10, 20, 30, 40, 50, 60, 70]);
  assert.deepEqual(seen, results);
  assert.equal(peak, 3);
});
