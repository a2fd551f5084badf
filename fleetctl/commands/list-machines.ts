/** `fleetctl list-machines`: the machines present in the cluster. */
import { errorMessage } from '../client/errors.js';
import type { FleetMachine } from '../client/types.js';
import type { FieldSet } from '../output/fields.js';
import { listFlags, printList, readListOptions } from '../output/list.js';
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

function toJson(m: FleetMachine): object {
  return { machine: m.id, ip: m.primaryIP ?? null, metadata: m.metadata };
}

/** The list-machines command. */
export const listMachinesCommand: CommandSpec = {
  name: 'list-machines',
  usage: '',
  summary: 'Enumerate the current hosts in the cluster',
  description: `Fields: ${Object.keys(LIST_MACHINES_FIELDS).join(', ')}.`,
  flags: listFlags(DEFAULT_FIELDS, true),
  async run(ctx, _args, flags) {
    const opts = readListOptions(ctx.out, flags, LIST_MACHINES_FIELDS, DEFAULT_FIELDS);
    if (opts === undefined) return 1;
    let machines: FleetMachine[];
    try {
      machines = [...(await ctx.client.listMachines())].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    } catch (err) {
      ctx.out.stderr.write(
        `Error retrieving list of active machines from fleet API (${errorMessage(err)})\nPossible issues:\n  etcd is unhealthy and/or lost quorum\n  connection cannot be established to any etcd servers\n`,
      );
      return 1;
    }
    printList(ctx.out, machines, opts, LIST_MACHINES_FIELDS, toJson);
    return 0;
  },
};
