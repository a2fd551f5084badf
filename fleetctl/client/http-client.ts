/**
 * `FleetClient` over fleet's HTTP API v1 (`--driver api`): follows
 * `nextPageToken` until absent, sends `?alt=json` like fleet's generated
 * client, and turns `{"error":{...}}` answers into {@link ApiError}s.
 */
import type { RolloutControl, RolloutRecord, RolloutSettingsInput } from '../../src/rollout/index.js';
import type { UnitExplanation } from '../../src/engine/explain.js';
import { resourcesViewFrom, type ResourcesView } from '../../src/resources/index.js';
import { REQUEST_TIMEOUT_HEADER, type ApiMachine, type ApiMachinePage, type ApiUnit, type ApiUnitPage, type ApiUnitState, type ApiUnitStatePage } from '../../src/api/schema.js';
import { ApiError, TransportError, UnitNotRunningError } from './errors.js';
import { apiPath, requestJson, type HttpTarget, type JsonResponse } from './http-transport.js';
import { requestEvents } from './event-stream.js';
import { EXPLAINED } from './explained.js';
import { requestStream, streamFromMachine, streamResource } from './remote-stream.js';
import type { EventsQuery, EventsTarget, IssuedToken, FleetClient, FleetMachine, FleetUnit, FleetUnitState, FleetUnitSummary, JournalOptions, StateFilter, StreamTarget, UnitWriteRequest } from './types.js';
import { BatchUnsupportedError, writeInBatches } from './batch.js';
import type { ApplySet, DesiredState } from '../../src/domain/index.js';
import type { UnitOption } from '../../src/units/index.js';
import { unitSummary } from './unit-view.js';
import { NO_RETRY, withRetry, type RetryPolicy } from './retry.js';
import { fromApiToken } from '../../src/api/token-wire.js';
import type { Role, TokenInfo } from '../../src/auth/index.js';
import { ClientConfigError } from './errors.js';

/** Converts a wire unit (omitted empty values) to the client's shape. */
export function fromApiUnit(u: ApiUnit): FleetUnit {
  return {
    name: u.name,
    options: (u.options ?? []).map((o) => ({ section: o.section, name: o.name, value: o.value ?? '' })),
    desiredState: u.desiredState ?? 'inactive',
    ...(u.currentState ? { currentState: u.currentState } : {}),
    ...(u.machineID ? { machineId: u.machineID } : {}),
  };
}

/**
 * Converts a wire unit listed without options (`global` marks a global
 * unit). A fleet API that ignores `options=false` sends the options: then
 * they say whether the unit is global.
 */
export function fromApiUnitSummary(u: ApiUnit): FleetUnitSummary {
  const summary = unitSummary(fromApiUnit(u));
  return u.global === true ? { ...summary, global: true } : summary;
}

/** Converts a wire machine; `apiEndpoint` is our addition to fleet's entity. */
export function fromApiMachine(m: ApiMachine & { apiEndpoint?: unknown }): FleetMachine {
  return {
    id: m.id,
    ...(m.primaryIP ? { primaryIP: m.primaryIP } : {}),
    metadata: m.metadata ?? {},
    ...(typeof m.apiEndpoint === 'string' && m.apiEndpoint !== '' ? { apiEndpoint: m.apiEndpoint } : {}),
    ...withResources(resourcesViewFrom(m.resources)),
  };
}

/** `{ resources }` when there are any, for spreading into a FleetMachine. */
export function withResources(resources: ResourcesView | undefined): { resources?: ResourcesView } {
  return resources === undefined ? {} : { resources };
}

/** Converts a wire unit state. */
export function fromApiState(s: ApiUnitState): FleetUnitState {
  return {
    name: s.name,
    machineId: s.machineID ?? '',
    hash: s.hash ?? '',
    loadState: s.systemdLoadState ?? '',
    activeState: s.systemdActiveState ?? '',
    subState: s.systemdSubState ?? '',
  };
}

function failure(res: JsonResponse): ApiError {
  const body = res.body as { error?: { message?: unknown } } | undefined;
  const message = typeof body?.error?.message === 'string' ? body.error.message : res.text.trim();
  return new ApiError(res.status, message);
}

/** Unit options as fleet's wire entity carries them (an empty value omitted). */
function wireOptions(options: readonly UnitOption[]): Array<{ section: string; name: string; value?: string }> {
  return options.map((o) => (o.value === '' ? { section: o.section, name: o.name } : { section: o.section, name: o.name, value: o.value }));
}

