/**
 * A leader-election candidate in its own process, for tests that freeze it
 * with SIGSTOP. Usage: node etcd-election-child.js <endpoint> <prefix> <machineId> <ttlSeconds>
 *
 * Prints `ELECTED <createRevision>` when it wins, then — ignoring `isLeader`
 * on purpose, to play a leader that missed its own demotion — tries a fenced
 * schedule write with the fence it won every 100 ms and prints
 * `WRITE <seq> ok` or `WRITE <seq> <error code>`.
 */
import { createEtcdRegistry } from '../../src/registry/etcd-registry.js';
import type { RegistryError } from '../../src/registry/errors.js';

const [endpoint, prefix, machineId, ttl] = process.argv.slice(2);
const registry = createEtcdRegistry({ endpoints: [endpoint!], prefix: prefix!, requestTimeoutMs: 2000 });
const election = registry.election({ machineId: machineId!, ttlSeconds: Number(ttl) });
const say = (line: string): void => void process.stdout.write(`${line}\n`);

election.on('elected', (fence) => {
  say(`ELECTED ${fence.createRevision}`);
  let seq = 0;
  setInterval(() => {
    const n = seq++;
    registry.engine
      .applySchedule([{ type: 'put', entry: { machineId: 'm1', name: `w${n}.service`, hash: 'h', targetState: 'launched' } }], fence)
      .then(
        () => say(`WRITE ${n} ok`),
        (err: RegistryError) => say(`WRITE ${n} ${err.code ?? err.message}`),
      );
  }, 100);
});
election.on('deposed', (why) => say(`DEPOSED ${why}`));
void election.start();
