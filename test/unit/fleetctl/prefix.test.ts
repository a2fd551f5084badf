import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandIndex, expandCommandPrefix } from '../../../fleetctl/cli/prefix.js';
import { VALUE_FLAGS } from '../../../fleetctl/cli/global-options.js';

test('commandIndex finds the command name after root flags, skipping their values', () => {
  assert.equal(commandIndex(['list-units'], VALUE_FLAGS), 0);
  assert.equal(commandIndex(['--endpoint', 'unix:///x', 'list-units', '--full'], VALUE_FLAGS), 2);
  assert.equal(commandIndex(['--endpoint=unix:///x', '--debug', 'start', 'a'], VALUE_FLAGS), 2);
  assert.equal(commandIndex(['--debug'], VALUE_FLAGS), -1);
  assert.equal(commandIndex(['--', 'start'], VALUE_FLAGS), -1);
});

test('expandCommandPrefix replaces a unique prefix only', () => {
  const names = ['list-units', 'list-machines', 'start', 'status'];
  assert.deepEqual(expandCommandPrefix(['--endpoint', 'list-m', 'list-m'], names, VALUE_FLAGS), ['--endpoint', 'list-m', 'list-machines']);
  assert.deepEqual(expandCommandPrefix(['st', 'a'], names, VALUE_FLAGS), ['st', 'a']);
  assert.deepEqual(expandCommandPrefix(['start', 'sta'], names, VALUE_FLAGS), ['start', 'sta']);
});
