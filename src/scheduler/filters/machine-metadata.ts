/**
 * MachineMetadata: for every required key the machine must have that key with
 * one of the accepted values (AND across keys, OR within a key), as in fleet.
 */
import { OK, reject, type Filter, type PreFilter } from '../filter.js';
import { candidateList, type CandidateSet } from '../candidates.js';
import type { MachineInfo } from '../model.js';

/** Rejects machines whose metadata does not satisfy the unit's `MachineMetadata=`. */
export const machineMetadataFilter: Filter = {
  name: 'MachineMetadata',
  check(unit, m, view) {
    const required = unit.requirements.metadata;
    if (required.size === 0) return OK;
    const missing = unmet(required, view.machines[m]!);
    if (missing === undefined) return OK;
    const [key, values] = missing;
    const have = ownValue(view.machines[m]!.metadata, key);
    const constraint = `${key}=${values.join('|')}`;
    return reject('MachineMetadata', 'never',
      have === undefined ? `machine has no ${key} metadata (needs ${constraint})` : `machine has ${key}=${have} (needs ${constraint})`,
      constraint,
    );
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
function unmet(
  required: ReadonlyMap<string, readonly string[]>,
  machine: MachineInfo,
): [string, readonly string[]] | undefined {
  for (const [key, values] of required) {
    const have = ownValue(machine.metadata, key);
    if (have === undefined || !values.includes(have)) return [key, values];
  }
  return undefined;
}

function ownValue(metadata: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(metadata, key) ? metadata[key] : undefined;
}
