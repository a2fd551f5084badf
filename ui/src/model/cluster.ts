/**
 * The dashboard's picture of the cluster: the API's machines, units and
 * unit states, indexed for the views. Pure (no DOM, no fetch): the store
 * fills it from list requests and the event stream, the views read it.
 */
import type { ApiMachine, ApiUnit, ApiUnitState } from '../../../src/api/schema.js';
import { isRunning } from '../../../src/domain/systemd-state.js';

export type { ApiMachine, ApiUnit, ApiUnitState };

/** Everything the views show, as last listed or streamed. */
export interface ClusterData {
  /** By machine id. */
  readonly machines: Map<string, ApiMachine>;
  /** By unit name. */
  readonly units: Map<string, ApiUnit>;
  /** Unit name -> machine id -> what that machine's agent reported. */
  readonly states: Map<string, Map<string, ApiUnitState>>;
}

/** An empty picture. */
export function emptyCluster(): ClusterData {
  return { machines: new Map(), units: new Map(), states: new Map() };
}

/** A picture of the listed machines, units and states. Never throws. */
export function clusterFrom(machines: readonly ApiMachine[], units: readonly ApiUnit[], states: readonly ApiUnitState[]): ClusterData {
  const data: ClusterData = { machines: new Map(machines.map((m) => [m.id, m])), units: new Map(units.map((u) => [u.name, u])), states: new Map() };
  for (const s of states) putState(data, s);
  return data;
}

/** Records `s` (a report without a machine id is ignored). */
export function putState(data: ClusterData, s: ApiUnitState): void {
  if (s.machineID === undefined) return;
  let byMachine = data.states.get(s.name);
  if (byMachine === undefined) data.states.set(s.name, (byMachine = new Map()));
  byMachine.set(s.machineID, s);
}

/** Forgets machine `machineId`'s report on `name`. */
export function dropState(data: ClusterData, name: string, machineId: string): void {
  const byMachine = data.states.get(name);
  byMachine?.delete(machineId);
  if (byMachine?.size === 0) data.states.delete(name);
}

/** The reports on `name`, sorted by machine id ([] when none). */
export function statesOf(data: ClusterData, name: string): ApiUnitState[] {
  return [...(data.states.get(name)?.values() ?? [])].sort((a, b) => cmp(a.machineID ?? '', b.machineID ?? ''));
}

/** Where units are: machine id -> names of the units on it, and how many units are on some machine. */
export interface Placement {
  /** Names sorted; a unit scheduled to a machine that has not reported yet is listed under it too. */
  readonly on: Map<string, string[]>;
  /** Units scheduled to, or reported by, at least one machine. */
  readonly placed: number;
}

/** Where every unit is (scheduled there, or reported there). Never throws. */
export function placementOf(data: ClusterData): Placement {
  const on = new Map<string, string[]>();
  let placed = 0;
  const add = (id: string, name: string) => {
    const list = on.get(id);
    if (list === undefined) on.set(id, [name]);
    else list.push(name);
  };
  for (const u of data.units.values()) {
    const reported = data.states.get(u.name);
    if (u.machineID !== undefined) add(u.machineID, u.name);
    for (const id of reported?.keys() ?? []) if (id !== u.machineID) add(id, u.name);
    if (u.machineID !== undefined || (reported?.size ?? 0) > 0) placed++;
  }
  for (const list of on.values()) list.sort(cmp);
  return { on, placed };
}

/** How a unit looks at a glance on one machine (or overall): a word and a colour class. */
export type Health = 'running' | 'failed' | 'stopped' | 'transition' | 'inactive';

/** The glance of one report: failed, running, in transition or stopped. */
export function healthOfState(s: ApiUnitState | undefined): Health {
  if (s === undefined) return 'inactive';
  const active = s.systemdActiveState ?? '';
  if (active === 'failed') return 'failed';
  if (active === 'activating' || active === 'deactivating' || active === 'reloading') return 'transition';
  return isRunning(active) ? 'running' : 'stopped';
}

/**
 * The glance of a unit over every machine: failed when any report failed,
 * else in transition when any is, else running when any runs, else stopped
 * when reported, else inactive (scheduled nowhere, or not reported yet).
 */
export function healthOfUnit(data: ClusterData, name: string): Health {
  const states = data.states.get(name);
  if (states === undefined || states.size === 0) return 'inactive';
  const all = [...states.values()].map(healthOfState);
  for (const h of ['failed', 'transition', 'running', 'stopped'] as const) if (all.includes(h)) return h;
  return 'inactive';
}

/** Total order on strings by code unit (the API's sort), for stable views. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
