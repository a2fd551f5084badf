import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypedEmitter } from '../../../src/registry/emitter.js';
import { settle } from '../../../src/clock.js';

class Ticker extends TypedEmitter<{ tick: (n: number) => void }> {
  fire(n: number): void {
    this.emit('tick', n);
  }
}

test('a throwing listener goes to onListenerError; the others still run and nothing is rethrown', async () => {
  const reported: Array<[string, string]> = [];
  const t = new Ticker((err, event) => reported.push([(err as Error).message, event]));
  const seen: number[] = [];
  t.on('tick', () => {
    throw new Error('boom');
  });
  t.on('tick', (n) => seen.push(n));
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown): void => void uncaught.push(err);
  process.prependListener('uncaughtException', onUncaught);
  try {
    t.fire(1);
    await settle();
  } finally {
    process.removeListener('uncaughtException', onUncaught);
  }
  assert.deepEqual(reported, [['boom', 'tick']]);
  assert.deepEqual(seen, [1]);
  assert.deepEqual(uncaught, []);
});

test('by default a throwing listener becomes a process warning, not a crash', async () => {
  const t = new Ticker();
  t.on('tick', () => {
    throw new Error('kaput');
  });
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on('warning', onWarning);
  try {
    t.fire(2);
    await settle();
  } finally {
    process.removeListener('warning', onWarning);
  }
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.name, 'ListenerError');
  assert.match(warnings[0]!.message, /listener of "tick" threw: kaput/);
});

test('a handler that throws itself does not stop the emit loop', () => {
  const t = new Ticker(() => {
    throw new Error('handler broke');
  });
  const seen: number[] = [];
  t.on('tick', () => {
    throw new Error('x');
  });
  t.on('tick', (n) => seen.push(n));
  t.fire(3);
  assert.deepEqual(seen, [3]);
});