/** Requests in flight when a server without batches gets one request per unit. */
const SINGLE_WRITES_IN_FLIGHT = 16;

function unitPath(name: string): string {
  return `/units/${encodeURIComponent(name)}`;
}

/**
 * Items per page fleetctl asks the API for when it lists. fleetd builds the
 * whole listing for every page it serves, so fewer, larger pages are cheaper
 * for both sides: a cluster of 1,005 units took two round trips at 1,000.
 */
export const LIST_PAGE_SIZE = 10_000;

/** The API driver. */
export class HttpFleetClient implements FleetClient {
  /** `retry`: how transient failures (503, a reset connection) are retried; default never. */
  constructor(
    private readonly target: HttpTarget,
    private readonly retry: RetryPolicy = NO_RETRY,
  ) {}

  /** One API call, retried within the policy's budget (`retry`, default the client's) while it fails transiently. */
  private call(method: string, resource: string, body?: unknown, retry: RetryPolicy = this.retry, headers?: Readonly<Record<string, string>>): Promise<JsonResponse> {
    const sep = resource.includes('?') ? '&' : '?';
    const path = `${apiPath(this.target, resource)}${sep}alt=json`;
    return withRetry(retry, async () => {
      const res = await requestJson(this.target, method, path, body, headers);
      if (res.status >= 400) throw failure(res);
      if (res.status >= 300 || res.status < 200) throw new TransportError(`unexpected HTTP status ${res.status} from the fleet API`);
      return res;
    });
  }

  /**
   * Fetches every page of a list resource, {@link LIST_PAGE_SIZE} items a
   * page (fleet's 100 meant ten round trips for a 1,000-unit `list-units`;
   * a server that does not know `pageSize`, as fleet's, ignores it).
   */
  private async pages<T>(resource: string, pick: (page: unknown) => { items?: T[]; nextPageToken?: string }): Promise<T[]> {
    const out: T[] = [];
    const seen = new Set<string>();
    const sized = `${resource}${resource.includes('?') ? '&' : '?'}pageSize=${LIST_PAGE_SIZE}`;
    let token: string | undefined;
    for (;;) {
      const res = await this.call('GET', token === undefined ? sized : `${sized}&nextPageToken=${encodeURIComponent(token)}`);
      const page = pick(res.body ?? {});
      out.push(...(page.items ?? []));
      if (!page.nextPageToken) return out;
      // A server handing out the same token twice would keep us here forever.
      if (seen.has(page.nextPageToken)) throw new TransportError(`the fleet API repeated page token ${page.nextPageToken}`);
      seen.add(page.nextPageToken);
      token = page.nextPageToken;
    }
  }

