/**
 * Chaos run (issue 17): `npm run bench -- chaos [--seed 1] [--faults 200]
 * [--hosts 5] [--units 200] [--etcd-members 3] [--agent-ttl 5] [--kinds a,b]`.
 * Prints one line per fault and a table per fault kind; exits 1 when any
 * violation was seen. Needs root (sandbox hosts).
 */
import { BenchArgs } from './lib/args.js';
import { chaosTable, FAULT_KINDS, runChaos, type FaultKind } from './chaos/run.js';

const args = new BenchArgs();
const seed = args.number('seed', 1);
const agentTtlS = args.number('agent-ttl', 5);
const kinds = args.list('kinds', FAULT_KINDS) as FaultKind[];
for (const k of kinds) if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new RangeError(`--kinds: unknown fault ${JSON.stringify(k)}; known: ${FAULT_KINDS.join(', ')}`);
const t0 = Date.now();
const results = await runChaos({
  seed,
  faults: args.number('faults', 200),
  hosts: args.number('hosts', 5),
  units: args.number('units', 200),
  etcdMembers: args.number('etcd-members', 3),
  agentTtlS,
  kinds,
  log: (l) => console.log(l),
  ...(args.string('log-dir') !== undefined ? { logDir: args.string('log-dir')! } : {}),
});
console.log(`\nchaos run: seed ${seed}, ${results.length} faults in ${((Date.now() - t0) / 60_000).toFixed(1)} min (${new Date().toISOString().slice(0, 10)})\n`);
console.log(chaosTable(results, agentTtlS));
const bad = results.reduce((n, r) => n + r.violations.length, 0);
console.log(`\n${bad} violation(s)`);
process.exit(bad === 0 ? 0 : 1);
