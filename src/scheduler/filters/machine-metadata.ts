/**
 * MachineMetadata: for every required key the machine must have that key with
 * one of the accepted values (AND across keys, OR within a key), as in fleet.
 */
import { OK, reject, sharedVerdict, type Filter, type PreFilter } from '../filter.js';
import { candidateList, type CandidateSet } from '../candidates.js';
import type { MachineInfo } from '../model.js';

/** Rejects machines whose metadata does not satisfy the unit's `MachineMetadata=`. */
export const machineMetadataFilter: Filter = {
  name: 'MachineMetadata',
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
    const required = unit.requirements.metadata;
    if (required.size === 0) return OK;
    const key = unmet(required, view.machines[m]!);
    return key === undefined ? OK : sharedVerdict('MachineMetadata', 'never', constraintOf(required, key));
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
