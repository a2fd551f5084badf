/**
 * The entry of fleetctl's start-up snapshot. `npm run build` runs it once
 * under `node --build-snapshot` (scripts/fleetctl-snapshot.mjs): commander
 * and every command are loaded and initialised then, and V8 saves the heap.
 * The `fleetctl` launcher starts Node from that heap, which skips parsing,
 * compiling and initialising ~350 KB of JavaScript on every invocation
 * (README, "fleetctl start-up"). The launcher uses it only when the same
 * node binary built it, and runs the plain bundle (`main.js`) otherwise.
 *
 * Nothing in the modules loaded here may read the environment, the clock
 * or the terminal while loading (that would be frozen into the snapshot);
 * a test builds the snapshot and runs commands through the launcher. The
 * most used commands are then run once against canned answers
 * (`cli/warm-up.ts`), so that the snapshot holds their compiled code too.
 */
import { startupSnapshot } from 'node:v8';
import './cli/program.js';
import { main } from './main.js';
import { warmUp } from './cli/warm-up.js';

/** Where packages left out of the snapshot (the etcd client) are required from at run time; set before main runs. */
declare global {
  // eslint-disable-next-line no-var
  var __fleetctlRequire: ((id: string) => unknown) | undefined;
}

startupSnapshot.setDeserializeMainFunction(() => {
  // `node --snapshot-blob DIR/fleetctl.blob -- ARGS`: argv is [node, ...ARGS]; main reads ARGS from index 2.
  const blob = process.getBuiltinModule('node:path').resolve(process.execArgv[process.execArgv.indexOf('--snapshot-blob') + 1] ?? 'fleetctl.blob');
  let required: NodeJS.Require | undefined;
  globalThis.__fleetctlRequire = (id: string): unknown => (required ??= process.getBuiltinModule('node:module').createRequire(blob))(id);
  process.argv.splice(1, 0, blob.replace(/\.blob$/, ''));
  void main();
});

// The build (scripts/fleetctl-snapshot.mjs) fails on this exit code.
warmUp().catch((err: unknown) => {
  process.stderr.write(`fleetctl snapshot warm-up failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
