import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runContext, type RunContext } from './machine.js';

/** Source directory of bench/ (this file is compiled to dist/bench/lib/). */
const RESULTS_DIR = new URL('../../../bench/results/', import.meta.url).pathname;

/**
 * Writes `data` with the run context to `bench/results/<name>.json` (the
 * "latest run" the README table is filled from) and returns the path.
 * `FLEET_BENCH_RESULTS=0` skips writing (smoke tests); returns undefined then.
 */
export function saveResults(name: string, data: unknown, context: RunContext = runContext()): string | undefined {
  if (process.env['FLEET_BENCH_RESULTS'] === '0') return undefined;
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(path, `${JSON.stringify({ benchmark: name, context, data }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  return path;
}
