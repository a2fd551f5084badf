#!/usr/bin/env node
// Lists and runs the compiled benchmarks by name: `npm run bench` lists them,
// `npm run bench -- <name> [options]` runs one (options go to the benchmark).
// Benchmarks print their figures; none of them is a pass/fail test.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const BENCHES = {
  placement: ['placement.js', 'scheduler speed: 10,000 units on 1,000 machines, pure planning ([units] [machines])'],
  'placement-resources': ['placement-resources.js', 'resource-aware placement: 100,000 units with requests on 5,000 machines, settled re-plan, binpack packing ratio (--units, --machines, --runs)'],
  'etcd-floor': ['etcd-floor.js', 'raw etcd txn throughput on this machine (--puts, --configs KxC,...)'],
  'cost-per-unit': ['cost-per-unit.js', 'etcd writes per started unit; reads on an uninvolved host (--units, --hosts)'],
  dashboard: ['dashboard.js', 'web dashboard on 1,000 hollow machines x 10,000 units in headless chromium: first view, event to screen (--machines, --units, --loads, --probes)'],
  'scale-hollow': ['scale-hollow.js', '1,000 hollow machines x 10,000 units; steady state (--machines, --units, --children)'],
  chaos: ['chaos.js', 'seeded faults on 5 hosts + 3-member etcd, ~200 units; table per fault kind (--seed, --faults, --hosts, --units, --kinds)'],
  'api-fuzz': ['api-fuzz.js', 'hostile input: >= 100,000 generated requests at the API on real etcd, with and without tokens (--requests, --seed)'],
  'api-flood': ['api-flood.js', "one fleetd's API flooded at 10x its rate limit with/without tokens: a second identity's latency, RSS, the host's lease (--seconds, --factor)"],
  'unplaced-writes': ['unplaced-writes.js', 'store writes for publishing why units are unplaced: submit, idle, machine joins, destroy ([units] [machines])'],
  'fleetctl-startup': ['fleetctl-startup.js', 'fleetctl per-invocation wall time and peak RSS through the bundled binary, beside node -e 0 (--runs, --endpoint)'],
  'fleetctl-bulk-rss': ['fleetctl-bulk-rss.js', 'fleetctl peak RSS, wall and CPU time of start --no-block, stop --no-block and destroy of 1,000 unit files through the launcher, beside the 50 MB target (--endpoint, --units, --runs, --fleetctl)'],
  sandbox: ['sandbox-scenarios.js', "fleet's six scenarios + 1,000 units + RSS on real systemd (--runs, --scenarios, --launcher)"],
  'sandbox-trace': ['sandbox-trace.js', 'where the time of a bulk start goes on real systemd: per-stage times, D-Bus calls and registry ops per unit, fleetd CPU profiles (--units, --runs, --cpu-prof, --launcher)'],
};

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || name === 'list' || name === '--help') {
  console.log('usage: npm run bench -- <name> [options]\n');
  for (const [n, [, help]] of Object.entries(BENCHES)) console.log(`  ${n.padEnd(14)} ${help}`);
  process.exit(name === undefined || name === 'list' || name === '--help' ? 0 : 1);
}
const entry = BENCHES[name];
if (entry === undefined) {
  console.error(`unknown benchmark ${JSON.stringify(name)}; known: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(1);
}
const file = join(root, 'dist', 'bench', entry[0]);
if (!existsSync(file)) {
  console.error(`${file} is missing: run \`npm run build\` first`);
  process.exit(1);
}
const r = spawnSync(process.execPath, [file, ...rest], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
