/** `fleetctl list-units`: one row per (unit, machine) state report, as fleet prints it. */
import { errorMessage } from '../client/errors.js';
import type { FleetMachine, FleetUnitState } from '../client/types.js';
import { machineLegend, type FieldSet } from '../output/fields.js';
import { listFlags, printList, readListOptions } from '../output/list.js';
import type { CommandSpec } from './spec.js';

interface Row {
  readonly state: FleetUnitState;
  readonly machine?: FleetMachine;
}

const DEFAULT_FIELDS = 'unit,machine,active,sub';

/** fleet's list-units columns. */
export const LIST_UNITS_FIELDS: FieldSet<Row> = {
  unit: (r) => r.state.name,
  machine: (r, full) => (r.state.machineId === '' ? '-' : machineLegend(r.state.machineId, r.machine?.primaryIP, full)),
  active: (r) => r.state.activeState,
  sub: (r) => r.state.subState,
  load: (r) => r.state.loadState,
  hash: (r, full) => (r.state.hash === '' ? '-' : full ? r.state.hash : r.state.hash.slice(0, 7)),
};

function toJson(r: Row): object {
  const s = r.state;
  return { unit: s.name, machine: s.machineId || null, ip: r.machine?.primaryIP ?? null, hash: s.hash || null, load: s.loadState, active: s.activeState, sub: s.subState };
}

/** The list-units command. */
export const listUnitsCommand: CommandSpec = {
  name: 'list-units',
  usage: '',
  summary: "List the current state of units in the cluster",
  description: `Fields: ${Object.keys(LIST_UNITS_FIELDS).join(', ')}.`,
  flags: listFlags(DEFAULT_FIELDS, true),
  async run(ctx, _args, flags) {
    const opts = readListOptions(ctx.out, flags, LIST_UNITS_FIELDS, DEFAULT_FIELDS);
    if (opts === undefined) return 1;
    let rows: Row[];
    try {
      const [states, machines] = await Promise.all([ctx.client.listUnitStates(), ctx.client.listMachines()]);
      const byId = new Map(machines.map((m) => [m.id, m]));
      rows = states
        .map((state) => ({ state, machine: byId.get(state.machineId) }))
        .sort((a, b) => cmp(a.state.name, b.state.name) || cmp(a.state.machineId, b.state.machineId));
    } catch (err) {
      ctx.out.stderr.write(`Error retrieving list of units from repository: ${errorMessage(err)}\n`);
      return 1;
    }
    printList(ctx.out, rows, opts, LIST_UNITS_FIELDS, toJson);
    return 0;
  },
};

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
