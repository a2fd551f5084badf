import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentTypeOf, safeRelativePath } from '../../../src/api/static-files.js';
import { startHarness, type Harness } from './harness.js';
import { ScheduleView } from '../../../src/api/schedule-view.js';
import { UnitsView } from '../../../src/api/units-view.js';
import { createMemoryRegistry } from '../../../src/registry/index.js';
import { waitFor } from '../../support/wait.js';

test('safeRelativePath refuses dot segments, hidden names and separators inside a segment', () => {
  assert.equal(safeRelativePath([]), 'index.html');
  assert.equal(safeRelativePath(['']), 'index.html');
  assert.equal(safeRelativePath(['js', 'app.js']), 'js/app.js');
  assert.equal(safeRelativePath(['js', '']), 'js/index.html');
  for (const bad of [['..', 'x'], ['.'], ['a', '..'], ['.env'], ['a/b'], ['a\\b'], ['a\0'], ['a', '', 'b']]) {
    assert.equal(safeRelativePath(bad), undefined, JSON.stringify(bad));
  }
});

test('content types by extension', () => {
  assert.equal(contentTypeOf('index.html'), 'text/html; charset=utf-8');
  assert.equal(contentTypeOf('APP.JS'), 'text/javascript; charset=utf-8');
  assert.equal(contentTypeOf('a.svg'), 'image/svg+xml');
  assert.equal(contentTypeOf('blob'), 'application/octet-stream');
});

describe('a static mount served by the API', () => {
  let h: Harness;
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'fleet-static-'));
    const site = join(root, 'site');
    mkdirSync(join(site, 'js'), { recursive: true });
    mkdirSync(join(site, 'empty'));
    writeFileSync(join(site, 'index.html'), '<h1>fleet</h1>');
    writeFileSync(join(site, 'js', 'app.js'), 'console.log(1)');
    writeFileSync(join(site, '.env'), 'SECRET=1');
    writeFileSync(join(root, 'secret.txt'), 'outside');
    symlinkSync(join(root, 'secret.txt'), join(site, 'escape.txt'));
    symlinkSync(join(site, 'js', 'app.js'), join(site, 'inside.js'));
    h = await startHarness({ staticMounts: [{ path: '/dashboard', dir: site }] });
  });
  after(async () => {
    await h.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('files with their content type and length; a directory serves index.html', async () => {
    const js = await h.request('GET', '/dashboard/js/app.js');
    assert.equal(js.status, 200);
    assert.equal(js.text, 'console.log(1)');
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['content-length'], '14');
    assert.equal(js.headers['x-content-type-options'], 'nosniff');
    for (const path of ['/dashboard/', '/dashboard']) {
      const index = await h.request('GET', path);
      assert.equal(index.status, 200, path);
      assert.equal(index.text, '<h1>fleet</h1>');
      assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    }
    assert.equal((await h.request('GET', '/dashboard/inside.js')).text, 'console.log(1)', 'a symlink that stays inside is fine');
  });

  test('no way out of the directory, no hidden files, nothing but regular files: 404 with an empty message', async () => {
    for (const path of [
      '/dashboard/../secret.txt',
      '/dashboard/%2e%2e/secret.txt',
      '/dashboard/js/%2e%2e/%2e%2e/secret.txt',
      '/dashboard/..%2fsecret.txt',
      '/dashboard/%2e%2e%2fsecret.txt',
      '/dashboard/escape.txt',
      '/dashboard/.env',
      '/dashboard/js',
      '/dashboard/empty/',
      '/dashboard/missing.html',
      '/dashboard/%00',
      '/dashboard/%E0%A4%A',
    ]) {
      const res = await h.request('GET', path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.json, { error: { code: 404, message: '' } }, path);
    }
  });

  test('GET only', async () => {
    const res = await h.request('PUT', '/dashboard/index.html', { body: 'x' });
    assert.equal(res.status, 405);
    assert.equal(res.json.error.message, 'only GET supported against this resource');
  });
});

describe('a mount that starts the views (the dashboard)', () => {
  let h: Harness;
  let root: string;
  let units: UnitsView;
  let schedule: ScheduleView;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'fleet-static-'));
    mkdirSync(join(root, 'js'));
    writeFileSync(join(root, 'index.html'), '<h1>fleet</h1>');
    writeFileSync(join(root, 'js', 'app.js'), 'console.log(1)');
    const registry = createMemoryRegistry();
    units = new UnitsView(registry.api);
    schedule = new ScheduleView(registry.api);
    h = await startHarness({ registry: registry.api, units, schedule, staticMounts: [{ path: '/ui', dir: root, startsViews: true }] });
  });
  after(async () => {
    await h.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('its assets start nothing; its page starts following units, states and the schedule before the page lists them', async () => {
    assert.equal((await h.request('GET', '/ui/js/app.js')).status, 200);
    assert.equal((await h.request('GET', '/ui/missing.html')).status, 404);
    await new Promise((r) => setImmediate(r));
    assert.equal(units.live, false);
    assert.equal(schedule.live, false);
    assert.equal((await h.request('GET', '/ui/')).status, 200);
    await waitFor('views listed', () => units.live && schedule.live);
  });
});
