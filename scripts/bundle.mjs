#!/usr/bin/env node
// Bundles the two bins after `tsc` (part of `npm run build`), with source
// maps chained through tsc's maps back to the .ts sources
// (`node --enable-source-maps`, or any source-map tool, on a stack trace).
//
// fleetctl: one small ES module plus lazily loaded chunks: `version` alone
// loads no command, the commands load on the first other invocation's
// import, the etcd driver (etcd3 + gRPC, left in node_modules) only with
// `--driver etcd`.
// Figures (README "fleetctl start-up"): bench/fleetctl-startup.ts.
//
// fleetd: one file with its dependencies (etcd3, gRPC, protobufjs, pino,
// prom-client, dbus-next), whitespace and syntax minified but names kept (a
// stack trace in the log still names its functions). Loading ~450 modules
// kept their sources, module records and wrappers in fleetd's heap for its
// whole life; the bundle costs ~8 MiB less resident memory (README, "fleetd
// RSS on a host running 1,000 units").
import { build } from 'esbuild';
import { buildFleetctlSnapshot, lazyChildProcess } from './fleetctl-snapshot.mjs';
import { chmodSync, readFileSync, rmSync } from 'node:fs';

const fleetctlDir = 'dist/fleetctl-bundle';
rmSync(fleetctlDir, { recursive: true, force: true }); // no stale chunks from earlier builds
await build({
  entryPoints: ['dist/fleetctl/main.js'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // commander is bundled too (loading it as a CommonJS package through the ES
  // module loader cost ~20 ms per invocation); the etcd client stays in
  // node_modules, loaded only by the etcd driver's chunk.
  external: ['etcd3', 'etcd3/*', 'cockatiel'],
  plugins: [lazyChildProcess],
  banner: { js: "import { createRequire as __fleetctlCreateRequire } from 'node:module';\nconst require = __fleetctlCreateRequire(import.meta.url);" },
  minifyWhitespace: true,
  minifySyntax: true,
  outdir: fleetctlDir,
  sourcemap: 'linked',
  logLevel: 'warning',
});
chmodSync(`${fleetctlDir}/main.js`, 0o755);
// The `fleetctl` launcher and its start-up snapshot (fleetctl/snapshot.ts), built with the flags the
// launcher starts Node with (tsc has compiled fleetctl/cli/node-flags.ts by now; a test pins the launcher's).
const { FLEETCTL_NODE_FLAGS } = await import('../dist/fleetctl/cli/node-flags.js');
await buildFleetctlSnapshot(fleetctlDir, FLEETCTL_NODE_FLAGS);

/**
 * etcd3 loads its protocol definition from `${__dirname}/../proto/rpc.proto`;
 * inside an ES module bundle there is no `__dirname`, so that one path is
 * resolved from the installed package instead (the same file). Fails the
 * build if etcd3 no longer reads it that way.
 */
const etcd3ProtoPath = {
  name: 'etcd3-proto-path',
  setup(b) {
    b.onLoad({ filter: /[\\/]etcd3[\\/]lib[\\/]connection-pool\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const path = '`${__dirname}/../proto/rpc.proto`';
      if (!source.includes(path)) throw new Error(`${args.path} no longer loads ${path}: update scripts/bundle.mjs`);
      return { contents: source.replace(path, 'require.resolve("etcd3/proto/rpc.proto")'), loader: 'js' };
    });
  },
};

/**
 * long (64-bit integers for gRPC and protobufjs) compiles a small
 * WebAssembly module at load for faster multiply/divide. That first wasm
 * compilation brings in V8's wasm engine: ~0.8 MiB more resident (Node's
 * binary pages) for the process's life, while fleetd only converts etcd
 * revisions and lease ids now and then. Its plain-JavaScript path (the one
 * it takes wherever WebAssembly is unavailable) gives the same results.
 * Fails the build if long no longer creates the module that way.
 */
const longWithoutWasm = {
  name: 'long-without-wasm',
  setup(b) {
    b.onLoad({ filter: /[\\/]long[\\/]umd[\\/]index\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const create = 'wasm = new WebAssembly.Instance(';
      if (!source.includes(create)) throw new Error(`${args.path} no longer contains ${create}: update scripts/bundle.mjs`);
      return { contents: source.replace(create, 'wasm = null && new WebAssembly.Instance('), loader: 'js' };
    });
  },
};

const fleetdDir = 'dist/fleetd-bundle';
rmSync(fleetdDir, { recursive: true, force: true });
await build({
  entryPoints: ['dist/src/bin/fleetd.js'],
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The CommonJS dependencies call require() for Node's own modules (and
  // etcd3 for its .proto file).
  banner: { js: "import { createRequire as __fleetdCreateRequire } from 'node:module';\nconst require = __fleetdCreateRequire(import.meta.url);" },
  plugins: [etcd3ProtoPath, longWithoutWasm],
  minifyWhitespace: true,
  minifySyntax: true,
  outdir: fleetdDir,
  sourcemap: 'linked',
  logLevel: 'warning',
});
chmodSync(`${fleetdDir}/fleetd.js`, 0o755);
assertOneByteSource(`${fleetdDir}/fleetd.js`);

/**
 * V8 keeps a script's source in the heap for the process's life, one byte
 * per character only if every character is at most U+00FF: a single other
 * one (esbuild escapes them in strings, not in regular expression literals)
 * doubles fleetd's 1.5 MB source to 3 MB of UTF-16. Fails the build naming it.
 */
function assertOneByteSource(file) {
  const text = readFileSync(file, 'utf8');
  const at = text.search(/[^\u0000-\u00ff]/u);
  if (at < 0) return;
  const line = text.slice(0, at).split('\n').length;
  throw new Error(`${file}:${line}: character U+${text.codePointAt(at).toString(16).padStart(4, '0')} in ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 40))}; escape it in the source (\\uXXXX) so V8 can hold the bundle as one-byte text`);
}
