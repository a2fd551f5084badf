import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchRoute, type RouteSpec } from '../../../src/api/router.js';
import { apiRoutes } from '../../../src/api/routes.js';

const metrics = async () => ({ kind: 'empty' as const, status: 200 });
const table = apiRoutes({ metrics, staticMounts: [{ path: '/dashboard', dir: '/nonexistent' }] });

test('roles: read for GET, operate for unit changes, admin for machine metadata and tokens', () => {
  const roles = table.flatMap((r: RouteSpec) => Object.entries(r.methods).map(([m, spec]) => `${m} ${r.resource} ${spec.role}`)).sort();
  assert.deepEqual(roles, [
    'DELETE token admin',
    'DELETE unit operate',
    'GET applySets read',
    'GET discovery read',
    'GET events read',
    'GET machines read',
    'GET metrics read',
    'GET policy read',
    'GET rollout read',
    'GET rollouts read',
    'GET state read',
    'GET static read',
    'GET tokens admin',
    'GET unit read',
    'GET unitExplain read',
    'GET unitJournal read',
    'GET unitState read',
    'GET unitStatus read',
    'GET units read',
    'GET whoami read',
    'PATCH machines admin',
    'POST authBootstrap admin',
    'POST rolloutPause operate',
    'POST rolloutResume operate',
    'POST rolloutUndo operate',
    'POST rollouts operate',
    'POST tokens admin',
    'POST units operate',
    'PUT policy admin',
    'PUT unit operate',
  ]);
});

test('matching: params, rest segments, fallbacks and other methods', () => {
  const m = matchRoute('/fleet/v1/units/a%40b.service/journal', table);
  assert.deepEqual([m.resource, m.params, m.rest], ['unitJournal', { name: 'a@b.service' }, []]);
  assert.equal(m.method('GET').role, 'read');
  assert.equal(m.method('POST').role, 'read', 'a refused method needs no more than read');
  const s = matchRoute('/dashboard/js/app.js', table);
  assert.deepEqual([s.resource, s.rest], ['static', ['js', 'app.js']]);
  assert.deepEqual(matchRoute('/dashboard', table).rest, []);
  for (const [path, resource] of [['/', 'root'], ['/fleet/v1', 'root'], ['/fleet/v1/units/', 'unknown'], ['/fleet/v1/metrics', 'unknown'], ['/units', 'unknown'], ['/dashboardx/a', 'unknown'], ['/fleet/v1/units/%E0%A4%A', 'unknown']]) {
    assert.equal(matchRoute(path!, table).resource, resource, path);
  }
});

test('other methods get fleet\'s per-resource answer', async () => {
  const refusal = async (path: string, method: string) => {
    const m = matchRoute(path, table);
    try {
      await m.method(method).handler({} as never, {} as never, m.params, m.rest);
    } catch (err) {
      return `${(err as { status: number }).status} ${(err as Error).message}`;
    }
    return 'answered';
  };
  assert.equal(await refusal('/fleet/v1/units/a.service', 'POST'), '405 only GET, PUT and DELETE supported against this resource');
  assert.equal(await refusal('/fleet/v1/machines', 'PUT'), '405 only GET and PATCH supported against this resource');
  assert.equal(await refusal('/fleet/v1/discovery', 'POST'), '400 only HTTP GET supported against this resource');
  assert.equal(await refusal('/metrics', 'DELETE'), '405 only GET supported against this resource');
  assert.equal(await refusal('/fleet/v1/nope', 'GET'), '404 ');
  assert.equal(await refusal('/', 'GET'), '405 ');
});

test('static mounts must be one segment and must not shadow the API', () => {
  for (const path of ['dashboard', '/a/b', '/', '/..', '/metrics', '/fleet', '/v1-alpha', '/dash/']) {
    assert.throws(() => apiRoutes({ metrics, staticMounts: [{ path, dir: '/tmp' }] }), RangeError, path);
  }
});
