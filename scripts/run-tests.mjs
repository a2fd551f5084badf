#!/usr/bin/env node
// Runs the compiled test files with Node's built-in runner.
// Node 20's `--test` does not expand globs and, given a directory, only looks
// for .js/.cjs/.mjs files under conventional names, so we list the compiled
// files ourselves. Optional arguments narrow the run to test/<kind>/ folders
// (e.g. `unit`, `contract`, `integration`) or to file-name substrings.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const testRoot = join(root, 'dist', 'test');

function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else if (entry.endsWith('.test.js')) out.push(full);
  }
  return out;
}

let files;
try {
  files = walk(testRoot).sort();
} catch (err) {
  console.error(`no compiled tests under ${testRoot} (run \`npm run build\` first): ${err.message}`);
  process.exit(1);
}
const filters = process.argv.slice(2);
if (filters.length > 0) {
  files = files.filter((f) => {
    const rel = relative(testRoot, f);
    return filters.some((x) => rel.startsWith(`${x}/`) || rel.includes(x));
  });
}
if (files.length === 0) {
  console.error(`no test files matched ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}
// Integration tests start real etcd and systemd processes and assert
// latencies on a 2-core machine: one test file at a time keeps them honest.
const concurrency = process.env.FLEET_TEST_CONCURRENCY ?? '1';
const result = spawnSync(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
