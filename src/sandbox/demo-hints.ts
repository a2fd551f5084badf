/**
 * What the quick start prints once the cluster is up: the two `export`
 * lines that put this checkout's `bin/` (plain `fleetctl` and `fleetd`
 * commands) on the PATH and point fleetctl at the cluster, then commands to
 * try, written as an operator types them.
 */
import { join } from 'node:path';

/** Where the printed commands should point. */
export interface DemoHintsInput {
  /** The checkout's root directory (holds `bin/`). */
  readonly root: string;
  /** fleetctl endpoint of one host's API, e.g. `unix:///tmp/.../fleet.sock`. */
  readonly endpoint: string;
  /** One etcd client URL, for the `--driver etcd` example. */
  readonly etcdEndpoint: string;
}

/** The `export` lines, in the order to run them. */
export function demoExports(input: DemoHintsInput): string[] {
  return [`export PATH=${join(input.root, 'bin')}:$PATH`, `export FLEETCTL_ENDPOINT=${input.endpoint}`];
}

/** The lines printed after "Point fleetctl at it:", indented by two spaces. */
export function demoHints(input: DemoHintsInput): string[] {
  return [
    ...demoExports(input),
    'fleetctl list-units',
    'fleetctl status hello.service',
    'fleetctl journal monitor.service',
    `fleetctl --driver etcd --endpoint ${input.etcdEndpoint} list-machines`,
  ].map((l) => `  ${l}`);
}
