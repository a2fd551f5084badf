#!/usr/bin/env node
/**
 * The quick start: a local fleet cluster (real etcd + sandbox hosts with
 * real systemd and fleetd), the example units started through fleetctl, and
 * the cluster left running until Ctrl-C. Run as root (`./scripts/demo`).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SandboxCluster } from './cluster.js';
import { freePort } from './etcd.js';
import { demoHints } from './demo-hints.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fleetctlBin = fileURLToPath(new URL('../../fleetctl-bundle/fleetctl', import.meta.url));
const REGIONS = ['us-east', 'us-west', 'eu-central', 'ap-south'];

function fleetctl(endpoint: string, ...args: string[]): number {
  process.stdout.write(`\n$ fleetctl ${args.join(' ')}\n`);
  const r = spawnSync(fleetctlBin, ['--endpoint', endpoint, ...args], { cwd: root, stdio: 'inherit' });
  return r.status ?? 1;
}

async function main(): Promise<number> {
  const usage = 'usage: demo [HOSTS] [--etcd-members N]  (1-50 sandbox hosts, default 3; etcd members 1, 3 or 5, default 1)\n';
  const argv = process.argv.slice(2);
  let membersArg: string | undefined = process.env.FLEET_DEMO_ETCD_MEMBERS;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--etcd-members') membersArg = argv[++i];
    else if (a.startsWith('--etcd-members=')) membersArg = a.slice('--etcd-members='.length);
    else if (a === '--help' || a === '-h') {
      process.stdout.write(usage);
      return 0;
    } else positional.push(a);
  }
  const hosts = Number(positional[0] ?? process.env.FLEET_DEMO_HOSTS ?? 3);
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > 50) {
    process.stderr.write(`demo: HOSTS must be 1-50, got ${JSON.stringify(positional[0])}\n${usage}`);
    return 2;
  }
  const etcdMembers = Number(membersArg ?? 1);
  if (![1, 3, 5].includes(etcdMembers)) {
    process.stderr.write(`demo: --etcd-members must be 1, 3 or 5, got ${JSON.stringify(membersArg)}\n${usage}`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('demo: sandbox hosts need root (cgroups, mount namespaces); run it with sudo\n');
    return 1;
  }
  process.stdout.write(`Starting etcd (${etcdMembers} member${etcdMembers > 1 ? 's' : ''}) and ${hosts} sandbox hosts (systemd --user + fleetd each)...\n`);
  // Host 0 also serves the API (and the web dashboard at /ui/) on loopback TCP, with tokens.
  const uiPort = await freePort();
  const cluster = await SandboxCluster.start({ hosts: 0, etcdMembers, agentTtl: '10s', metadata: (i) => `region=${REGIONS[i % REGIONS.length]}` });
  try {
    await cluster.addHost({ FLEET_API_LISTEN: `127.0.0.1:${uiPort}` });
    for (let i = 1; i < hosts; i++) await cluster.addHost();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  let stopping = false;
  const stop = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      process.stdout.write('\nStopping the cluster...\n');
      await cluster.stop();
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    const deadline = Date.now() + 30_000;
    while ((await cluster.registry.api.listMachines()).length < hosts) {
      if (Date.now() > deadline) throw new Error('machines did not register within 30 s; see the fleetd logs under each host scratch dir');
      await new Promise((r) => setTimeout(r, 200));
    }
    const endpoint = `unix://${cluster.hosts[0]!.apiSocket}`;
    const started = fleetctl(endpoint, 'start', 'examples/hello.service', 'examples/monitor.service', 'examples/web@1.service', 'examples/web@2.service', 'examples/web@3.service');
    fleetctl(endpoint, 'list-machines');
    fleetctl(endpoint, 'list-units');
    const token = spawnSync(fleetctlBin, ['--endpoint', endpoint, 'token', 'create', '--name', 'demo-dashboard', '--role', 'operate'], { cwd: root, encoding: 'utf8' });
    const dashboard = token.status === 0 ? [`Web dashboard: http://127.0.0.1:${uiPort}/ui/  (token, role operate: ${token.stdout.trim()})`] : [`Web dashboard: http://127.0.0.1:${uiPort}/ui/  (create a token: fleetctl token create --name me --role operate)`];
    process.stdout.write(
      [
        '',
        `The cluster is up (${hosts} hosts, etcd at ${cluster.etcd.endpoints.join(',')}). Point fleetctl at it:`,
        ...demoHints({ root, endpoint, etcdEndpoint: cluster.etcd.endpoints.join(',') }),
        ...dashboard,
        'Each host also has its own API socket:',
        ...cluster.hosts.map((h) => `  host ${h.index}: unix://${h.apiSocket}  (fleetd log: ${h.logPath})`),
        'Press Ctrl-C to stop everything.',
        '',
      ].join('\n'),
    );
    if (started !== 0) process.stderr.write('demo: `fleetctl start` failed (see above); the cluster stays up for inspection\n');
    await new Promise(() => undefined);
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\n`);
    return stop(1);
  }
  return 0;
}

void main().then((code) => process.exit(code));
