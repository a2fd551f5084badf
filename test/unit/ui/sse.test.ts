/** The dashboard's server-sent events parser: messages across any chunking, comments as heartbeats. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser } from '../../../ui/src/model/sse.js';

const STREAM = ': hello\n\nid: 7\nevent: unit.state\ndata: {"a":1}\n\ndata: line1\ndata: line2\r\n\r\n:heartbeat\n\n';

test('the same messages whatever the chunking (including \\r\\n split across chunks)', () => {
  const whole = new SseParser().push(STREAM);
  assert.deepEqual(whole.messages, [
    { event: 'unit.state', data: '{"a":1}', id: '7' },
    { event: 'message', data: 'line1\nline2', id: '7' },
  ]);
  assert.equal(whole.heartbeats, 2);
  for (let size = 1; size <= 7; size++) {
    const p = new SseParser();
    const messages = [];
    let heartbeats = 0;
    for (let i = 0; i < STREAM.length; i += size) {
      const r = p.push(STREAM.slice(i, i + size));
      messages.push(...r.messages);
      heartbeats += r.heartbeats;
    }
    assert.deepEqual([messages, heartbeats], [whole.messages, 2], `chunks of ${size}`);
  }
});

test('an unfinished message is held until its blank line', () => {
  const p = new SseParser();
  assert.deepEqual(p.push('data: x\n').messages, []);
  assert.deepEqual(p.push('\n').messages, [{ event: 'message', data: 'x' }]);
});
