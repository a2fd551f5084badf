/**
 * MachineMetadata: for every required key the machine must have that key with
 * one of the accepted values (AND across keys, OR within a key), as in fleet.
 */
import { OK, reject, sharedVerdict, type Filter, type PreFilter, type Verdict } from '../filter.js';
import { candidateList, type CandidateSet } from '../candidates.js';
import type { MachineInfo, PlanUnit } from '../model.js';
import type { PlacementView } from '../state.js';

/** Rejects machines whose metadata does not satisfy the unit's `MachineMetadata=`. */
export const machineMetadataFilter: Filter = {
  name: 'MachineMetadata',
  acceptsAll: (unit) => unit.requirements.metadata.size === 0,
  key: (unit) => unit.metadataKey,
  check(unit, m, view) {
    const required = unit.requirements.metadata;
    if (required.size === 0) return OK;
    const key = unmet(required, view.machines[m]!);
    if (key === undefined) return OK;
    const have = ownValue(view.machines[m]!.metadata, key);
    const constraint = constraintOf(required, key);
    return reject('MachineMetadata', 'never',
      have === undefined ? `machine has no ${key} metadata (needs ${constraint})` : `machine has ${key}=${have} (needs ${constraint})`,
      constraint,
    );
  },
  verdict(unit, m, view) {
    return unit.requirements.metadata.size === 0 ? OK : verdictsOn(view, unit)[m]!;
  },
};

/** Narrows to the machines satisfying the requirement (memoised per distinct requirement for the pass). */
export const machineMetadataPreFilter: PreFilter = {
  name: 'MachineMetadata',
  narrow(unit, view) {
    const required = unit.requirements.metadata;
    if (required.size === 0) return undefined;
    return view.memo<CandidateSet>(unit.metadataKey, () =>
      candidateList(
        view.machines.filter((m) => unmet(required, m) === undefined).map((m) => m.index),
        unit.metadataKey,
      ),
    );
  },
};

/** Per view: per requirement (`metadataKey`), every machine's verdict; and the latest asked. */
const verdicts = new WeakMap<PlacementView, { key: string; latest: readonly Verdict[]; readonly byKey: Map<string, readonly Verdict[]> }>();

/**
 * Every machine's verdict for `unit`'s requirement, worked out once per
 * view: it reads only the machines' records, fixed for the view's life, and
 * an explanation asks every machine for each signature with a requirement
 * (units that differ in anything else share these).
 */
function verdictsOn(view: PlacementView, unit: PlanUnit): readonly Verdict[] {
  let known = verdicts.get(view);
  if (known !== undefined && known.key === unit.metadataKey) return known.latest;
  if (known === undefined) verdicts.set(view, (known = { key: '', latest: [], byKey: new Map() }));
  let all = known.byKey.get(unit.metadataKey);
  if (all === undefined) {
    const required = unit.requirements.metadata;
    all = view.machines.map((machine) => {
      const key = unmet(required, machine);
      return key === undefined ? OK : sharedVerdict('MachineMetadata', 'never', constraintOf(required, key));
    });
    known.byKey.set(unit.metadataKey, all);
  }
  known.key = unit.metadataKey;
  known.latest = all;
  return all;
}

/** The first required key the machine does not satisfy, or undefined when it satisfies all. */
function unmet(required: ReadonlyMap<string, readonly string[]>, machine: MachineInfo): string | undefined {
  for (const [key, values] of required) {
    const have = ownValue(machine.metadata, key);
    if (have === undefined || !values.includes(have)) return key;
  }
  return undefined;
}

/** `key=value|value` for required `key`, written once per requirement (an explanation asks every machine). */
function constraintOf(required: ReadonlyMap<string, readonly string[]>, key: string): string {
  let byKey = constraints.get(required);
  if (byKey === undefined) constraints.set(required, (byKey = new Map()));
  let text = byKey.get(key);
  if (text === undefined) byKey.set(key, (text = `${key}=${required.get(key)!.join('|')}`));
  return text;
}

const constraints = new WeakMap<ReadonlyMap<string, readonly string[]>, Map<string, string>>();

function ownValue(metadata: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(metadata, key) ? metadata[key] : undefined;
}
