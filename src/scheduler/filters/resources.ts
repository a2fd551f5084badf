/**
 * Resources: a machine fits when, for every resource the unit requests,
 * what it can give (allocatable = capacity − reserved) minus what the units
 * already placed there request (global units included) is at least the
 * request. A resource the machine does not offer counts as 0. Only new
 * placements are checked: a unit keeps a machine whose capacity shrank
 * (the machine is over-committed and takes nothing new, not even a unit
 * that requests nothing, until what runs there fits again).
 * A machine too small even when empty says `never`; a full one `not-now`.
 */
import { OK, reject, sharedVerdict, type Filter, type Rejection, type RejectionKind } from '../filter.js';
import type { MachineIndex, PlanUnit } from '../model.js';
import type { PlacementView } from '../state.js';
import type { Exclusion } from '../candidates.js';
import { formatQuantity, fromFixedUnits } from '../../resources/index.js';

const show = (name: string, fixed: number): string => formatQuantity(name, fromFixedUnits(name, Math.max(0, fixed)));

/**
 * The rejection for a machine short of `name`. Its reason is written when
 * first read: placement on a full cluster is told "no" by thousands of
 * machines per unit and reads none of the reasons (only an explanation reads
 * one per filter).
 */
function shortfall(kind: RejectionKind, name: string, need: number, free: number): Rejection {
  let reason: string | undefined;
  return {
    ok: false,
    filter: 'Resources',
    kind,
    get reason() {
      return (reason ??= `${name}: needs ${show(name, need)}, free ${show(name, free)}`);
    },
    constraint: name,
  };
}

/** Rejects machines without room for the unit's requests. */
export const resourcesFilter: Filter = {
  name: 'Resources',
  newPlacementsOnly: true,
  key: roomExclusionKey,
  check(unit, m, view) {
    const over = view.resources.overcommitted(m);
    if (over !== undefined) return reject('Resources', 'not-now', `machine is over-committed on ${over}; it takes no new units until they fit`, 'over-committed');
    const short = view.resources.firstShort(m, unit.requests);
    if (short < 0) return OK;
    const [name, need] = unit.requests[short]!;
    return shortfall(view.resources.allocatable(m, name) < need ? 'never' : 'not-now', name, need, view.resources.free(m, name));
  },
  verdict(unit, m, view) {
    if (view.resources.overcommitted(m) !== undefined) return sharedVerdict('Resources', 'not-now', 'over-committed');
    const short = view.resources.firstShort(m, unit.requests);
    if (short < 0) return OK;
    return sharedVerdict('Resources', view.resources.neverFits(m, unit.requests, short) ? 'never' : 'not-now', unit.requests[short]![0]);
  },
  summarise(unit, rejected, view) {
    const out: string[] = [];
    // The machines not over-committed, each asked once (an explanation summarises thousands).
    const fitting: number[] = [];
    for (let i = 0; i < rejected.length; i++) if (view.resources.overcommitted(rejected[i]!) === undefined) fitting.push(rejected[i]!);
    const over = rejected.length - fitting.length;
    if (over > 0) out.push(`${over} over-committed`);
    for (const [name, need] of unit.requests) {
      // The first machine (by id) with the most free below the request.
      const most = view.resources.mostFreeBelow(fitting, name, need);
      if (most === undefined) continue;
      out.push(`${name}: needs ${show(name, need)}, most free ${show(name, most.free)} on ${view.machines[most.machine]!.id.slice(0, 8)}`);
    }
    return out;
  },
};

/**
 * The machines without room for `unit`'s requests, as an exclusion: usage
 * only grows while units are added, so a machine without room gets some
 * back only when a unit leaves it. Units asking the same amounts share a key.
 * With several requests, its parts are the machines without room for each
 * one alone (shared by every unit asking that amount of that resource).
 */
export function roomExclusion(unit: PlanUnit, view: PlacementView): Exclusion {
  const key = roomExclusionKey(unit);
  const excluded = (m: MachineIndex): boolean => !hasRoom(unit, m, view);
  return unit.requests.length < 2 ? { key, excluded } : { key, excluded, parts: roomParts(unit.requests, view) };
}

/** Per placement state, per requests list: the room exclusions of each request alone. */
const partsByView = new WeakMap<PlacementView, WeakMap<PlanUnit['requests'], readonly Exclusion[]>>();

function roomParts(requests: PlanUnit['requests'], view: PlacementView): readonly Exclusion[] {
  let byRequests = partsByView.get(view);
  if (byRequests === undefined) partsByView.set(view, (byRequests = new WeakMap()));
  let parts = byRequests.get(requests);
  if (parts === undefined) {
    parts = requests.map((r) => {
      const one = [r] as const;
      return { key: roomKey(one), excluded: (m: MachineIndex) => !hasRoomFor(one, m, view) };
    });
    byRequests.set(requests, parts);
  }
  return parts;
}

/** The key of `unit`'s {@link roomExclusion}, without building the exclusion. */
export function roomExclusionKey(unit: PlanUnit): string {
  let key = roomKeys.get(unit.requests);
  if (key === undefined) roomKeys.set(unit.requests, (key = roomKey(unit.requests)));
  return key;
}

function roomKey(requests: PlanUnit['requests']): string {
  return `Room:${requests.map(([name, v]) => `${name}=${v}`).join(',')}`;
}

const roomKeys = new WeakMap<PlanUnit['requests'], string>();

/** What {@link resourcesFilter} accepts, without its message: `m` is not over-committed and has each of `unit`'s requests free. */
export function hasRoom(unit: PlanUnit, m: MachineIndex, view: PlacementView): boolean {
  return hasRoomFor(unit.requests, m, view);
}

/** {@link hasRoom} for a list of requests (a room exclusion's part asks one alone). */
function hasRoomFor(requests: PlanUnit['requests'], m: MachineIndex, view: PlacementView): boolean {
  return view.resources.overcommitted(m) === undefined && view.resources.hasFree(m, requests);
}
