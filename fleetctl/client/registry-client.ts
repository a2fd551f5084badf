/**
 * `FleetClient` straight over the registry (`--driver etcd`). Writes go
 * through the same unit PUT policy as the API (`src/units/put-policy.ts`:
 * validation, no activated templates, instances from stored templates, a
 * changed body keeps the desired state), and units and explanations are
 * derived with the API's own pure functions, so both drivers behave and
 * show the same.
 */
import { RolloutRejectedError, type RolloutControl, type RolloutRecord, type RolloutSettingsInput } from '../../src/rollout/index.js';
import { executeRolloutControl, executeRolloutCreate } from '../../src/registry/index.js';
import {
  UnitNotFoundError,
  UnitExistsError,
  executeUnitPut,
  readUnitPutInputs,
  runUnitBatch,
  type ApiRegistry,
  type MachineRecord,
  type UnitStateRecord,
} from '../../src/registry/index.js';
import { explainUnit, type UnitExplanation } from '../../src/engine/explain.js';
import { indexRuntime, toApiUnit } from '../../src/api/unit-view.js';
import { buildUnit, planUnitPut, UnitError, UnitPutRejectedError, type UnitOption, type UnitPutRequest } from '../../src/units/index.js';
import { ApiError, UnitNotRunningError } from './errors.js';
import { EXPLAINED } from './explained.js';
import { fromApiUnit, fromApiUnitSummary, withResources } from './http-client.js';
import { resourcesView } from '../../src/resources/index.js';
import { parsePolicy, policyDocument, readPolicyDocument } from '../../src/scheduler/policy.js';
import type { TlsFiles } from './http-transport.js';
import { streamFromMachine, streamResource } from './remote-stream.js';
import type { EventsQuery, EventsTarget, IssuedToken, FleetClient, FleetMachine, FleetUnit, FleetUnitState, FleetUnitSummary, JournalOptions, StateFilter, StreamTarget, UnitWriteRequest } from './types.js';
import { followEventsDirect } from './event-stream.js';
import type { ApplySet, DesiredState } from '../../src/domain/index.js';
import { compareTokens, issueToken, tokenInfo, type Role, type TokenInfo } from '../../src/auth/index.js';
import { InvalidNameError, TokenNotFoundError, type TokenRegistry } from '../../src/registry/index.js';
import { ClientConfigError } from './errors.js';

/** Converts a machine record; `apiEndpoint` is read when the record carries one. */
export function fromMachineRecord(m: MachineRecord): FleetMachine {
  const endpoint = (m as MachineRecord & { apiEndpoint?: unknown }).apiEndpoint;
  return {
    id: m.id,
    ...(m.publicIP ? { primaryIP: m.publicIP } : {}),
    metadata: m.metadata,
    ...(typeof endpoint === 'string' && endpoint !== '' ? { apiEndpoint: endpoint } : {}),
    ...withResources(m.resources === undefined ? undefined : resourcesView(m.resources)),
  };
}

function fromStateRecord(s: UnitStateRecord): FleetUnitState {
  return { name: s.name, machineId: s.machineId, hash: s.hash, loadState: s.loadState, activeState: s.activeState, subState: s.subState };
}

/** The etcd driver. `tls` is used for streams fetched from machines' own APIs. */
/** A registry or policy error as the API would have answered it (other errors unchanged). */
function asClientError(err: unknown): unknown {
  if (err instanceof UnitPutRejectedError) return new ApiError(err.kind === 'conflict' ? 409 : 400, err.message);
  if (err instanceof UnitError) return new ApiError(400, err.message);
  if (err instanceof UnitNotFoundError) return new ApiError(404, 'unit does not exist');
  if (err instanceof UnitExistsError) return new ApiError(409, 'unit already exists');
  return err;
}

export class RegistryFleetClient implements FleetClient {
  constructor(
    private readonly api: ApiRegistry,
    private readonly options: { tls?: TlsFiles; token?: string; tokens?: TokenRegistry; close?: () => Promise<void> } = {},
  ) {}

