/**
 * What publishing "why is this unit unplaced" costs in store writes: the
 * engine leader writes `engine/unplaced/<name>` only when an explanation
 * changes. An oversubscribed spread template (`web@N` with
 * `Conflicts=web@*`, more instances than machines) on the in-memory registry
 * (same keys and transactions as etcd); prints schedule and explanation
 * writes per phase: submit, idle (periodic passes), a machine joins, destroy.
 *
 *   npm run build && node dist/bench/unplaced-writes.js [units=1000] [machines=10]
 */
import { createMemoryRegistry, type MachinePresence } from '../src/registry/index.js';
import { Engine } from '../src/engine/engine.js';
import { silentLogger } from '../src/fleetd/logger.js';
import { buildUnit } from '../src/units/unit.js';

const [units = 1000, machines = 10] = process.argv.slice(2).map(Number);
const INTERVAL_MS = 200;
const reg = createMemoryRegistry();
const engine = new Engine({ registry: reg.engine, election: reg.election({ machineId: 'e0', ttlSeconds: 5 }), logger: silentLogger(), reconcileIntervalMs: INTERVAL_MS });
const presences: MachinePresence[] = [];
const machine = (i: number) => ({ id: `m${String(i).padStart(4, '0')}`, publicIP: '127.0.0.1', metadata: {}, version: 'bench', capabilities: {} });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until the engine wrote nothing for 4 samples, 1.5 reconcile intervals apart (so periodic passes ran). */
async function settle(): Promise<void> {
  let last = -1;
  let quiet = 0;
  while (quiet < 4) {
    await sleep(1.5 * INTERVAL_MS);
    const w = engine.stats.opsWritten + engine.stats.unplacedWrites;
    quiet = w === last ? quiet + 1 : 0;
    last = w;
  }
}

async function phase(name: string, act: () => Promise<void>): Promise<void> {
  const s0 = engine.stats.opsWritten;
  const u0 = engine.stats.unplacedWrites;
  const p0 = engine.stats.passes;
  await act();
  await settle();
  const s = engine.stats.opsWritten - s0;
  const u = engine.stats.unplacedWrites - u0;
  console.log(`  ${name.padEnd(28)} passes ${String(engine.stats.passes - p0).padStart(4)}  schedule writes ${String(s).padStart(6)}  explanation writes ${String(u).padStart(6)}`);
}

try {
  for (let i = 0; i < machines; i++) presences.push(await reg.agent.announce(machine(i), { ttlSeconds: 30 }));
  await engine.start();
  console.log(`unplaced-writes: ${units} x web@N (Conflicts=web@*) on ${machines} machines, in-memory registry, engine_reconcile_interval ${INTERVAL_MS} ms`);
  await phase('submit', async () => {
    for (let i = 0; i < units; i++) {
      const u = buildUnit(`web@${i}.service`, '[Service]\nExecStart=/bin/sleep 1000\n[X-Fleet]\nConflicts=web@*.service\n');
      await reg.api.createUnit({ name: u.name, options: u.options, text: u.text, hash: u.hash }, 'launched');
    }
  });
  // The first quiet stretch still carries what the per-pass cap (500) deferred.
  await phase('settling (deferred rest)', () => sleep(5 * INTERVAL_MS));
  await phase('idle (periodic passes)', () => sleep(5 * INTERVAL_MS));
  await phase('one machine joins', async () => {
    presences.push(await reg.agent.announce(machine(machines), { ttlSeconds: 30 }));
  });
  await phase('destroy all', async () => {
    for (let i = 0; i < units; i++) await reg.api.destroyUnit(`web@${i}.service`);
  });
} finally {
  await engine.stop();
  for (const p of presences) await p.stop({ graceful: true }).catch(() => undefined);
  await reg.close();
}
