/**
 * The full hostile-input run: `--requests` (default 100,000) generated
 * requests, one at a time, against fleetd's API server on a real etcd,
 * three quarters of them on its TCP listener that requires tokens (valid
 * tokens of each role, expired, revoked, tampered and malformed ones) and
 * the rest on its token-free unix socket (bench/lib/api-fuzz.ts says what
 * is generated and checked). Prints the answers by status and by sender,
 * and every rule broken; exits non-zero when one was.
 *
 *   npm run bench -- api-fuzz [--requests 100000] [--seed 14] [--endpoint URL]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFuzz } from './lib/api-fuzz.js';
import { BenchArgs } from './lib/args.js';
import { etcdTarget } from './lib/etcd-target.js';
import { startFuzzApi } from './lib/fuzz-api.js';
import { describeContext, runContext } from './lib/machine.js';
import { saveResults } from './lib/results.js';

async function main(): Promise<void> {
  const args = new BenchArgs();
  const requests = args.number('requests', 100_000);
  const seed = args.number('seed', 14);
  const etcd = await etcdTarget(args);
  const dir = mkdtempSync(join(tmpdir(), 'fleet-fuzz-bench-'));
  const api = await startFuzzApi({ endpoints: [etcd.endpoint], dir });
  const started = Date.now();
  try {
    console.log(describeContext(runContext()));
    console.log(`api-fuzz: ${requests} requests, seed ${seed}`);
    const counts = await runFuzz({
      target: api.target,
      count: requests,
      seed,
      tokens: api.tokens,
      progress: (done, c) => {
        if (done % 10_000 === 0) console.log(`  ${done} sent, ${c.violations.length} violations, ${Math.round((Date.now() - started) / 1000)} s`);
      },
    });
    const seconds = (Date.now() - started) / 1000;
    console.log(`\n${counts.requests} requests in ${seconds.toFixed(1)} s (${Math.round(counts.requests / seconds)}/s)`);
    for (const [status, n] of Object.entries(counts.byStatus).sort()) console.log(`  ${status.padEnd(28)} ${n}`);
    console.log(`  ${'raw, closed without answer'.padEnd(28)} ${counts.rawClosed}`);
    console.log('by sender (unix = the token-free socket; nobody = no, bad, expired or revoked token on TCP):');
    for (const [who, classes] of Object.entries(counts.byClaim).sort()) {
      console.log(`  ${who.padEnd(8)} ${Object.entries(classes).sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
    }
    console.log(`violations: ${counts.violations.length}`);
    for (const v of counts.violations.slice(0, 50)) console.log(`  ${v}`);
    saveResults('api-fuzz', { seed, seconds, ...counts, violations: counts.violations.slice(0, 200) });
    process.exitCode = counts.violations.length === 0 ? 0 : 1;
  } finally {
    await api.stop();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
