/**
 * MachineOf: a unit runs on the same machine as every unit it names (exact
 * names, no globs). Followers are placed after their leaders in the same
 * pass, and move with them.
 */
import { OK, reject, type Filter, type PreFilter } from '../filter.js';
import { candidateList } from '../candidates.js';
import type { MachineIndex } from '../model.js';

/** Rejects machines that do not currently host every peer. */
export const machineOfFilter: Filter = {
  name: 'MachineOf',
  acceptsAll: (unit) => unit.requirements.machineOf.length === 0,
  check(unit, m, view) {
    const peers = unit.requirements.machineOf;
    for (let i = 0; i < peers.length; i++) {
      const peer = peers[i]!;
      if (!view.hosts(m, peer)) return reject('MachineOf', 'not-now', `required peer ${peer} is not on this machine`, peer);
    }
    return OK;
  },
};

/** Narrows to the machines hosting all peers (empty when a peer is placed nowhere). */
export const machineOfPreFilter: PreFilter = {
  name: 'MachineOf',
  narrow(unit, view) {
    const peers = unit.requirements.machineOf;
    if (peers.length === 0) return undefined;
    let common: MachineIndex[] | undefined;
    for (const peer of peers) {
      const where = view.machinesOf(peer);
      common = common === undefined ? [...where] : common.filter((m) => where.has(m));
      if (common.length === 0) break;
    }
    return candidateList(common!.sort((a, b) => a - b));
  },
};