  async listUnits(): Promise<FleetUnit[]> {
    const units = await this.pages('/units', (p) => ({ items: (p as ApiUnitPage).units, nextPageToken: (p as ApiUnitPage).nextPageToken }));
    return units.map(fromApiUnit).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async listUnitSummaries(): Promise<FleetUnitSummary[]> {
    const units = await this.pages('/units?options=false', (p) => ({ items: (p as ApiUnitPage).units, nextPageToken: (p as ApiUnitPage).nextPageToken }));
    return units.map(fromApiUnitSummary).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async getUnit(name: string): Promise<FleetUnit | undefined> {
    try {
      const res = await this.call('GET', unitPath(name));
      return fromApiUnit(res.body as ApiUnit);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async putUnit(name: string, options: readonly UnitOption[], desiredState?: DesiredState, applySet?: string): Promise<void> {
    await this.call('PUT', unitPath(name), { name, options: wireOptions(options), ...(desiredState ? { desiredState } : {}), ...(applySet !== undefined ? { applySet } : {}) });
  }

  async setDesiredState(name: string, state: DesiredState): Promise<void> {
    await this.call('PUT', unitPath(name), { name, desiredState: state });
  }

  async destroyUnit(name: string): Promise<void> {
    await this.call('DELETE', unitPath(name));
  }

  writeUnits(items: readonly UnitWriteRequest[], onResult?: (error: unknown, index: number) => void): Promise<unknown[]> {
    return writeInBatches(
      {
        retry: this.retry,
        concurrency: SINGLE_WRITES_IN_FLIGHT,
        send: (batch) => this.sendBatch(batch),
        single: (item) => (item.kind === 'destroy' ? this.destroyUnit(item.name) : this.putUnit(item.name, item.options, item.desiredState, item.applySet)),
      },
      items,
      onResult,
    );
  }

  /**
   * One `POST /units` (no retry of its own: `writeInBatches` retries what the
   * server could not do), saying how long we wait for the answer so that the
   * server answers what it did not get to with 503 in time instead of
   * letting us time out.
   */
  private async sendBatch(items: readonly UnitWriteRequest[]): Promise<unknown[]> {
    const requests = items.map((item) =>
      item.kind === 'destroy'
        ? { method: 'DELETE', name: item.name }
        : { method: 'PUT', name: item.name, unit: { name: item.name, options: wireOptions(item.options), ...(item.desiredState ? { desiredState: item.desiredState } : {}), ...(item.applySet !== undefined ? { applySet: item.applySet } : {}) } },
    );
    let res: JsonResponse;
    try {
      const timeout = this.target.idleTimeoutMs > 0 ? { [REQUEST_TIMEOUT_HEADER]: String(Math.round(this.target.idleTimeoutMs)) } : undefined;
      res = await this.call('POST', '/units', { requests }, NO_RETRY, timeout);
    } catch (err) {
      // fleet, and a fleetd from before batches, answer 405 ("only GET supported").
      if (err instanceof ApiError && err.status === 405) throw new BatchUnsupportedError('the fleet API has no unit batches');
      throw err;
    }
    const results = (res.body as { results?: unknown } | undefined)?.results;
    if (!Array.isArray(results) || results.length !== items.length) throw new TransportError(`the fleet API answered a batch of ${items.length} with ${Array.isArray(results) ? results.length : 'no'} results`);
    return results.map((r: { status?: unknown; error?: { message?: unknown } }) => {
      const status = typeof r?.status === 'number' ? r.status : 0;
      if (status >= 200 && status < 300) return undefined;
      return new ApiError(status, typeof r?.error?.message === 'string' ? r.error.message : '');
    });
  }

  async listApplySets(): Promise<ApplySet[]> {
    let body: { sets?: unknown } | undefined;
    try {
      body = (await this.call('GET', '/sets')).body as { sets?: unknown } | undefined;
    } catch (err) {
      // fleet's API, or a fleetd from before apply sets, has no such resource.
      if (err instanceof ApiError && err.status === 404) throw new ApiError(404, 'this fleetd has no apply sets (GET /fleet/v1/sets); upgrade it to use fleetctl apply');
      throw err;
    }
    const sets = Array.isArray(body?.sets) ? body.sets : [];
    return sets.map((s) => {
      const o = s as { name?: unknown; units?: unknown };
      if (typeof o.name !== 'string' || !Array.isArray(o.units) || !o.units.every((u) => typeof u === 'string')) {
        throw new TransportError('the fleet API sent an apply set that is not {"name":string,"units":[string]}');
      }
      return { name: o.name, units: o.units as string[] };
    });
  }

  async listMachines(): Promise<FleetMachine[]> {
    const machines = await this.pages('/machines', (p) => ({ items: (p as ApiMachinePage).machines, nextPageToken: (p as ApiMachinePage).nextPageToken }));
    return machines.map(fromApiMachine).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async listUnitStates(filter: StateFilter = {}): Promise<FleetUnitState[]> {
    const params = new URLSearchParams();
    if (filter.unitName !== undefined) params.set('unitName', filter.unitName);
    if (filter.machineId !== undefined) params.set('machineID', filter.machineId);
    const query = params.toString();
    const states = await this.pages(`/state${query ? `?${query}` : ''}`, (p) => ({
      items: (p as ApiUnitStatePage).states,
      nextPageToken: (p as ApiUnitStatePage).nextPageToken,
    }));
    return states.map(fromApiState);
  }

  async explain(name: string): Promise<string | undefined> {
    const e = await this.explanation(name);
    if (typeof e?.status !== 'string' || !EXPLAINED.has(e.status)) return undefined;
    return typeof e.message === 'string' && e.message !== '' ? e.message : undefined;
  }

  async explanation(name: string): Promise<UnitExplanation | undefined> {
    try {
      const res = await this.call('GET', `${unitPath(name)}/explain`);
      // `{"name":...,"status":"unschedulable","message":"0 of 3 machines eligible: ...",...}` (src/api/explain.ts).
      const body = res.body as UnitExplanation | undefined;
      return typeof body === 'object' && body !== null ? body : undefined;
    } catch (err) {
      // 404: the unit is gone, or the server has no explain resource (fleet's own API). Anything else is a real failure.
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  status(name: string, target: StreamTarget): Promise<number> {
    return this.stream(name, streamResource(name, 'status', target.machineId), target);
  }

  journal(name: string, options: JournalOptions, target: StreamTarget): Promise<number> {
    return this.stream(name, streamResource(name, { journal: options }, target.machineId), target);
  }

  /**
   * Asks our endpoint first; on 409 goes to the machine that runs the unit.
   * A named machine (a global unit's copy) is asked directly when it
   * publishes an endpoint, since our own fleetd would answer for its copy.
   */
  async getPolicy(): Promise<Record<string, unknown>> {
    return (await this.call('GET', '/policy')).body as Record<string, unknown>;
  }

  async setPolicy(document: unknown): Promise<Record<string, unknown>> {
    return (await this.call('PUT', '/policy', document)).body as Record<string, unknown>;
  }

  async createRollout(name: string, options: readonly UnitOption[], settings: RolloutSettingsInput): Promise<RolloutRecord> {
    const body = {
      name,
      options,
      ...(settings.maxParallel !== undefined ? { maxParallel: settings.maxParallel } : {}),
      ...(settings.minHealthyTimeMs !== undefined ? { minHealthyTime: `${settings.minHealthyTimeMs}ms` } : {}),
      ...(settings.healthyDeadlineMs !== undefined ? { healthyDeadline: `${settings.healthyDeadlineMs}ms` } : {}),
      ...(settings.autoRevert !== undefined ? { autoRevert: settings.autoRevert } : {}),
    };
    return (await this.call('POST', '/rollouts', body)).body as RolloutRecord;
  }

  async listRollouts(): Promise<RolloutRecord[]> {
    return ((await this.call('GET', '/rollouts')).body as { rollouts?: RolloutRecord[] }).rollouts ?? [];
  }

  async getRollout(group: string): Promise<RolloutRecord | undefined> {
    try {
      return (await this.call('GET', `/rollouts/${encodeURIComponent(group)}`)).body as RolloutRecord;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async controlRollout(group: string, control: RolloutControl): Promise<RolloutRecord> {
    return (await this.call('POST', `/rollouts/${encodeURIComponent(group)}/${control}`)).body as RolloutRecord;
  }

  private async stream(name: string, resource: string, target: StreamTarget): Promise<number> {
    if (target.machineId !== undefined) {
      const machine = (await this.listMachines()).find((m) => m.id === target.machineId);
      if (machine?.apiEndpoint) return streamFromMachine(target.machineId, machine, name, resource, target, this.target);
    }
    const outcome = await requestStream(this.target, resource, target);
    if (outcome.kind === 'done') return outcome.exitCode;
    const machineId = outcome.machineId ?? target.machineId ?? (await this.getUnit(name))?.machineId;
    if (machineId === undefined) throw new UnitNotRunningError(name);
    const machine = (await this.listMachines()).find((m) => m.id === machineId);
    return streamFromMachine(machineId, machine, name, resource, target, this.target);
  }

  async bootstrapAuth(): Promise<IssuedToken> {
    if (this.target.endpoint.kind !== 'unix') {
      throw new ClientConfigError('auth bootstrap works only through a fleetd\'s local unix socket: run it on a cluster host with --endpoint unix:///var/run/fleet.sock');
    }
    return issued((await this.call('POST', '/auth/bootstrap')).body);
  }

  async createToken(name: string, role: Role, ttlMs?: number): Promise<IssuedToken> {
    const body = { name, role, ...(ttlMs !== undefined ? { ttlSeconds: Math.ceil(ttlMs / 1000) } : {}) };
    return issued((await this.call('POST', '/tokens', body)).body);
  }

  async listTokens(): Promise<TokenInfo[]> {
    const body = (await this.call('GET', '/tokens')).body as { tokens?: unknown[] } | undefined;
    return (body?.tokens ?? []).map((t) => {
      const { token: _never, ...info } = fromApiToken(t);
      return info;
    });
  }

  async revokeToken(id: string): Promise<void> {
    await this.call('DELETE', `/tokens/${encodeURIComponent(id)}`);
  }

  events(query: EventsQuery, target: EventsTarget): Promise<void> {
    return requestEvents(this.target, query, target);
  }

  async close(): Promise<void> {}
}

function issued(body: unknown): IssuedToken {
  const t = fromApiToken(body);
  if (t.token === undefined) throw new TransportError('the fleet API created a token but did not send it');
  return { ...t, token: t.token };
}