  async listUnits(): Promise<FleetUnit[]> {
    const [units, schedule, states] = await Promise.all([this.api.listUnits(), this.api.listSchedule(), this.api.listStates()]);
    const runtime = indexRuntime(schedule, states);
    return units.map((u) => fromApiUnit(toApiUnit(u, runtime)));
  }

  async listUnitSummaries(): Promise<FleetUnitSummary[]> {
    const [units, schedule, states] = await Promise.all([this.api.listUnits(), this.api.listSchedule(), this.api.listStates()]);
    const runtime = indexRuntime(schedule, states);
    return units.map((u) => fromApiUnitSummary(toApiUnit(u, runtime, false)));
  }

  async getUnit(name: string): Promise<FleetUnit | undefined> {
    const found = await this.api.getUnit(name);
    if (found === undefined) return undefined;
    const [schedule, states] = await Promise.all([this.api.listSchedule(), this.api.listStates({ names: [name] })]);
    return fromApiUnit(toApiUnit(found, indexRuntime(schedule.filter((e) => e.name === name), states)));
  }

  putUnit(name: string, options: readonly UnitOption[], desiredState?: DesiredState, applySet?: string): Promise<void> {
    return this.put(name, { options, ...(desiredState === undefined ? {} : { desiredState }), ...(applySet === undefined ? {} : { applySet }) });
  }

  listApplySets(): Promise<ApplySet[]> {
    return this.api.listApplySets();
  }

  setDesiredState(name: string, state: DesiredState): Promise<void> {
    return this.put(name, { options: [], desiredState: state });
  }

  /** A PUT by the shared unit policy, as the API runs it; refusals carry the status the API would answer. */
  private async put(name: string, request: UnitPutRequest): Promise<void> {
    try {
      const { existing, template } = await readUnitPutInputs(this.api, name, request);
      await executeUnitPut(this.api, name, planUnitPut(name, request, existing, template));
    } catch (err) {
      throw asClientError(err);
    }
  }

  /** The batch the API's `POST /units` runs, on the registry directly. */
  async writeUnits(items: readonly UnitWriteRequest[], onResult?: (error: unknown, index: number) => void): Promise<unknown[]> {
    const outcomes = await runUnitBatch(
      this.api,
      items.map((item) =>
        item.kind === 'destroy'
          ? item
          : { kind: 'put' as const, name: item.name, request: { options: item.options, ...(item.desiredState === undefined ? {} : { desiredState: item.desiredState }), ...(item.applySet === undefined ? {} : { applySet: item.applySet }) } },
      ),
    );
    const errors = outcomes.map((o) => (o.ok ? undefined : asClientError(o.error)));
    errors.forEach((e, i) => onResult?.(e, i));
    return errors;
  }

  async destroyUnit(name: string): Promise<void> {
    try {
      await this.api.destroyUnit(name);
    } catch (err) {
      throw asClientError(err);
    }
  }

  async getPolicy(): Promise<Record<string, unknown>> {
    const { policy, problem } = readPolicyDocument(await this.api.getPolicy());
    return { ...policyDocument(policy), ...(problem !== undefined ? { problem } : {}) };
  }

  async createRollout(name: string, options: readonly UnitOption[], settings: RolloutSettingsInput): Promise<RolloutRecord> {
    try {
      return await executeRolloutCreate(this.api, { group: name, unit: buildUnit(name, options), settings }, Date.now());
    } catch (err) {
      throw rolloutApiError(err);
    }
  }

  async listRollouts(): Promise<RolloutRecord[]> {
    return (await this.api.listRollouts()).map((s) => s.record);
  }

  async getRollout(group: string): Promise<RolloutRecord | undefined> {
    return (await this.api.getRollout(group))?.record;
  }

  async controlRollout(group: string, control: RolloutControl): Promise<RolloutRecord> {
    try {
      return await executeRolloutControl(this.api, group, control, Date.now());
    } catch (err) {
      throw rolloutApiError(err);
    }
  }

  async setPolicy(document: unknown): Promise<Record<string, unknown>> {
    const doc = policyDocument(parsePolicy(document));
    await this.api.setPolicy(JSON.stringify(doc));
    return doc;
  }

