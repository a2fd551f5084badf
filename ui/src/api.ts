/**
 * The dashboard's client of fleet's HTTP API (the same API fleetctl uses),
 * on the origin that served the page, with the session's bearer token.
 * Errors are {@link ApiError}s carrying fleet's status and message.
 */
import type { ApiMachine, ApiMachinePage, ApiUnit, ApiUnitPage, ApiUnitState, ApiUnitStatePage } from '../../src/api/schema.js';
import type { UnitExplanation } from '../../src/engine/explain.js';
import type { DesiredState } from '../../src/domain/desired-state.js';
import { sessionToken } from './session.js';

export type { UnitExplanation };

/** Where the API is served. */
export const API = '/fleet/v1';

/** Items per list request: the API's largest page, so each list is one request (all three in parallel) up to 65,535 items. */
export const PAGE_SIZE = 65535;

/** A refused or failed API request: fleet's status and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers?: Headers,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Who this session is, as the API sees it (`GET /auth/whoami`). */
export interface WhoAmI {
  readonly kind: 'token' | 'local' | 'anonymous';
  readonly role: 'read' | 'operate' | 'admin';
  readonly name?: string;
  /** The machine of the fleetd serving the page (it reads journals of its own units only). */
  readonly machineId: string;
}

/**
 * Sends one request with the session's token.
 * @throws {ApiError} for any non-2xx answer (message from fleet's error body) or a network failure (status 0).
 */
export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = sessionToken();
  if (token !== undefined) headers.set('Authorization', `Bearer ${token}`);
  let res: Response;
  try {
    res = await fetch(`${API}${path}`, { ...init, headers });
  } catch (err) {
    throw new ApiError(0, `fleetd unreachable: ${(err as Error).message}`);
  }
  if (res.ok) return res;
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    if (body.error?.message) message = body.error.message;
  } catch {
    // not fleet's JSON error: keep the status line
  }
  throw new ApiError(res.status, message, res.headers);
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await (await request(path, signal !== undefined ? { signal } : {})).json()) as T;
}

/** Every page of a list (`query`: further parameters of each request). */
async function listAll<P extends { nextPageToken?: string }, T>(path: string, items: (p: P) => T[] | undefined, signal?: AbortSignal, query: Record<string, string> = {}): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const q = new URLSearchParams({ ...query, pageSize: String(PAGE_SIZE) });
    if (token !== undefined) q.set('nextPageToken', token);
    const page = await getJson<P>(`${path}?${q}`, signal);
    out.push(...(items(page) ?? []));
    token = page.nextPageToken;
  } while (token !== undefined);
  return out;
}

export const listMachines = (signal?: AbortSignal): Promise<ApiMachine[]> => listAll<ApiMachinePage, ApiMachine>('/machines', (p) => p.machines, signal);
/** Every unit without its options (`global` set instead): what the views list; the unit page fetches its unit whole ({@link getUnit}). */
export const listUnits = (signal?: AbortSignal): Promise<ApiUnit[]> => listAll<ApiUnitPage, ApiUnit>('/units', (p) => p.units, signal, { options: 'false' });

/** `GET /units/<name>`: the unit with its options. */
export const getUnit = (name: string, signal?: AbortSignal): Promise<ApiUnit> => getJson<ApiUnit>(`/units/${encodeURIComponent(name)}`, signal);
export const listStates = (signal?: AbortSignal): Promise<ApiUnitState[]> => listAll<ApiUnitStatePage, ApiUnitState>('/state', (p) => p.states, signal);

/** `GET /auth/whoami`. */
export const whoAmI = (): Promise<WhoAmI> => getJson<WhoAmI>('/auth/whoami');

/** `GET /units/<name>/explain`. */
export const explainUnit = (name: string): Promise<UnitExplanation> => getJson<UnitExplanation>(`/units/${encodeURIComponent(name)}/explain`);

/** The last `lines` journal lines of `name` (only the fleetd of the machine it runs on answers; 409 names that machine). */
export async function journalTail(name: string, lines: number, machineId?: string): Promise<string> {
  const q = new URLSearchParams({ lines: String(lines) });
  if (machineId !== undefined) q.set('machineID', machineId);
  return (await request(`/units/${encodeURIComponent(name)}/journal?${q}`)).text();
}

/** `PUT /units/<name>` with only a desired state (fleetctl's start/stop). */
export async function setDesiredState(name: string, desiredState: DesiredState): Promise<void> {
  await request(`/units/${encodeURIComponent(name)}`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, desiredState }) });
}

/** `DELETE /units/<name>` (fleetctl destroy). */
export async function destroyUnit(name: string): Promise<void> {
  await request(`/units/${encodeURIComponent(name)}`, { method: 'DELETE' });
}
