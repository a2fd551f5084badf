/**
 * MachineID: a unit with `MachineID=` runs only on that machine. Like fleet,
 * the 8-character short id (what `fleetctl list-machines` prints) is accepted
 * too (fleet quirk #4, kept: unit files in the wild rely on it).
 */
import { OK, reject, type Filter, type PreFilter } from '../filter.js';
import { candidateList } from '../candidates.js';

/** Rejects machines whose id (full or short) is not the unit's `MachineID=`. */
export const machineIdFilter: Filter = {
  name: 'MachineID',
  acceptsAll: (unit) => unit.requirements.machineId === undefined,
  key: (unit) => unit.requirements.machineId ?? '',
  check(unit, m, view) {
    const want = unit.requirements.machineId;
    if (want === undefined) return OK;
    const id = view.machines[m]!.id;
    if (id === want || id.slice(0, 8) === want) return OK;
    return reject('MachineID', 'never', `machine ${id} is not the required machine ${want}`, want);
  },
};

/** Narrows to the machine(s) the unit names; undefined when it names none. */
export const machineIdPreFilter: PreFilter = {
  name: 'MachineID',
  narrow(unit, view) {
    const want = unit.requirements.machineId;
    if (want === undefined) return undefined;
    return candidateList(view.machinesWithId(want));
  },
};