  async listMachines(): Promise<FleetMachine[]> {
    return (await this.api.listMachines()).map(fromMachineRecord);
  }

  async listUnitStates(filter: StateFilter = {}): Promise<FleetUnitState[]> {
    const states = await this.api.listStates({
      ...(filter.unitName !== undefined ? { names: [filter.unitName] } : {}),
      ...(filter.machineId !== undefined ? { machineIds: [filter.machineId] } : {}),
    });
    return states.map(fromStateRecord);
  }

  /** The engine's explanation, as the API's explain resource gives it. */
  async explain(name: string): Promise<string | undefined> {
    const e = await this.explanation(name);
    return e !== undefined && EXPLAINED.has(e.status) ? e.message : undefined;
  }

  /** The API's explain document, built from the same records. */
  async explanation(name: string): Promise<UnitExplanation | undefined> {
    const [unit, schedule, unplaced] = await Promise.all([this.api.getUnit(name), this.api.listSchedule(), this.api.getUnplaced(name)]);
    if (unit === undefined) return undefined;
    return explainUnit(unit, schedule.filter((s) => s.name === name).map((s) => s.machineId), unplaced);
  }

  status(name: string, target: StreamTarget): Promise<number> {
    return this.stream(name, streamResource(name, 'status', target.machineId), target);
  }

  journal(name: string, options: JournalOptions, target: StreamTarget): Promise<number> {
    return this.stream(name, streamResource(name, { journal: options }, target.machineId), target);
  }

  /** The registry cannot run commands on machines: go to the API of the machine that runs the unit. */
  private async stream(name: string, resource: string, target: StreamTarget): Promise<number> {
    const machineId = target.machineId ?? (await this.getUnit(name))?.machineId;
    if (machineId === undefined) throw new UnitNotRunningError(name);
    const machine = (await this.listMachines()).find((m) => m.id === machineId);
    return streamFromMachine(machineId, machine, name, resource, target, { tls: this.options.tls, token: this.options.token });
  }

  /** Direct etcd access already holds every key: bootstrap belongs to a fleetd's unix socket. */
  async bootstrapAuth(): Promise<IssuedToken> {
    throw new ClientConfigError('auth bootstrap works only through a fleetd\'s local unix socket (--driver api --endpoint unix:///var/run/fleet.sock)');
  }

  async createToken(name: string, role: Role, ttlMs?: number): Promise<IssuedToken> {
    let made;
    try {
      made = issueToken({ name, role, now: Date.now(), ...(ttlMs !== undefined ? { ttlMs } : {}) });
    } catch (err) {
      throw new ApiError(400, (err as Error).message);
    }
    await this.tokenRegistry().createToken(made.record);
    return { ...tokenInfo(made.record), token: made.bearer };
  }

  async listTokens(): Promise<TokenInfo[]> {
    return (await this.tokenRegistry().listTokens()).tokens.map(tokenInfo).sort(compareTokens);
  }

  async revokeToken(id: string): Promise<void> {
    try {
      await this.tokenRegistry().revokeToken(id);
    } catch (err) {
      if (err instanceof TokenNotFoundError) throw new ApiError(404, 'token does not exist');
      if (err instanceof InvalidNameError) throw new ApiError(400, err.message);
      throw err;
    }
  }

  private tokenRegistry(): TokenRegistry {
    if (this.options.tokens === undefined) throw new ClientConfigError('this client cannot manage tokens');
    return this.options.tokens;
  }

  events(query: EventsQuery, target: EventsTarget): Promise<void> {
    return followEventsDirect(this.api, query, target);
  }

  async close(): Promise<void> {
    await this.options.close?.();
  }
}

/** The status the API would answer for a rollout refusal or a unit error. */
function rolloutApiError(err: unknown): unknown {
  if (err instanceof RolloutRejectedError) return new ApiError(err.kind === 'invalid' ? 400 : err.kind === 'absent' ? 404 : 409, err.message);
  if (err instanceof UnitError) return new ApiError(400, err.message);
  return err;
}
