/** `fleetctl list-machines`: the machines present in the cluster. */
import { errorMessage } from '../client/errors.js';
import type { FleetMachine } from '../client/types.js';
import type { FieldSet } from '../output/fields.js';
import { listFlags, printList, readListOptions } from '../output/list.js';
import { formatQuantity, isResourceName, overcommitted } from '../../src/resources/index.js';
import type { CommandSpec } from './spec.js';

const DEFAULT_FIELDS = 'machine,ip,metadata';

/** fleet's list-machines columns. */
export const LIST_MACHINES_FIELDS: FieldSet<FleetMachine> = {
  machine: (m, full) => (full ? m.id : `${m.id.slice(0, 8)}...`),
  ip: (m) => m.primaryIP || '-',
  metadata: (m) => {
    const keys = Object.keys(m.metadata).sort();
    return keys.length === 0 ? '-' : keys.map((k) => `${k}=${m.metadata[k]}`).join(',');
  },
};

/** Resource columns every cluster offers in `--fields`; any other resource a machine publishes is offered too. */
const STANDARD_RESOURCES = ['cpu', 'memory', 'disk'];

/**
 * The column of resource `name`: `allocated/allocatable` (`1.5/4`,
 * `2.0G/15.0G`), ` (over)` appended when the machine is over-committed on
 * it; `-` for a machine that publishes no resources.
 */
export function resourceField(name: string): (m: FleetMachine) => string {
  return (m) => {
    const r = m.resources;
    if (r === undefined) return '-';
    const cell = `${formatQuantity(name, r.allocated[name] ?? 0)}/${formatQuantity(name, r.allocatable[name] ?? 0)}`;
    return overcommitted(r).includes(name) ? `${cell} (over)` : cell;
  };
}

/** The columns list-machines offers for `machines`: fleet's, then one per resource. */
function fieldsFor(machines: readonly FleetMachine[]): FieldSet<FleetMachine> {
  const names = new Set(STANDARD_RESOURCES);
  for (const m of machines) for (const n of Object.keys(m.resources?.capacity ?? {})) names.add(n);
  const out: Record<string, (m: FleetMachine, full: boolean) => string> = { ...LIST_MACHINES_FIELDS };
  for (const n of names) if (!(n in out)) out[n] = resourceField(n);
  return out;
}

function toJson(m: FleetMachine): object {
  return { machine: m.id, ip: m.primaryIP ?? null, metadata: m.metadata, ...(m.resources !== undefined ? { resources: m.resources } : {}) };
}

/** The list-machines command. */
export const listMachinesCommand: CommandSpec = {
  name: 'list-machines',
  usage: '',
  summary: 'Enumerate the current hosts in the cluster',
  description: `Fields: ${Object.keys(LIST_MACHINES_FIELDS).join(', ')}, and per resource (${STANDARD_RESOURCES.join(', ')} or any other a machine offers) allocated/allocatable, e.g. 1.5/4.`,
  flags: listFlags(DEFAULT_FIELDS, true),
  async run(ctx, _args, flags) {
    // Resource columns depend on what machines offer: a lower-case name not known yet is checked after listing.
    const requested = typeof flags['fields'] === 'string' ? flags['fields'].split(',').map((s) => s.trim()) : [];
    const deferred = requested.some((n) => !(n in LIST_MACHINES_FIELDS) && isResourceName(n));
    let opts: ReturnType<typeof readListOptions> = deferred ? undefined : readListOptions(ctx.out, flags, LIST_MACHINES_FIELDS, DEFAULT_FIELDS);
    if (!deferred && opts === undefined) return 1;
    let machines: FleetMachine[];
    try {
      machines = [...(await ctx.client.listMachines())].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    } catch (err) {
      ctx.out.stderr.write(
        `Error retrieving list of active machines from fleet API (${errorMessage(err)})\nPossible issues:\n  etcd is unhealthy and/or lost quorum\n  connection cannot be established to any etcd servers\n`,
      );
      return 1;
    }
    const fields = fieldsFor(machines);
    opts ??= readListOptions(ctx.out, flags, fields, DEFAULT_FIELDS);
    if (opts === undefined) return 1;
    printList(ctx.out, machines, opts, fields, toJson);
    return 0;
  },
};
