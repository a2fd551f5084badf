/**
 * SpawnLocalCommands against stand-in `systemctl` / `journalctl` scripts
 * found through the PATH of the environment it is given (the host's env in
 * production): argv, stdout+stderr, exit codes, abort, missing binaries.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCommandError, LocalCommandsBusyError, SpawnLocalCommands, type RunningCommand } from '../../src/api/local-commands.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-api-cmd-'));
  writeFileSync(join(dir, 'systemctl'), '#!/bin/sh\nfor a in "$@"; do printf "[%s]" "$a"; done\necho\necho "to stderr: $FLEET_TEST_VAR" >&2\nexit 3\n');
  writeFileSync(join(dir, 'journalctl'), '#!/bin/sh\necho started\nexec sleep 30\n');
  chmodSync(join(dir, 'systemctl'), 0o755);
  chmodSync(join(dir, 'journalctl'), 0o755);
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(cmd: RunningCommand): Promise<{ out: string; code: number }> {
  let out = '';
  for await (const c of cmd.output) out += (c as Buffer).toString();
  return { out, code: await cmd.exitCode };
}

test('status: fixed argv (with --user for the user scope), env passed, stdout and stderr, exit code', async () => {
  const commands = new SpawnLocalCommands({ scope: 'user', env: { PATH: `${dir}:/usr/bin:/bin`, FLEET_TEST_VAR: 'v1' } });
  const { out, code } = await collect(await commands.status('-.mount', new AbortController().signal));
  assert.equal(code, 3);
  assert.ok(out.includes('[--user][status][-l][--no-pager][--full][--][-.mount]\n'), out);
  assert.ok(out.includes('to stderr: v1\n'), out);
});

test('journal -f runs until aborted; the process is terminated (128 + SIGTERM)', async () => {
  const commands = new SpawnLocalCommands({ scope: 'system', env: { PATH: `${dir}:/usr/bin:/bin` } });
  const ac = new AbortController();
  const cmd = await commands.journal('a.service', { lines: 10, output: 'short', follow: true }, ac.signal);
  const first = await new Promise<string>((resolve) => cmd.output.once('data', (c: Buffer) => resolve(c.toString())));
  assert.equal(first, 'started\n');
  ac.abort();
  const code = await cmd.exitCode;
  assert.equal(code, 143);
});

test('api_max_streams: one command over the cap is refused with LocalCommandsBusyError until one ends', async () => {
  const commands = new SpawnLocalCommands({ scope: 'system', env: { PATH: `${dir}:/usr/bin:/bin` }, maxRunning: 1 });
  const ac = new AbortController();
  const cmd = await commands.journal('a.service', { lines: 10, output: 'short', follow: true }, ac.signal);
  await assert.rejects(commands.journal('a.service', { lines: 10, output: 'short', follow: true }, new AbortController().signal), (e: unknown) => e instanceof LocalCommandsBusyError && /api_max_streams=1/.test(e.message));
  ac.abort();
  await cmd.exitCode;
  const again = new AbortController();
  const next = await commands.journal('a.service', { lines: 10, output: 'short', follow: true }, again.signal);
  again.abort();
  assert.equal(await next.exitCode, 143);
});

test('a missing binary is a LocalCommandError, not a crash', async () => {
  const commands = new SpawnLocalCommands({ scope: 'system', env: { PATH: join(dir, 'empty') } });
  await assert.rejects(commands.status('a.service', new AbortController().signal), (e: unknown) => e instanceof LocalCommandError && /unable to run systemctl/.test(e.message));
});
