// fleetctl's start-up snapshot (fleetctl/snapshot.ts), built by
// scripts/bundle.mjs after the bundle: one CommonJS file (a snapshot's entry
// may require only Node's own modules; the etcd client is required at run
// time through globalThis.__fleetctlRequire), then `node --build-snapshot`,
// then the stamp of the node binary that built it, which the launcher
// compares before using the blob (a blob from another node crashes it).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';

/** `SIZE MTIME INODE` of the node binary, as the launcher computes it with `stat -L -c '%s %Y %i'`. */
export function nodeStamp(nodePath = process.execPath) {
  const s = statSync(realpathSync(nodePath));
  return `${s.size} ${Math.floor(s.mtimeMs / 1000)} ${s.ino}`;
}

/** Packages the snapshot must not contain: resolved when first used, from the installed tree. */
const runtimeRequired = {
  name: 'fleetctl-runtime-require',
  setup(b) {
    b.onResolve({ filter: /^(etcd3|cockatiel)(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'runtime-require' }));
    b.onLoad({ filter: /.*/, namespace: 'runtime-require' }, (args) => ({
      contents: `module.exports = globalThis.__fleetctlRequire(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * commander requires node:child_process at load, for a feature fleetctl
 * does not use (executable subcommands): give it the module on first use.
 * Loading it cost ~10 ms per invocation, and a snapshot should not hold it.
 */
export const lazyChildProcess = {
  name: 'fleetctl-lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (/[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-child-process' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, name) => process.getBuiltinModule('node:child_process')[name] });",
      loader: 'js',
    }));
  },
};

/**
 * Builds `dir/fleetctl.blob` (+ `.node` stamp) and the `dir/fleetctl`
 * launcher. `nodeFlags` are the V8 flags the launcher starts Node with
 * (the blob is built with the same ones).
 */
export async function buildFleetctlSnapshot(dir, nodeFlags) {
  const entry = `${dir}/snapshot-entry.cjs`;
  await build({
    entryPoints: ['dist/fleetctl/snapshot.js'],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    supported: { 'dynamic-import': false },
    // Modules read their own location (package.json for `version`): the bundle's, as in main.js.
    define: { 'import.meta.url': '__fleetctlModuleUrl' },
    banner: { js: 'var __fleetctlModuleUrl = require("node:url").pathToFileURL(require("node:path").join(__dirname, "snapshot-module.js")).href;' },
    plugins: [runtimeRequired, lazyChildProcess],
    minifyWhitespace: true,
    minifySyntax: true,
    outfile: entry,
    logLevel: 'warning',
  });
  const blob = `${dir}/fleetctl.blob`;
  rmSync(blob, { force: true });
  const r = spawnSync(process.execPath, [...nodeFlags, '--snapshot-blob', blob, '--build-snapshot', entry], { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: '' } });
  // Node 20 warns when the snapshot holds a built-in module it has not verified for snapshots
  // (node:http, node:child_process, ...): such state could be stale after start-up. Refuse it.
  if (r.status !== 0 || /warning/i.test(r.stderr)) {
    rmSync(blob, { force: true });
    throw new Error(`building fleetctl's start-up snapshot failed (exit ${r.status}):\n${r.stderr}`);
  }
  writeFileSync(`${blob}.node`, `${nodeStamp()}\n`);
  rmSync(entry);
  copyFileSync('fleetctl/launcher.sh', `${dir}/fleetctl`);
  chmodSync(`${dir}/fleetctl`, 0o755);
}
