/**
 * The `fleetctl` launcher (fleetctl/launcher.sh): it starts Node from the
 * start-up snapshot only when the node binary on PATH built it (a blob from
 * another node binary crashes Node), and runs the plain bundle otherwise.
 * Checked on copies of the built bundle directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FLEETCTL_BIN } from '../../support/run-fleetctl.js';

const bundleDir = dirname(FLEETCTL_BIN);

/** A copy of the bundle directory next to it (the bundle finds package.json two levels up). */
function copyBundle(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(dirname(bundleDir), 'launcher-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(bundleDir, dir, { recursive: true });
  return dir;
}

function run(dir: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(join(dir, 'fleetctl'), args, { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('with the stamp of this node binary the launcher runs from the snapshot (the plain bundle is not needed)', (t) => {
  const dir = copyBundle(t);
  for (const f of readdirSync(dir)) if (f.endsWith('.js')) rmSync(join(dir, f));
  const r = run(dir, 'version');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^fleetctl version \S+\n$/);
  const help = run(dir, 'help', 'list-units');
  assert.equal(help.code, 0, help.err);
  assert.match(help.out, /list-units/);
});

test('a snapshot stamped by another node binary is not used: the launcher runs the plain bundle', (t) => {
  const dir = copyBundle(t);
  writeFileSync(join(dir, 'fleetctl.blob.node'), '1 2 3\n');
  const r = run(dir, 'version');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^fleetctl version \S+\n$/);
  // Without the plain bundle it has nothing to run, which shows the snapshot was skipped.
  for (const f of readdirSync(dir)) if (f.endsWith('.js')) rmSync(join(dir, f));
  const gone = run(dir, 'version');
  assert.notEqual(gone.code, 0);
  assert.match(gone.err, /Cannot find module/);
});

test('without a snapshot the launcher runs the plain bundle', (t) => {
  const dir = copyBundle(t);
  rmSync(join(dir, 'fleetctl.blob'));
  const r = run(dir, 'version');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^fleetctl version \S+\n$/);
});
