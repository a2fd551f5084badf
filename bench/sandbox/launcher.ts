import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiRegistry, UnitWithText } from '../../src/registry/index.js';

/**
 * How a scenario submits work: the same etcd writes the API makes (the
 * default, while fleetctl is being written), or the fleetctl binary itself
 * (`--launcher fleetctl`). Both return once the request is accepted; the
 * scenario then waits on systemd itself, as `fleetctl start` blocking does.
 */
export interface UnitLauncher {
  /** Short description for the output. */
  readonly label: string;
  /** Creates `units` with desired state `launched`. */
  start(units: readonly UnitWithText[]): Promise<void>;
  /** Destroys the named units. */
  destroy(names: readonly string[]): Promise<void>;
  /** Sets the named units' desired state to `loaded` (stopped, still loaded). */
  stop(names: readonly string[]): Promise<void>;
  /** Sets the named units' desired state to `inactive` (unloaded everywhere, still submitted). */
  unload(names: readonly string[]): Promise<void>;
}

/** Launches through the registry's API role (createUnit + destroyUnit), `concurrency` requests in flight. */
export class RegistryLauncher implements UnitLauncher {
  readonly label = 'registry API role (createUnit launched / destroyUnit), as fleetctl --driver etcd writes them';

  constructor(private readonly api: ApiRegistry, private readonly concurrency = 16) {}

  start(units: readonly UnitWithText[]): Promise<void> {
    return this.each(units, (u) => this.api.createUnit(u, 'launched'));
  }

  destroy(names: readonly string[]): Promise<void> {
    return this.each(names, (n) => this.api.destroyUnit(n));
  }

  stop(names: readonly string[]): Promise<void> {
    return this.each(names, (n) => this.api.setDesiredState(n, 'loaded'));
  }

  unload(names: readonly string[]): Promise<void> {
    return this.each(names, (n) => this.api.setDesiredState(n, 'inactive'));
  }

  private async each<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(this.concurrency, items.length) }, async () => {
        for (let i = next++; i < items.length; i = next++) await fn(items[i]!);
      }),
    );
  }
}

/** Compiled fleetctl entry point (this file lives in dist/bench/sandbox/). */
const FLEETCTL = new URL('../../fleetctl-bundle/fleetctl', import.meta.url).pathname;

/**
 * Launches with the real fleetctl binary, executed as operators run it (the
 * launcher, from fleetctl's start-up snapshot): `dist/fleetctl-bundle/fleetctl
 * --driver etcd --endpoint <url> start --no-block <files>` and `destroy
 * <names>`, one invocation per call (as an operator would type it). With
 * `driver` `api`, through a fleetd's API (`--endpoint unix://...`), the way
 * operators use it. `returned` records how long each invocation took until
 * the command exited (`start --no-block`, `destroy` waiting until gone).
 */
export class FleetctlLauncher implements UnitLauncher {
  readonly label: string;
  /** Per command name, the wall time of each invocation until it exited, ms. */
  readonly returned = new Map<string, number[]>();

  constructor(
    private readonly endpoint: string,
    private readonly driver: 'etcd' | 'api' = 'etcd',
  ) {
    this.label = `fleetctl binary (${FLEETCTL}, --driver ${driver}${driver === 'api' ? ` --endpoint ${endpoint}` : ''})`;
  }

  async start(units: readonly UnitWithText[]): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-bench-units-'));
    try {
      const files = units.map((u) => {
        const path = join(dir, u.name);
        writeFileSync(path, u.text);
        return path;
      });
      await this.run(['start', '--no-block', ...files]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  destroy(names: readonly string[]): Promise<void> {
    return this.run(['destroy', ...names]);
  }

  stop(names: readonly string[]): Promise<void> {
    return this.run(['stop', '--no-block', ...names]);
  }

  unload(names: readonly string[]): Promise<void> {
    return this.run(['unload', '--no-block', ...names]);
  }

  private run(args: readonly string[]): Promise<void> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const p = spawn(FLEETCTL, ['--driver', this.driver, '--endpoint', this.endpoint, '--request-timeout', '10', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
      p.once('error', reject);
      p.once('exit', (code) => {
        const list = this.returned.get(args[0]!) ?? [];
        list.push(performance.now() - started);
        this.returned.set(args[0]!, list);
        if (code === 0) resolve();
        else reject(new Error(`fleetctl ${args[0]} exited ${code}: ${err}`));
      });
    });
  }
}
