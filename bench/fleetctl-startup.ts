/**
 * fleetctl's own cost per invocation, through the binary operators run
 * (`bin/fleetctl` = the launcher, starting Node from fleetctl's start-up
 * snapshot; the plain esbuild bundle it falls back to is timed too): wall time and peak RSS of commands
 * that need no cluster (`version`, `help`, `completion bash`, a list against
 * a socket that does not exist), beside a bare `node -e 0` on the same
 * machine (the floor no Node program can go under) and the unbundled tsc
 * output (what the bundle saves). With `--endpoint URL` it also times the
 * commands shell completion and operators run against a live cluster
 * (`list-unit-files --fields=unit --no-legend`, `list-units`), e.g. the demo's.
 *
 *   npm run build && node dist/bench/fleetctl-startup.js [--runs 20] [--endpoint http://127.0.0.1:PORT]
 *
 * Peak RSS is read with GNU time (`/usr/bin/time -f %M`); without it only
 * wall time is printed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BenchArgs } from './lib/args.js';
import { describeContext, runContext } from './lib/machine.js';
import { saveResults } from './lib/results.js';
import { formatMs, median, table } from './lib/stats.js';

/** What operators run (`bin/fleetctl`): the launcher, from the start-up snapshot. */
const LAUNCHER = fileURLToPath(new URL('../fleetctl-bundle/fleetctl', import.meta.url));
/** The plain bundle the launcher falls back to when the snapshot is not usable. */
const BUNDLE = fileURLToPath(new URL('../fleetctl-bundle/main.js', import.meta.url));
const UNBUNDLED = fileURLToPath(new URL('../fleetctl/main.js', import.meta.url));
const GNU_TIME = '/usr/bin/time';

interface Case {
  readonly name: string;
  readonly argv: readonly string[];
  /** Exit codes that count as the command working (a list against a missing socket exits 1 by design). */
  readonly codes: readonly number[];
}

interface Figure {
  readonly name: string;
  readonly medianMs: number;
  readonly minMs: number;
  readonly peakRssKiB: number | undefined;
}

/** Runs `argv` (the program first: the fleetctl bundle is executed itself, so its shebang's Node flags apply as for operators) `runs` times after one warm-up; wall times and the largest peak RSS. */
function measure(c: Case, runs: number): Figure {
  const withTime = existsSync(GNU_TIME);
  const times: number[] = [];
  let peak: number | undefined;
  for (let i = 0; i <= runs; i++) {
    const cmd = withTime ? GNU_TIME : c.argv[0]!;
    const args = withTime ? ['-f', 'RSS %M', ...c.argv] : c.argv.slice(1);
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, FLEETCTL_ENDPOINT: '' } });
    const ms = performance.now() - t0;
    if (!c.codes.includes(r.status ?? -1)) throw new Error(`${c.argv.join(' ')} exited ${r.status}: ${r.stderr.slice(-400)}`);
    if (i === 0) continue; // warm-up: page cache
    times.push(ms);
    const m = /RSS (\d+)\s*$/.exec(r.stderr.trimEnd());
    if (m) peak = Math.max(peak ?? 0, Number(m[1]));
  }
  return { name: c.name, medianMs: median(times), minMs: Math.min(...times), peakRssKiB: peak };
}

const args = new BenchArgs();
const runs = args.number('runs', 20);
const endpoint = args.string('endpoint');
const node = process.execPath;
const noSocket = ['--endpoint', 'unix:///nonexistent/fleet.sock'];
const cases: Case[] = [
  { name: 'node -e 0 (floor)', argv: [node, '-e', '0'], codes: [0] },
  { name: 'fleetctl version', argv: [LAUNCHER, 'version'], codes: [0] },
  { name: 'fleetctl version (plain bundle, no snapshot)', argv: [BUNDLE, 'version'], codes: [0] },
  { name: 'fleetctl version (unbundled)', argv: [UNBUNDLED, 'version'], codes: [0] },
  { name: 'fleetctl help', argv: [LAUNCHER, 'help'], codes: [0] },
  { name: 'fleetctl completion bash', argv: [LAUNCHER, 'completion', 'bash'], codes: [0] },
  { name: 'fleetctl list-units (no socket)', argv: [LAUNCHER, ...noSocket, 'list-units'], codes: [1] },
];
if (endpoint !== undefined) {
  cases.push(
    { name: 'completion: list-unit-files --fields=unit', argv: [LAUNCHER, '--endpoint', endpoint, 'list-unit-files', '--no-legend', '--fields=unit'], codes: [0] },
    { name: 'fleetctl list-units', argv: [LAUNCHER, '--endpoint', endpoint, 'list-units'], codes: [0] },
    { name: 'fleetctl list-units (plain bundle, no snapshot)', argv: [BUNDLE, '--endpoint', endpoint, 'list-units'], codes: [0] },
    { name: 'fleetctl list-machines', argv: [LAUNCHER, '--endpoint', endpoint, 'list-machines'], codes: [0] },
  );
}

const ctx = runContext();
console.log(`fleetctl-startup: ${runs} runs per command (after one warm-up)${endpoint ? `, cluster at ${endpoint}` : ''}`);
console.log(describeContext(ctx));
const figures = cases.map((c) => measure(c, runs));
const kib = (k: number | undefined) => (k === undefined ? 'n/a' : `${(k / 1024).toFixed(1)} MiB`);
console.log(
  table(
    ['command', 'median', 'min', 'peak RSS'],
    figures.map((f) => [f.name, formatMs(f.medianMs), formatMs(f.minMs), kib(f.peakRssKiB)]),
  ),
);
const path = saveResults('fleetctl-startup', { runs, endpoint, figures }, ctx);
if (path) console.log(`\nsaved ${path}`);
