/**
 * fleetctl's peak RSS on bulk commands (issue 10: "CLI peak RSS <= 50 MB"),
 * through the binary operators run (`bin/fleetctl` = the launcher, with its
 * start-up snapshot and Node flags) against a live cluster, e.g. the demo's:
 * per run, `start --no-block` of N unit files, then (once every unit runs)
 * the same again (nothing to do but compare each file with the cluster's),
 * then `stop --no-block` of them, then (once every unit is stopped) `destroy`
 * (which waits until they are gone). Each command's peak RSS (GNU time's
 * `%M`: the kernel's high-water mark of the process), wall and CPU time are
 * printed beside the 50 MB target (50,000,000 bytes = 47.68 MiB).
 *
 *   npm run build && node dist/bench/fleetctl-bulk-rss.js --endpoint unix:///…/fleet.sock [--units 1000] [--runs 3] [--fleetctl PATH]
 *
 * The unit files (`rssbench-N.service`, running `sleep infinity`) are written
 * to a temporary directory; every unit the benchmark made is destroyed at the
 * end, also after a failure. `--fleetctl` measures another build (A/B);
 * `--request-timeout S` (default 10) is passed to every fleetctl, so that a
 * cluster slowed by a loaded machine does not make a command give up.
 * Needs GNU time (`/usr/bin/time`). The load average is printed before and
 * after: memory figures depend little on load, times a lot.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchArgs } from './lib/args.js';
import { runAsScript } from './lib/entry.js';
import { describeContext, runContext } from './lib/machine.js';
import { saveResults } from './lib/results.js';
import { formatMs, median, table } from './lib/stats.js';
import { waitUntil } from './lib/wait.js';

/** What operators run (`bin/fleetctl`): the launcher. */
const LAUNCHER = fileURLToPath(new URL('../fleetctl-bundle/fleetctl', import.meta.url));
const GNU_TIME = '/usr/bin/time';
/** Issue 10's target, bytes (50 MB). */
const TARGET_BYTES = 50_000_000;
const PREFIX = 'rssbench-';
/** How long the cluster gets to run (or stop) every unit between the measured commands. */
const SETTLE_MS = 180_000;

/** A measured command; `settle`: the state every unit must reach before the next command. */
interface BulkCommand {
  readonly name: string;
  readonly argv: readonly string[];
  readonly settle?: string;
}

/** The measured commands, in the order they run. */
const COMMANDS: readonly BulkCommand[] = [
  { name: 'start --no-block', argv: ['start', '--no-block'], settle: 'launched' },
  // Every unit exists and runs: start lists them with their unit files and compares each with its file.
  // (Settled again: on a loaded machine a host can lose its lease and the engine move units meanwhile.)
  { name: 'start --no-block (all running)', argv: ['start', '--no-block'], settle: 'launched' },
  { name: 'stop --no-block', argv: ['stop', '--no-block'], settle: 'loaded' },
  { name: 'destroy', argv: ['destroy'] },
];

/** The fleetctl to run and its global flags (endpoint, request timeout). */
interface Cli {
  readonly fleetctl: string;
  readonly global: readonly string[];
}

