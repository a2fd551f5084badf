/**
 * Cordon: a cordoned machine takes no new units; units already there stay.
 * The engine cordons a machine it suspects is dead while its registration
 * has not expired yet (e.g. the previous engine leader right after a
 * failover), so new work does not land where nothing will run it. A unit
 * the machine holds after a registry reset is not new there: it runs there
 * (and the machine just said so, so it is alive), and goes back.
 */
import { OK, reject, type Filter } from '../filter.js';

/** Rejects new placements on cordoned machines. */
export const cordonFilter: Filter = {
  name: 'Cordon',
  newPlacementsOnly: true,
  key: (unit) => unit.heldOn.join(','),
  acceptsAll: (_unit, view) => view.memo('Cordon:none', () => view.machines.every((m) => m.cordoned === undefined)),
  check(unit, m, view) {
    const why = view.machines[m]!.cordoned;
    return why === undefined || unit.heldOn.includes(m) ? OK : reject('Cordon', 'not-now', `machine ${view.machines[m]!.id} takes no new units: ${why}`, 'cordoned');
  },
};
