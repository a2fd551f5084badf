import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { SERVICE, startHarness, type Harness } from './harness.js';
import { createRegistry } from '../../../src/registry/index.js';
import { buildUnit } from '../../../src/units/index.js';
import { WatchCountingKv } from '../../support/watch-counting-kv.js';

const E = '/fleet/v1/events';

/** An open stream: its response and the lines/messages read so far. */
interface OpenStream {
  readonly res: IncomingMessage;
  text: string;
  /** Resolves once the accumulated text satisfies `pred`. */
  until(pred: (text: string) => boolean): Promise<string>;
  close(): void;
  ended: Promise<void>;
}

function open(h: Harness, path: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: h.socket, method: 'GET', path, headers }, (res) => {
      const waiters: Array<{ pred: (t: string) => boolean; resolve: (t: string) => void }> = [];
      let ended!: () => void;
      const s: OpenStream = {
        res,
        text: '',
        until: (pred) => new Promise((r) => (pred(s.text) ? r(s.text) : waiters.push({ pred, resolve: r }))),
        close: () => req.destroy(),
        ended: new Promise((r) => (ended = r)),
      };
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        s.text += c;
        for (const w of [...waiters]) if (w.pred(s.text)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(s.text);
      });
      res.on('end', () => ended());
      res.on('close', () => ended());
      resolve(s);
    });
    req.on('error', reject);
    req.end();
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));

describe('GET /events', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ events: { maxStreams: 2 } });
  });
  after(() => h.stop());

  test('newline JSON: live events from now on, filtered by type, unit glob and machine', async () => {
    const all = await open(h, E);
    const filtered = await open(h, `${E}?type=unit.scheduled,unit.state&unit=web*&machine=m2`);
    assert.equal(all.res.statusCode, 200);
    assert.equal(all.res.headers['content-type'], 'application/x-ndjson');
    await h.put('/fleet/v1/units/web.service', { desiredState: 'launched', options: SERVICE });
    await h.put('/fleet/v1/units/db.service', { desiredState: 'launched', options: SERVICE });
    await h.schedule({ machineId: 'm1', name: 'web.service', hash: 'h', targetState: 'launched' });
    await h.schedule({ machineId: 'm2', name: 'web.service', hash: 'h', targetState: 'launched' });
    await h.report({ name: 'web.service', machineId: 'm2', hash: 'h' });
    await h.report({ name: 'db.service', machineId: 'm2', hash: 'h' });
    const text = await all.until((t) => lines(t).filter((e) => e.type === 'unit.state').length === 2);
    assert.deepEqual(
      lines(text).map((e) => `${e.type} ${e.unit} ${e.machine ?? ''}`.trim()),
      [
        'unit.submitted web.service',
        'unit.desired web.service',
        'unit.submitted db.service',
        'unit.desired db.service',
        'unit.scheduled web.service m1',
        'unit.scheduled web.service m2',
        'unit.state web.service m2',
        'unit.state db.service m2',
      ],
    );
    const f = lines(await filtered.until((t) => lines(t).length === 2));
    assert.deepEqual(f.map((e) => `${e.type} ${e.unit} ${e.machine}`), ['unit.scheduled web.service m2', 'unit.state web.service m2']);
    assert.equal(typeof f[0].revision, 'number');
    assert.match(f[0].time, /^\d{4}-\d\d-\d\dT/);
    all.close();
    filtered.close();
    await Promise.all([all.ended, filtered.ended]);
  });

  test('server-sent events with the revision as id; ?from= resumes; follow=false ends after the history', async () => {
    const head = await h.registry.api.headRevision();
    await h.put('/fleet/v1/units/sse.service', { desiredState: 'loaded', options: SERVICE });
    const sse = await open(h, `${E}?from=${head + 1n}&unit=sse.service`, { Accept: 'text/event-stream' });
    assert.equal(sse.res.headers['content-type'], 'text/event-stream; charset=utf-8');
    const text = await sse.until((t) => t.includes('unit.desired'));
    const messages = text.split('\n\n').filter((m) => m.startsWith('id:'));
    assert.equal(messages.length, 2);
    assert.match(messages[0]!, new RegExp(`^id: ${head + 1n}\\ndata: \\{"revision":${head + 1n},`));
    sse.close();
    await sse.ended;

    const replay = await open(h, `${E}?from=${head + 1n}&follow=false&type=unit.*&unit=sse.service`);
    await replay.ended;
    assert.deepEqual(lines(replay.text).map((e) => e.type), ['unit.submitted', 'unit.desired']);
  });

  test('Last-Event-ID resumes after that revision', async () => {
    const head = await h.registry.api.headRevision();
    await h.put('/fleet/v1/units/resume-a.service', { options: SERVICE });
    await h.put('/fleet/v1/units/resume-b.service', { options: SERVICE });
    const s = await open(h, `${E}?follow=false&type=unit.submitted&unit=resume-*`, { 'Last-Event-ID': String(head + 1n) });
    await s.ended;
    assert.deepEqual(lines(s.text).map((e) => e.unit), ['resume-b.service']);
  });

  test('a compacted ?from= is 410 in fleet\'s error shape; bad parameters are 400 naming them', async () => {
    await h.put('/fleet/v1/units/compact.service', { options: SERVICE });
    const head = await h.registry.api.headRevision();
    await h.registry.kv.compact(head);
    const gone = await h.request('GET', `${E}?from=1`);
    assert.equal(gone.status, 410);
    assert.equal(gone.json.error.code, 410);
    assert.match(gone.json.error.message, /^revision 1 was compacted/);
    for (const [q, msg] of [
      ['from=abc', 'invalid from "abc": expected a revision (a positive integer)'],
      ['type=unit.nope', 'invalid type "unit.nope": matches no event type'],
      ['unit=%5B', 'invalid unit "[": not a valid glob'],
      ['follow=yes', 'invalid follow "yes": expected true or false'],
      ['heartbeat=0', 'invalid heartbeat "0": expected seconds from 1 to 300'],
    ] as const) {
      const r = await h.request('GET', `${E}?${q}`);
      assert.equal(r.status, 400, q);
      assert.ok(r.json.error.message.startsWith(msg), `${q}: ${r.json.error.message}`);
    }
    assert.equal((await h.request('POST', E)).status, 405);
  });

  test('heartbeat while idle carries the revision seen so far', async () => {
    const head = await h.registry.api.headRevision();
    const s = await open(h, `${E}?heartbeat=1`);
    const text = await s.until((t) => t.includes('heartbeat'));
    assert.deepEqual(lines(text)[0], { ...lines(text)[0], type: 'heartbeat', revision: Number(head) });
    s.close();
    await s.ended;
  });

  test('streams beyond api_max_streams are refused with 503; a closed stream frees its slot', async () => {
    const a = await open(h, E);
    const b = await open(h, E);
    const refused = await h.request('GET', E);
    assert.equal(refused.status, 503);
    assert.match(refused.json.error.message, /too many event streams open on this host \(api_max_streams=2\)/);
    a.close();
    await a.ended;
    await new Promise((r) => setTimeout(r, 20));
    const c = await open(h, E);
    assert.equal(c.res.statusCode, 200);
    b.close();
    c.close();
    await Promise.all([b.ended, c.ended]);
  });
});

