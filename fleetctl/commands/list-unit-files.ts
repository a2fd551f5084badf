/** `fleetctl list-unit-files`: one row per unit in the cluster, with desired and current state. */
import { extractRequirements, optionsHash, priorityOf, unitDescription, type UnitRequirements } from '../../src/units/index.js';
import { errorMessage } from '../client/errors.js';
import type { FleetMachine, FleetUnit } from '../client/types.js';
import { machineLegend, type FieldSet } from '../output/fields.js';
import { listFlags, printList, readListOptions } from '../output/list.js';
import type { CommandSpec } from './spec.js';

interface Row {
  readonly unit: FleetUnit;
  readonly hash: string;
  readonly global: boolean;
  readonly requirements: UnitRequirements;
  readonly machine?: FleetMachine;
}

const DEFAULT_FIELDS = 'unit,hash,dstate,state,target';

function target(r: Row, full: boolean): string {
  if (r.global) return 'global';
  if (r.unit.machineId === undefined) return '-';
  return machineLegend(r.unit.machineId, r.machine?.primaryIP, full);
}

/** fleet's list-unit-files columns. */
export const LIST_UNIT_FILES_FIELDS: FieldSet<Row> = {
  unit: (r) => r.unit.name,
  hash: (r, full) => (full ? r.hash : r.hash.slice(0, 7)),
  dstate: (r) => r.unit.desiredState || '-',
  state: (r) => (r.global || !r.unit.currentState ? '-' : r.unit.currentState),
  target,
  tmachine: target,
  global: (r) => String(r.global),
  desc: (r) => unitDescription(r.unit.options) || '-',
  priority: (r) => String(priorityOf(r.requirements)),
};

function toJson(r: Row): object {
  return {
    unit: r.unit.name,
    hash: r.hash,
    dstate: r.unit.desiredState,
    state: r.global ? null : (r.unit.currentState ?? null),
    target: r.global ? 'global' : (r.unit.machineId ?? null),
    global: r.global,
    desc: unitDescription(r.unit.options) || null,
    // Only for units that set Priority=, so clusters without it print exactly as before.
    ...(r.requirements.priority !== undefined ? { priority: r.requirements.priority } : {}),
  };
}

/** The list-unit-files command. */
export const listUnitFilesCommand: CommandSpec = {
  name: 'list-unit-files',
  usage: '',
  summary: 'List the units that exist in the cluster',
  description: `Fields: ${Object.keys(LIST_UNIT_FILES_FIELDS).join(', ')}.`,
  flags: listFlags(DEFAULT_FIELDS, false),
  async run(ctx, _args, flags) {
    const opts = readListOptions(ctx.out, flags, LIST_UNIT_FILES_FIELDS, DEFAULT_FIELDS);
    if (opts === undefined) return 1;
    if (opts.fields.includes('tmachine')) ctx.out.stderr.write('WARNING: The "tmachine" field is deprecated. Use "target" instead\n');
    let rows: Row[];
    try {
      const [units, machines] = await Promise.all([ctx.client.listUnits(), ctx.client.listMachines()]);
      const byId = new Map(machines.map((m) => [m.id, m]));
      rows = units.map((unit) => {
        const requirements = extractRequirements(unit.options, unit.name).requirements;
        return {
          unit,
          hash: optionsHash(unit.options),
          global: requirements.global,
          requirements,
          ...(unit.machineId !== undefined && byId.has(unit.machineId) ? { machine: byId.get(unit.machineId)! } : {}),
        };
      });
    } catch (err) {
      ctx.out.stderr.write(`Error retrieving list of units from repository: ${errorMessage(err)}\n`);
      return 1;
    }
    printList(ctx.out, rows, opts, LIST_UNIT_FILES_FIELDS, toJson);
    return 0;
  },
};
