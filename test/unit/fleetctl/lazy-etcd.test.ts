/**
 * Start-up cost (issue 10): the API driver must not load the etcd client
 * (etcd3 + gRPC); only `--driver etcd` does. Checked in a fresh process by
 * looking at the CommonJS module cache, which every package loaded through
 * ESM `import` also enters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const program = fileURLToPath(new URL('../../../fleetctl/cli/program.js', import.meta.url));
const io = fileURLToPath(new URL('../../../fleetctl/output/io.js', import.meta.url));

/** Runs fleetctl in a fresh node and reports which packages it loaded. */
function loadedPackages(argv: readonly string[]): { code: number; packages: string[] } {
  const script = `
    import Module from 'node:module';
    const { runCli } = await import(${JSON.stringify(program)});
    const { bufferOutput } = await import(${JSON.stringify(io)});
    const code = await runCli(${JSON.stringify(argv)}, { out: bufferOutput(false), env: {} });
    const packages = new Set(Object.keys(Module._cache).flatMap((k) => k.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)/)?.[1] ?? []));
    console.log(JSON.stringify({ code, packages: [...packages].sort() }));
    process.exit(0);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('the API driver path never imports the etcd client', () => {
  for (const argv of [['version'], ['--endpoint', 'unix:///nonexistent/fleet.sock', 'list-units'], ['--endpoint', 'unix:///nonexistent/fleet.sock', 'destroy', 'a.service']]) {
    const { packages } = loadedPackages(argv);
    assert.ok(!packages.includes('etcd3') && !packages.includes('@grpc/grpc-js'), `${argv.join(' ')} loaded ${packages.join(', ')}`);
  }
});

test('--driver etcd does load it (so the check above can see it)', () => {
  const { code, packages } = loadedPackages(['--driver', 'etcd', '--endpoint', 'http://127.0.0.1:1', '--request-timeout', '0.2', 'list-units']);
  assert.equal(code, 1);
  assert.ok(packages.includes('etcd3'), packages.join(', '));
});

/** The bundle operators run (`bin/fleetctl`): packages it loaded, reported by a preload at exit. */
function bundleLoads(argv: readonly string[]): string[] {
  const bundle = fileURLToPath(new URL('../../../fleetctl-bundle/main.js', import.meta.url));
  const preload = `import Module from 'node:module'; process.on('exit', () => { const p = new Set(Object.keys(Module._cache).flatMap((k) => k.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)/)?.[1] ?? [])); process.stderr.write('PACKAGES ' + JSON.stringify([...p].sort()) + '\\n'); });`;
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(preload)}`, bundle, ...argv], { encoding: 'utf8', timeout: 30_000 });
  const line = r.stderr.split('\n').find((l) => l.startsWith('PACKAGES '));
  assert.ok(line !== undefined, `no report; stderr: ${r.stderr}`);
  return JSON.parse(line.slice('PACKAGES '.length));
}

test('the bundled binary keeps the etcd driver in a chunk it loads only for --driver etcd', () => {
  assert.ok(!bundleLoads(['version']).includes('etcd3'));
  assert.ok(!bundleLoads(['--endpoint', 'unix:///nonexistent/fleet.sock', 'list-units']).includes('etcd3'));
  assert.ok(bundleLoads(['--driver', 'etcd', '--endpoint', 'http://127.0.0.1:1', '--request-timeout', '0.2', 'list-units']).includes('etcd3'));
});

/** Node's own modules the bundle loaded for `argv`, reported by a preload at exit. */
function bundleBuiltins(argv: readonly string[]): string[] {
  const bundle = fileURLToPath(new URL('../../../fleetctl-bundle/main.js', import.meta.url));
  const preload = `process.on('exit', () => process.stderr.write('BUILTINS ' + JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13))) + '\\n'));`;
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(preload)}`, bundle, ...argv], { encoding: 'utf8', timeout: 30_000 });
  const line = r.stderr.split('\n').find((l) => l.startsWith('BUILTINS '));
  assert.ok(line !== undefined, `no report; stderr: ${r.stderr}`);
  return JSON.parse(line.slice('BUILTINS '.length));
}

test('start-up: `version` loads neither the HTTP client nor commander; API requests over a plain connection load neither node:http nor TLS', () => {
  const version = bundleBuiltins(['version']);
  assert.ok(!version.includes('http') && !version.includes('https'), version.join(' '));
  assert.ok(!version.includes('child_process'), `commander (which loads child_process) was loaded: ${version.join(' ')}`);
  for (const endpoint of ['unix:///nonexistent/fleet.sock', 'http://127.0.0.1:1']) {
    const list = bundleBuiltins(['--endpoint', endpoint, '--request-timeout', '0.2', 'list-units']);
    assert.ok(list.includes('net'), list.join(' '));
    assert.ok(!list.includes('http') && !list.includes('_http_client') && !list.includes('https') && !list.includes('tls'), `${endpoint}: ${list.join(' ')}`);
  }
  // An https endpoint does (so the check above can see them).
  const tls = bundleBuiltins(['--endpoint', 'https://127.0.0.1:1', '--request-timeout', '0.2', 'list-units']);
  assert.ok(tls.includes('https') && tls.includes('tls'), tls.join(' '));
});