describe('GET /events: the streams of a fleetd share one store watch', () => {
  const kv = new WatchCountingKv();
  const registry = createRegistry(kv);
  let h: Harness;
  before(async () => {
    h = await startHarness({ registry: registry.api });
  });
  after(() => h.stop());

  test('four streams and the units listing: one watch of the registry\'s changes; a resumed stream reads memory; a compacted one ends with 410 in-band', async () => {
    const streams = await Promise.all(Array.from({ length: 4 }, () => open(h, E)));
    assert.equal((await h.request('GET', '/fleet/v1/units')).status, 200);
    await registry.api.createUnit({ ...buildUnit('one.service', '[Service]\nExecStart=/bin/true\n') }, 'launched');
    const texts = await Promise.all(streams.map((s) => s.until((t) => lines(t).some((e) => e.type === 'unit.desired'))));
    for (const t of texts) assert.deepEqual(lines(t).map((e) => e.type), ['unit.submitted', 'unit.desired']);
    assert.equal(kv.openedOn(registry.layout.prefix), 1, 'one watch of every change for four streams and the units view');
    // A stream resuming from the first event's revision: from the hub's memory, no new watch.
    const from = lines(texts[0]!)[0].revision;
    const resumed = await open(h, `${E}?from=${from}`);
    assert.deepEqual(lines(await resumed.until((t) => lines(t).length === 2)).map((e) => e.type), ['unit.submitted', 'unit.desired']);
    assert.equal(kv.openedOn(registry.layout.prefix), 1);
    // etcd drops the shared watch (it lagged behind a compaction): every stream ends with 410 in its body.
    kv.dropWatches('compacted');
    for (const s of [...streams, resumed]) {
      const last = lines(await s.until((t) => lines(t).some((e) => e.type === 'error'))).at(-1);
      assert.equal(last.error.code, 410);
      await s.ended;
    }
  });
});