/** One measured invocation. */
interface Sample {
  readonly command: string;
  readonly run: number;
  readonly peakRssKiB: number;
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Runs `fleetctl ARGS` under GNU time; its peak RSS, wall and CPU time. Throws when it exits non-zero. */
function timedFleetctl(cli: Cli, args: readonly string[], cwd: string): Omit<Sample, 'command' | 'run'> {
  const t0 = performance.now();
  const r = spawnSync(GNU_TIME, ['-f', 'FLEETBENCH %M %U %S', cli.fleetctl, ...cli.global, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = performance.now() - t0;
  const m = /FLEETBENCH (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || m === null) throw new Error(`fleetctl ${args.slice(0, 2).join(' ')} … exited ${r.status}: ${r.stderr.slice(-600)}`);
  return { peakRssKiB: Number(m[1]), wallMs, cpuMs: (Number(m[2]) + Number(m[3])) * 1000 };
}

/** Current state of each benchmark unit (`list-unit-files --fields=unit,state`); undefined when the listing failed (a busy cluster: asked again). */
function states(cli: Cli): Map<string, string> | undefined {
  const r = spawnSync(cli.fleetctl, [...cli.global, 'list-unit-files', '--no-legend', '--fields=unit,state'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) return undefined;
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const [unit, state] = line.trim().split(/\s+/);
    if (unit?.startsWith(PREFIX) && state !== undefined) out.set(unit, state);
  }
  return out;
}

async function settle(cli: Cli, names: readonly string[], state: string): Promise<void> {
  let behind = names.length;
  try {
    await waitUntil(
      `${names.length} units ${state}`,
      () => {
        const now = states(cli);
        if (now === undefined) return false;
        behind = names.filter((n) => now.get(n) !== state).length;
        return behind === 0;
      },
      SETTLE_MS,
      500,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message} (${behind} were not)`);
  }
}

const mib = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`;
const mb = (kib: number): string => `${((kib * 1024) / 1e6).toFixed(1)} MB`;

async function main(): Promise<void> {
  const args = new BenchArgs();
  const endpoint = args.string('endpoint');
  if (endpoint === undefined) throw new Error('--endpoint URL is required (a cluster to run the bulk commands on, e.g. the demo\'s FLEETCTL_ENDPOINT)');
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} (GNU time) is required to read the peak RSS`);
  const units = args.number('units', 1000);
  const runs = args.number('runs', 3);
  const fleetctl = args.string('fleetctl') ?? LAUNCHER;
  // A cluster on a loaded 2-core machine answers slowly; a command that gives up measures nothing.
  const cli: Cli = { fleetctl, global: ['--endpoint', endpoint, '--request-timeout', String(args.number('request-timeout', 10))] };
  const dir = mkdtempSync(join(tmpdir(), 'fleetctl-bulk-rss-'));
  const files: string[] = [];
  for (let i = 1; i <= units; i++) {
    const file = `${PREFIX}${i}.service`;
    writeFileSync(join(dir, file), '[Unit]\nDescription=fleetctl bulk RSS benchmark\n\n[Service]\nExecStart=/bin/sleep infinity\n');
    files.push(file);
  }
  const before = runContext();
  console.log(`fleetctl-bulk-rss: ${units} unit files, ${runs} runs of start --no-block, stop --no-block, destroy through ${fleetctl}, cluster at ${endpoint}`);
  console.log(describeContext(before));
  const samples: Sample[] = [];
  const destroyAll = (): void => {
    const r = spawnSync(cli.fleetctl, [...cli.global, 'destroy', '--ignore-missing', ...files], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) console.error(`destroying the benchmark's units failed (exit ${r.status}): ${r.stderr.slice(-400)}`);
  };
  try {
    destroyAll(); // left over from an interrupted run: start must create every unit
    for (let run = 1; run <= runs; run++) {
      for (const c of COMMANDS) {
        const s = timedFleetctl(cli, [...c.argv, ...files], dir);
        samples.push({ command: c.name, run, ...s });
        console.log(`run ${run}: ${c.name.padEnd(16)} peak RSS ${mib(s.peakRssKiB)} (${mb(s.peakRssKiB)}), wall ${formatMs(s.wallMs)}, CPU ${formatMs(s.cpuMs)}`);
        if (c.settle !== undefined) await settle(cli, files, c.settle);
      }
    }
  } finally {
    destroyAll();
    rmSync(dir, { recursive: true, force: true });
  }
  const after = runContext();
  console.log(`load average before ${before.load.join(' ')}, after ${after.load.join(' ')}\n`);
  const rows = COMMANDS.map((c) => {
    const mine = samples.filter((s) => s.command === c.name);
    const peak = Math.max(...mine.map((s) => s.peakRssKiB));
    const verdict = peak * 1024 <= TARGET_BYTES ? 'met' : 'missed';
    return [
      `fleetctl ${c.name} (${units} files)`,
      mine.map((s) => mib(s.peakRssKiB)).join(', '),
      `${mib(peak)} (${mb(peak)})`,
      `≤ 50 MB (47.7 MiB) — ${verdict}`,
      formatMs(median(mine.map((s) => s.wallMs))),
      formatMs(median(mine.map((s) => s.cpuMs))),
    ];
  });
  console.log(table(['command', 'peak RSS per run', 'largest', 'target', 'median wall', 'median CPU'], rows));
  const path = saveResults('fleetctl-bulk-rss', { units, runs, endpoint, fleetctl, samples, loadAfter: after.load }, before);
  if (path) console.log(`\nsaved ${path}`);
}

runAsScript(import.meta.url, main);
