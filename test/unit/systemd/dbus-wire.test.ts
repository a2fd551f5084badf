import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Message, MessageType, sessionBus, Variant } from '@jellybrick/dbus-next';
import { decodeMessage, readMessages, WireFormatError, type WireMessage } from '../../../src/systemd/dbus-wire.js';
import { encodeCall } from '../../../src/systemd/dbus-encode.js';

/**
 * The bytes dbus-next writes for `messages`, captured by a minimal bus that
 * only authenticates (EXTERNAL, then BEGIN) and records what follows. The
 * client queues the messages until authenticated; no Hello is answered.
 */
async function encodedByLibrary(messages: readonly Message[]): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dbus-wire-'));
  const path = join(dir, 'bus');
  const chunks: Buffer[] = [];
  let peer: Socket | undefined;
  const server = createServer((s) => {
    peer = s;
    let auth = '';
    let begun = false;
    s.on('data', (d: Buffer) => {
      if (begun) return void chunks.push(d);
      auth += d.toString('latin1');
      for (let nl = auth.indexOf('\r\n'); nl >= 0 && !begun; nl = auth.indexOf('\r\n')) {
        const line = auth.slice(0, nl).replace(/^\0/, '');
        auth = auth.slice(nl + 2);
        if (line.startsWith('AUTH')) s.write('OK 0123456789abcdef0123456789abcdef\r\n');
        else if (line === 'NEGOTIATE_UNIX_FD') s.write('ERROR\r\n');
        else if (line === 'BEGIN') {
          begun = true;
          if (auth.length > 0) chunks.push(Buffer.from(auth, 'latin1'));
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(path, r));
  const bus = sessionBus({ busAddress: `unix:path=${path}` });
  (bus as unknown as NodeJS.EventEmitter).on('error', () => undefined);
  try {
    for (const m of messages) bus.send(m);
    // Hello and the messages, each at least 16 bytes.
    const deadline = Date.now() + 5000;
    while (!(await settled(chunks)) || Buffer.concat(chunks).length < 16 * (messages.length + 1)) {
      if (Date.now() > deadline) assert.fail('the library wrote nothing');
    }
    return Buffer.concat(chunks);
  } finally {
    bus.disconnect();
    peer?.destroy();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** True when no more bytes arrived for 50 ms. */
async function settled(chunks: readonly Buffer[]): Promise<boolean> {
  const n = chunks.length;
  await new Promise((r) => setTimeout(r, 50));
  return chunks.length === n;
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Every message in `bytes`, through {@link readMessages} fed `piece` bytes at a time. */
async function readAll(bytes: Buffer, piece = 7): Promise<WireMessage[]> {
  const stream = new PassThrough();
  const out: WireMessage[] = [];
  readMessages(stream, (m) => out.push(m), (err) => assert.fail(err));
  for (let i = 0; i < bytes.length; i += piece) {
    stream.write(bytes.subarray(i, i + piece));
    await flush();
  }
  return out;
}

const signal = (member: string, signature: string, body: unknown[]): Message =>
  new Message({ type: MessageType.SIGNAL, path: '/org/freedesktop/systemd1/unit/a_2eservice', interface: 'org.example.Test', member, signature, body });

test('dbus wire: messages the library encodes decode to the values it would give (every basic type, arrays, dicts, structs, variants)', async () => {
  // Built twice: sending converts a message's body in place.
  const build = (): Message[] => {
    const props = {
      ActiveState: new Variant('s', 'active'),
      ActiveEnterTimestamp: new Variant('t', 1795244017491682n),
      Job: new Variant('(uo)', [0, '/']),
      InvocationID: new Variant('ay', Buffer.from([1, 2, 3])),
      Nested: new Variant('v', new Variant('i', -5)),
      Conditions: new Variant('a(sbbsi)', [['ConditionPathExists', false, false, '/x', 1]]),
  };
  const row = ['a.service', 'A unit', 'loaded', 'active', 'running', '', '/org/freedesktop/systemd1/unit/a_2eservice', 7, 'start', '/org/freedesktop/systemd1/job/7'];
  return [
    signal('PropertiesChanged', 'sa{sv}as', ['org.freedesktop.systemd1.Unit', props, ['Conditions']]),
    signal('JobRemoved', 'uoss', [7, '/org/freedesktop/systemd1/job/7', 'a.service', 'done']),
    signal('Basics', 'ybnqiuxtdgo', [255, true, -2, 65535, -70000, 4000000000, -(2n ** 62n), 2n ** 64n - 1n, 1.5, 'a{sv}', '/o']),
    signal('Rows', 'a(ssssssouso)', [[row, row]]),
    signal('Empty', 'asa{ss}ay', [[], {}, Buffer.alloc(0)]),
    new Message({ type: MessageType.METHOD_RETURN, replySerial: 12, destination: ':1.5', signature: 'v', body: [new Variant('u', 3)] }),
    new Message({ type: MessageType.ERROR, replySerial: 13, destination: ':1.5', errorName: 'org.freedesktop.systemd1.NoSuchUnit', signature: 's', body: ['Unit b.service not loaded.'] }),
  ];
  };
  const bytes = await encodedByLibrary(build());
  const sent = build();
  for (const piece of [1, 7, bytes.length]) {
    const got = (await readAll(bytes, piece)).filter((m) => m.fields.member !== 'Hello');
    assert.equal(got.length, sent.length, `fed ${piece} bytes at a time`);
    for (const [i, m] of got.entries()) {
      const want = sent[i]!;
      assert.equal(m.type, want.type);
      assert.equal(m.signature, want.signature);
      for (const f of ['path', 'interface', 'member', 'errorName', 'replySerial', 'destination'] as const) assert.equal(m.fields[f], want[f], `${want.member ?? want.errorName ?? 'reply'}: ${f}`);
      assert.deepStrictEqual(m.args(), want.body, `${want.member ?? want.errorName ?? 'reply'}: body`);
    }
  }
  const [changed] = (await readAll(bytes)).filter((m) => m.fields.member === 'PropertiesChanged');
  assert.deepStrictEqual(changed!.args(0), ['org.freedesktop.systemd1.Unit'], 'args(0) decodes the first argument only');
  await flush();
});

test('dbus wire: a body is decoded only as far as asked; what cannot be decoded is a WireFormatError', async () => {
  const bytes = await encodedByLibrary([signal('Two', 'sas', ['first', ['x', 'y']])]);
  const frames = await readAll(bytes);
  const two = frames.find((m) => m.fields.member === 'Two')!;
  assert.deepStrictEqual(two.args(0), ['first']);
  // Break the second argument's length: the first still decodes, the second throws.
  const at = bytes.indexOf(Buffer.from('first\0', 'latin1'), bytes.indexOf(Buffer.from('Two\0', 'latin1')));
  const broken = Buffer.from(bytes);
  broken.writeUInt32LE(0xffff, at + 'first\0'.length + 2); // the array length after padding to 4
  const brokenTwo = (await readAll(broken)).find((m) => m.fields.member === 'Two')!;
  assert.deepStrictEqual(brokenTwo.args(0), ['first']);
  assert.throws(() => brokenTwo.args(), WireFormatError);

  const fixed = Buffer.from(bytes.subarray(0, 16));
  fixed[0] = 0x58;
  assert.throws(() => decodeMessage(fixed, bytes.subarray(16)), WireFormatError);

  const errors: Error[] = [];
  const stream = new PassThrough();
  const seen: WireMessage[] = [];
  readMessages(stream, (m) => seen.push(m), (err) => errors.push(err));
  const garbage = Buffer.from(bytes);
  garbage.writeUInt32LE(0x7fff, 12); // fields longer than they are: the signature field reads past them
  garbage.writeUInt32LE(0, 4);
  stream.write(garbage.subarray(0, 16 + 0x8000));
  stream.write(Buffer.alloc(0x8000));
  await flush();
  assert.equal(errors.length, 1, 'one error, then reading stops');
  assert.equal(seen.length, 0);
});

test('dbus wire: the calls fleet makes encode to the bytes the library writes for them; anything else is left to it', async () => {
  const systemd = { destination: 'org.freedesktop.systemd1', path: '/org/freedesktop/systemd1', interface: 'org.freedesktop.systemd1.Manager' };
  let serial = 100;
  const build = (): Message[] => {
    serial = 100;
    const call = (fields: Partial<Message> & { member: string }, signature = '', body: unknown[] = []): Message =>
      new Message({ type: MessageType.METHOD_CALL, ...systemd, serial: ++serial, signature, body, ...fields });
    return [
      call({ member: 'Subscribe' }),
      call({ member: 'StartUnit' }, 'ss', ['a.service', 'replace']),
      call({ member: 'ListUnitsByNames' }, 'as', [['a.service', 'b-é.service', 'c.service']]),
      call({ member: 'ListUnitsByPatterns' }, 'asas', [[], ['a.service']]),
      call({ member: 'LinkUnitFiles' }, 'asbb', [['/run/x/a.service'], true, false]),
      call({ member: 'Counts' }, 'ui', [4000000000, -7]),
      call({ member: 'Get', path: '/org/freedesktop/systemd1/unit/a_2eservice', interface: 'org.freedesktop.DBus.Properties' }, 'ss', ['org.freedesktop.systemd1.Service', 'NRestarts']),
      call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'AddMatch' }, 's', ["type='signal',member='JobRemoved'"]),
    ];
  };
  const bytes = await encodedByLibrary(build());
  const ours = Buffer.concat(build().map((m) => encodeCall(m) ?? assert.fail(`not encoded: ${m.member}`)));
  assert.deepStrictEqual(bytes.subarray(bytes.length - ours.length), ours, 'byte for byte what the library writes');
  const before = await readAll(bytes.subarray(0, bytes.length - ours.length));
  assert.deepStrictEqual(before.map((m) => m.fields.member), ['Hello'], 'only Hello precedes them');

  const left = (m: Message): void => assert.equal(encodeCall(m), undefined, `${m.member} is left to the library`);
  left(new Message({ type: MessageType.METHOD_CALL, ...systemd, serial: 1, member: 'Variant', signature: 'v', body: [new Variant('s', 'x')] }));
  left(new Message({ type: MessageType.METHOD_CALL, ...systemd, serial: 1, member: 'Nul', signature: 's', body: ['a\0b'] }));
  left(new Message({ type: MessageType.METHOD_CALL, ...systemd, serial: 1, member: 'Short', signature: 'ss', body: ['a'] }));
  left(new Message({ type: MessageType.METHOD_CALL, ...systemd, serial: 1, member: 'Kind', signature: 'b', body: ['yes'] }));
  left(new Message({ type: MessageType.METHOD_CALL, ...systemd, member: 'NoSerial' }));
  left(new Message({ type: MessageType.SIGNAL, ...systemd, serial: 1, member: 'Signal' }));
});
