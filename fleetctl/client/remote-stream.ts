/**
 * `status` and `journal` output comes from the fleetd of the machine that
 * runs the unit, as a text/plain stream whose command exit code arrives in
 * the `X-Fleet-Exit-Code` header (or trailer, when known only at the end).
 * A fleetd that does not run the unit answers 409; the caller then connects
 * to the API endpoint that machine publishes in its machine record.
 */
import type { IncomingMessage } from 'node:http';
import { parseApiEndpoint } from './endpoint.js';
import { ApiError, FleetClientError, MachineUnreachableError, errorMessage } from './errors.js';
import { apiPath, readText, send, type HttpTarget } from './http-transport.js';
import type { FleetMachine, JournalOptions, StreamTarget } from './types.js';

/** Header (or trailer) carrying the remote command's exit code. */
export const EXIT_CODE_HEADER = 'x-fleet-exit-code';

/** Header of a 409 naming the machine that runs the unit. */
export const MACHINE_HEADER = 'x-fleet-machine-id';

/** The API resource (below `/fleet/v1`) of a unit's status or journal stream. */
export function streamResource(name: string, what: 'status' | { journal: JournalOptions }, machineId?: string): string {
  const params = new URLSearchParams();
  if (what !== 'status') {
    params.set('lines', String(what.journal.lines));
    params.set('output', what.journal.output);
    params.set('follow', String(what.journal.follow));
  }
  if (machineId !== undefined) params.set('machineID', machineId);
  const query = params.toString();
  return `/units/${encodeURIComponent(name)}/${what === 'status' ? 'status' : 'journal'}${query ? `?${query}` : ''}`;
}

/** Outcome of asking one fleetd for a stream. */
export type StreamOutcome =
  | { readonly kind: 'done'; readonly exitCode: number }
  /** 409: another machine runs the unit; `machineId` when the API named it. */
  | { readonly kind: 'elsewhere'; readonly machineId?: string };

function exitCodeOf(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v.trim());
  return Number.isInteger(n) ? n : undefined;
}

/** Copies a 200 response to the sink; resolves with the exit code (0 when aborted or not reported). */
async function pipeStream(res: IncomingMessage, target: StreamTarget): Promise<number> {
  const fromHeader = exitCodeOf(res.headers[EXIT_CODE_HEADER]);
  try {
    for await (const chunk of res) target.write(chunk as Buffer);
  } catch (err) {
    if (target.signal?.aborted) return 0;
    throw err;
  }
  if (target.signal?.aborted) return 0;
  return exitCodeOf(res.trailers[EXIT_CODE_HEADER]) ?? fromHeader ?? 0;
}

/**
 * Asks the fleetd behind `http` for the stream at `resource`.
 * @throws {ApiError} for answers other than 200 and 409; `TransportError`
 *   when it cannot be reached.
 */
export async function requestStream(http: HttpTarget, resource: string, target: StreamTarget): Promise<StreamOutcome> {
  let res: IncomingMessage;
  try {
    res = await send(http, 'GET', apiPath(http, resource), { signal: target.signal, idle: false });
  } catch (err) {
    if (target.signal?.aborted) return { kind: 'done', exitCode: 0 };
    throw err;
  }
  const status = res.statusCode ?? 0;
  if (status === 200) return { kind: 'done', exitCode: await pipeStream(res, target) };
  const text = await readText(res);
  let error: { message?: unknown; machineID?: unknown } = {};
  try {
    const body = JSON.parse(text) as { error?: typeof error; machineID?: unknown };
    error = { ...body.error, machineID: body.error?.machineID ?? body.machineID };
  } catch {
    error = { message: text.trim() };
  }
  if (status === 409) {
    // The API names the machine in `X-Fleet-Machine-ID` (src/api/unit-location.ts); a body field is accepted too.
    const header = res.headers[MACHINE_HEADER];
    const machineId = typeof header === 'string' && header !== '' ? header : typeof error.machineID === 'string' ? error.machineID : undefined;
    return machineId === undefined ? { kind: 'elsewhere' } : { kind: 'elsewhere', machineId };
  }
  throw new ApiError(status, typeof error.message === 'string' ? error.message : '');
}

/**
 * Streams from the API endpoint `machine` publishes (the fleetd that runs
 * `unitName`).
 * @throws {MachineUnreachableError} when the machine is unknown, publishes
 *   no endpoint, cannot be reached, or itself says the unit runs elsewhere.
 */
export async function streamFromMachine(
  machineId: string,
  machine: FleetMachine | undefined,
  unitName: string,
  resource: string,
  target: StreamTarget,
  connection: Pick<HttpTarget, 'tls' | 'token' | 'rateLimit'>,
): Promise<number> {
  if (machine === undefined) throw new MachineUnreachableError(machineId, unitName, 'the machine is not present in the cluster');
  if (machine.apiEndpoint === undefined || machine.apiEndpoint === '') {
    throw new MachineUnreachableError(machineId, unitName, 'the machine publishes no API endpoint');
  }
  let outcome: StreamOutcome;
  try {
    const { endpoint } = parseApiEndpoint(machine.apiEndpoint);
    // The same credentials (TLS files, token) go to the unit's machine: with auth on, every fleetd checks the same tokens.
    outcome = await requestStream({ ...connection, endpoint, idleTimeoutMs: 0 }, resource, target);
  } catch (err) {
    if (err instanceof FleetClientError && !(err instanceof ApiError)) {
      throw new MachineUnreachableError(machineId, unitName, `${machine.apiEndpoint}: ${errorMessage(err)}`);
    }
    throw err;
  }
  if (outcome.kind === 'elsewhere') {
    throw new MachineUnreachableError(machineId, unitName, `${machine.apiEndpoint} says the unit runs on another machine`);
  }
  return outcome.exitCode;
}
