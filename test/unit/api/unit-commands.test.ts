import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { EXIT_CODE_TRAILER, parseJournalQuery } from '../../../src/api/unit-commands.js';
import { SERVICE, startHarness, type Harness } from './harness.js';

const U = '/fleet/v1/units';

describe('status and journal', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    for (const [name, machine] of [['here.service', 'm1'], ['there.service', 'm2']] as const) {
      await h.put(`${U}/${name}`, { desiredState: 'launched', options: SERVICE });
      await h.schedule({ machineId: machine, name, hash: 'x', targetState: 'launched' });
    }
    await h.put(`${U}/idle.service`, { options: SERVICE });
    await h.put(`${U}/-.mount`, { options: [{ section: 'Mount', name: 'What', value: '/dev/sda1' }] });
    await h.schedule({ machineId: 'm1', name: '-.mount', hash: 'x', targetState: 'launched' });
  });
  after(() => h.stop());

  test('status runs the fixed systemctl command line and streams its output, exit code in the trailer', async () => {
    h.commands.script = () => ({ output: ['● here.service\n', '   Active: active (running)\n'], exitCode: 3 });
    const res = await h.request('GET', `${U}/here.service/status`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.equal(res.text, '● here.service\n   Active: active (running)\n');
    assert.equal(res.trailers[EXIT_CODE_TRAILER.toLowerCase()], '3');
    assert.deepEqual(h.commands.calls.at(-1), ['systemctl', 'status', '-l', '--no-pager', '--full', '--', 'here.service']);
  });

  test('a unit name starting with "-" stays an argument', async () => {
    h.commands.script = () => ({});
    const res = await h.request('GET', `${U}/-.mount/status`);
    assert.equal(res.status, 200);
    assert.equal(res.trailers[EXIT_CODE_TRAILER.toLowerCase()], '0');
    assert.deepEqual(h.commands.calls.at(-1)?.slice(-2), ['--', '-.mount']);
  });

  test('journal: parameters become -n/-o/-f; defaults 10, short, no follow', async () => {
    h.commands.script = () => ({ output: ['line\n'] });
    let res = await h.request('GET', `${U}/here.service/journal`);
    assert.equal(res.status, 200);
    assert.equal(res.text, 'line\n');
    assert.deepEqual(h.commands.calls.at(-1), ['journalctl', '-u', 'here.service', '--no-pager', '-n', '10', '-o', 'short']);
    res = await h.request('GET', `${U}/here.service/journal?lines=50&output=json&follow=false`);
    assert.deepEqual(h.commands.calls.at(-1), ['journalctl', '-u', 'here.service', '--no-pager', '-n', '50', '-o', 'json']);
  });

  test('journal parameters are validated before anything runs', async () => {
    const before = h.commands.calls.length;
    for (const [q, re] of [
      ['lines=-1', /invalid lines "-1"/],
      ['lines=abc', /invalid lines "abc"/],
      ['lines=99999999', /invalid lines/],
      ['output=pretty;rm', /invalid output "pretty;rm": expected one of short, /],
      ['follow=yes', /invalid follow "yes": expected true or false/],
    ] as const) {
      const res = await h.request('GET', `${U}/here.service/journal?${q}`);
      assert.equal(res.status, 400, q);
      assert.match(res.json.error.message, re);
    }
    assert.equal(h.commands.calls.length, before);
    assert.deepEqual(parseJournalQuery(new URLSearchParams('lines=0&output=cat&follow=true')), { lines: 0, output: 'cat', follow: true });
  });

  test('409 naming the machine when the unit runs elsewhere; 404 when unknown or not scheduled', async () => {
    let res = await h.request('GET', `${U}/there.service/status`);
    assert.equal(res.status, 409);
    assert.equal(res.json.error.message, 'unit there.service runs on machine m2, not on this machine (m1)');
    assert.equal(res.headers['x-fleet-machine-id'], 'm2');
    res = await h.request('GET', `${U}/nope.service/journal`);
    assert.equal(res.status, 404);
    assert.equal(res.json.error.message, 'unit does not exist');
    res = await h.request('GET', `${U}/idle.service/status`);
    assert.equal(res.status, 404);
    assert.equal(res.json.error.message, 'unit is not scheduled to any machine');
    assert.equal((await h.request('GET', `${U}/bad{.service/status`)).status, 404);
    assert.equal((await h.request('POST', `${U}/here.service/status`)).status, 405);
  });

  test('machineID picks the copy: this machine runs it, another is a 409 naming it, an unknown one a 404', async () => {
    h.commands.script = () => ({ output: ['mine\n'] });
    assert.equal((await h.request('GET', `${U}/here.service/status?machineID=m1`)).text, 'mine\n');
    const before = h.commands.calls.length;
    await h.schedule({ machineId: 'm2', name: 'here.service', hash: 'x', targetState: 'launched' });
    let res = await h.request('GET', `${U}/here.service/journal?machineID=m2`);
    assert.equal(res.status, 409);
    assert.equal(res.headers['x-fleet-machine-id'], 'm2');
    res = await h.request('GET', `${U}/here.service/status?machineID=${encodeURIComponent('m9\r\nX: y')}`);
    assert.equal(res.status, 404);
    assert.equal(res.json.error.message, 'unit here.service is not scheduled to machine "m9\\r\\nX: y"');
    assert.equal(h.commands.calls.length, before, 'nothing ran for another machine\'s copy');
  });

  test('a command that cannot start is a 500 saying so', async () => {
    h.commands.script = () => ({ startError: 'spawn systemctl ENOENT' });
    const res = await h.request('GET', `${U}/here.service/status`);
    assert.equal(res.status, 500);
    assert.equal(res.json.error.message, 'unable to run systemctl: spawn systemctl ENOENT');
  });

  test('follow streams until the client goes away, then the command is terminated', async () => {
    h.commands.script = () => ({ output: ['first\n'], hold: true });
    const got = await new Promise<string>((resolve, reject) => {
      const req = request({ socketPath: h.socket, path: `${U}/here.service/journal?follow=true` }, (res) => {
        res.once('data', (c: Buffer) => {
          resolve(c.toString());
          req.destroy();
        });
      });
      req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
      req.end();
    });
    assert.equal(got, 'first\n');
    assert.deepEqual(h.commands.calls.at(-1)?.slice(-1), ['-f']);
    for (let i = 0; i < 100 && h.commands.running > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(h.commands.running, 0);
  });
});

test('closing the server ends a follow stream (exit 143 in the trailer) instead of waiting forever', async () => {
  const h = await startHarness({ shutdownGraceMs: 10_000 });
  try {
    await h.put(`${U}/f.service`, { desiredState: 'launched', options: SERVICE });
    await h.schedule({ machineId: 'm1', name: 'f.service', hash: 'x', targetState: 'launched' });
    h.commands.script = () => ({ output: ['hello\n'], hold: true });
    const done = new Promise<{ text: string; trailer: string | undefined }>((resolve, reject) => {
      const req = request({ socketPath: h.socket, path: `${U}/f.service/journal?follow=true` }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
          if (text === 'hello\n') void h.server.close();
        });
        res.on('end', () => resolve({ text, trailer: res.trailers[EXIT_CODE_TRAILER.toLowerCase()] }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    const started = Date.now();
    const got = await done;
    assert.deepEqual(got, { text: 'hello\n', trailer: '143' });
    await h.server.close();
    assert.ok(Date.now() - started < 5000, 'closed well within the grace period');
  } finally {
    await h.stop();
  }
});
