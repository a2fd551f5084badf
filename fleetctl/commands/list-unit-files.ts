/** `fleetctl list-unit-files`: one row per unit in the cluster, with desired and current state. */
import { extractRequirements, optionsHash, priorityOf, unitDescription, type UnitRequirements } from '../../src/units/index.js';
import { errorMessage } from '../client/errors.js';
import type { FleetMachine, FleetUnit, FleetUnitSummary } from '../client/types.js';
import { machineLegend, type FieldSet } from '../output/fields.js';
import { listFlags, printList, readListOptions } from '../output/list.js';
import type { CommandSpec } from './spec.js';

/**
 * One unit's row. Its hash and [X-Fleet] requirements are worked out when a
 * field asks for them; a unit listed without its unit file (a summary) has
 * only what the name, state and target columns need.
 */
class Row {
  #requirements: UnitRequirements | undefined;
  #hash: string | undefined;
  constructor(
    readonly unit: FleetUnit | FleetUnitSummary,
    readonly machine?: FleetMachine,
  ) {}
  /** The unit's options (only rows of full units have them; see {@link SUMMARY_FIELDS}). */
  get options(): FleetUnit['options'] {
    if (!('options' in this.unit)) throw new Error(`internal: ${this.unit.name} was listed without its unit file`);
    return this.unit.options;
  }
  get requirements(): UnitRequirements {
    return (this.#requirements ??= extractRequirements(this.options, this.unit.name).requirements);
  }
  get global(): boolean {
    return 'global' in this.unit ? this.unit.global : this.requirements.global;
  }
  get hash(): string {
    return (this.#hash ??= optionsHash(this.options));
  }
}

/** Columns a unit's summary fills (no unit file needed): shell completion asks for `unit` alone. */
const SUMMARY_FIELDS: ReadonlySet<string> = new Set(['unit', 'dstate', 'state', 'target', 'tmachine', 'global']);

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
  desc: (r) => unitDescription(r.options) || '-',
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
    desc: unitDescription(r.options) || null,
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
      // Machines only name a target's IP: not fetched when no column shows one.
      const wantsMachines = opts.format === 'table' && opts.fields.some((f) => f === 'target' || f === 'tmachine');
      const summaries = opts.format === 'table' && opts.fields.every((f) => SUMMARY_FIELDS.has(f));
      const [units, machines] = await Promise.all([
        summaries ? ctx.client.listUnitSummaries() : ctx.client.listUnits(),
        wantsMachines ? ctx.client.listMachines() : [],
      ]);
      const byId = new Map(machines.map((m) => [m.id, m]));
      rows = units.map((unit) => new Row(unit, unit.machineId !== undefined ? byId.get(unit.machineId) : undefined));
    } catch (err) {
      ctx.out.stderr.write(`Error retrieving list of units from repository: ${errorMessage(err)}\n`);
      return 1;
    }
    printList(ctx.out, rows, opts, LIST_UNIT_FILES_FIELDS, toJson);
    return 0;
  },
};
