/**
 * The build-time warm-up of fleetctl's start-up snapshot (`snapshot.ts`).
 * A V8 snapshot keeps the bytecode of every function compiled before it was
 * taken, and a function never run is compiled on its first call in every
 * invocation. So before the heap is saved, the commands run most often
 * (shell completion's `list-unit-files --no-legend --fields=unit`, the list
 * commands) go once through the real CLI, API client and output code,
 * against canned answers from an in-memory `request` function: nothing is
 * sent anywhere and the output is discarded. The connection code itself
 * (`client/plain-http.ts` on `node:net` for JSON requests, Node's HTTP
 * client for streams and https) cannot run while the snapshot is built, so
 * it is the part still compiled at run time.
 */
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { HttpFleetClient } from '../client/http-client.js';
import type { RequestFn } from '../client/http-transport.js';
import { bufferOutput } from '../output/io.js';
import type { ApiMachine, ApiUnit, ApiUnitState } from '../../src/api/schema.js';
import { runCli } from './program.js';

/** The command lines warmed, as operators and the completion script type them. */
export const WARM_COMMANDS: readonly (readonly string[])[] = [
  ['list-unit-files', '--no-legend', '--fields=unit'],
  ['list-units'],
  ['list-unit-files'],
  ['list-machines'],
];

const MACHINE = '0123456789abcdef0123456789abcdef';
const HASH = '0123456789abcdef0123456789abcdef01234567';

/** Canned API answers by resource (the path after `/fleet/v1`, query left out). */
function cannedBody(resource: string): unknown {
  const names = ['a.service', 'b@1.service', 'c.timer'];
  const units: ApiUnit[] = names.map((name, i) => ({
    name,
    desiredState: 'launched',
    currentState: 'launched',
    machineID: MACHINE,
    ...(i === 0 ? { options: [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1d' }, { section: 'X-Fleet', name: 'Conflicts', value: 'b@*.service' }] } : {}),
  }));
  const states: ApiUnitState[] = names.map((name) => ({ name, hash: HASH, machineID: MACHINE, systemdLoadState: 'loaded', systemdActiveState: 'active', systemdSubState: 'running' }));
  const machines: ApiMachine[] = [{ id: MACHINE, primaryIP: '127.0.0.2', metadata: { region: 'us-east' } }];
  if (resource === '/units') return { units };
  if (resource === '/state') return { states };
  if (resource === '/machines') return { machines };
  return { error: { code: 404, message: 'not found' } };
}

/** An in-memory `http.request`: answers each request with {@link cannedBody} on the next turn. */
const cannedRequest = ((options: { path?: string }, onResponse: (res: IncomingMessage) => void) => {
  const req = Object.assign(new EventEmitter(), {
    setTimeout: () => req,
    end: () => {
      const resource = (options.path ?? '').split('?')[0]!.replace(/^.*\/fleet\/v1/, '');
      const body = cannedBody(resource);
      const res = Object.assign(Readable.from([Buffer.from(JSON.stringify(body))]), {
        statusCode: 'error' in (body as object) ? 404 : 200,
        headers: { 'content-type': 'application/json' },
      });
      queueMicrotask(() => onResponse(res as unknown as IncomingMessage));
      return req;
    },
  });
  return req as unknown as ClientRequest;
}) as unknown as RequestFn;

/**
 * Runs {@link WARM_COMMANDS} against the canned answers.
 * @throws when one of them fails: the warm-up would then warm the error path instead.
 */
export async function warmUp(): Promise<void> {
  for (const argv of WARM_COMMANDS) {
    const out = bufferOutput();
    const code = await runCli(argv, {
      out,
      env: {},
      createClient: () => new HttpFleetClient({ endpoint: { kind: 'unix', socketPath: '/nonexistent/fleet.sock' }, idleTimeoutMs: 1000, request: cannedRequest }),
    });
    if (code !== 0) throw new Error(`warming up \`fleetctl ${argv.join(' ')}\` failed (exit ${code}): ${out.err()}`);
  }
}
