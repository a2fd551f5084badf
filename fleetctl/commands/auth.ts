/**
 * `fleetctl auth bootstrap`: the cluster's first admin token. Works once
 * per cluster and only through a fleetd's local unix socket (whoever can
 * open it already controls that host). The token is printed once, alone on
 * stdout, so `export FLEETCTL_TOKEN=$(fleetctl auth bootstrap)` works.
 */
import { errorMessage } from '../client/errors.js';
import type { CommandSpec } from './spec.js';

/** The auth command. */
export const authCommand: CommandSpec = {
  name: 'auth',
  usage: 'bootstrap',
  summary: 'Create the cluster\'s first admin API token (once, through the local unix socket)',
  description: 'Prints the token once on stdout; store it safely (e.g. FLEETCTL_TOKEN). Further tokens: fleetctl token create.',
  flags: [],
  async run(ctx, args) {
    if (args.length !== 1 || args[0] !== 'bootstrap') {
      ctx.out.stderr.write('Usage: fleetctl auth bootstrap\n');
      return 1;
    }
    try {
      const t = await ctx.client.bootstrapAuth();
      ctx.out.stdout.write(`${t.token}\n`);
      ctx.out.stderr.write(`Created admin token ${t.id} (${t.name}). It is shown only this once: store it safely.\n`);
      return 0;
    } catch (err) {
      ctx.out.stderr.write(`Error bootstrapping API authentication: ${errorMessage(err)}\n`);
      return 1;
    }
  },
};
