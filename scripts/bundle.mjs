#!/usr/bin/env node
// Bundles fleetctl after `tsc` (part of `npm run build`): one ES module plus
// lazily loaded chunks (the etcd driver), so a command loads a handful of
// files instead of ~200. Dependencies stay external and are loaded from
// node_modules as before: etcd3 in particular must stay one module instance,
// because src/registry/etcd3-watch-fixes.ts patches its internals.
// Figures (README "fleetctl start-up"): bench/fleetctl-startup.ts.
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';

const outdir = 'dist/fleetctl-bundle';
rmSync(outdir, { recursive: true, force: true }); // no stale chunks from earlier builds
await build({
  entryPoints: ['dist/fleetctl/main.js'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outdir,
  sourcemap: 'linked', // chained through tsc's maps back to the .ts sources (node --enable-source-maps)
  logLevel: 'warning',
});
chmodSync(`${outdir}/main.js`, 0o755);
