import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEtcdClient } from '../../../src/registry/index.js';

test('an unreadable etcd TLS file is named in the error', () => {
  assert.throws(
    () => createEtcdClient({ endpoints: ['https://127.0.0.1:1'], tls: { caFile: '/nonexistent/ca.pem' } }),
    (err: unknown) => err instanceof RangeError && /cannot read etcd CA file \/nonexistent\/ca\.pem/.test(err.message),
  );
  assert.throws(() => createEtcdClient({ endpoints: ['http://127.0.0.1:1'], tls: { certFile: '/nonexistent/c.pem', keyFile: '/nonexistent/k.pem' } }), /cannot read etcd key file/);
});

test('https endpoints without files use the system roots; plain http needs no TLS', async () => {
  const a = createEtcdClient({ endpoints: ['https://127.0.0.1:1'] });
  const b = createEtcdClient({ endpoints: ['http://127.0.0.1:1'], auth: { username: 'u', password: 'p' } });
  a.close();
  b.close();
});
