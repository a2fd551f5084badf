/**
 * `fleetctl policy` prints the cluster's placement policy;
 * `fleetctl policy set FILE` (`-` for stdin) validates a JSON document and
 * replaces it. A new policy applies to new placements; running units stay.
 */
import { readFileSync } from 'node:fs';
import { errorMessage } from '../client/errors.js';
import type { CommandSpec } from './spec.js';

/** The policy command. */
export const policyCommand: CommandSpec = {
  name: 'policy',
  usage: '[set FILE]',
  summary: 'Show or replace the placement policy (strategy, scorers, spreadBy, enforce, preemption)',
  description:
    'Without arguments prints the policy in force as JSON. "set FILE" replaces it with the JSON document in FILE ("-": stdin), e.g. {"strategy":"binpack","scorers":{"balanced":1},"spreadBy":"az","enforce":false,"preemption":true}.',
  flags: [],
  async run(ctx, args) {
    if (args.length === 0) {
      try {
        ctx.out.stdout.write(`${JSON.stringify(await ctx.client.getPolicy(), null, 2)}\n`);
        return 0;
      } catch (err) {
        ctx.out.stderr.write(`Error retrieving the placement policy: ${errorMessage(err)}\n`);
        return 1;
      }
    }
    if (args[0] !== 'set' || args.length !== 2) {
      ctx.out.stderr.write('Usage: fleetctl policy [set FILE]\n');
      return 1;
    }
    const file = args[1]!;
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
    } catch (err) {
      ctx.out.stderr.write(`Error reading policy ${file}: ${errorMessage(err)}\n`);
      return 1;
    }
    try {
      const stored = await ctx.client.setPolicy(doc);
      ctx.out.stdout.write(`${JSON.stringify(stored, null, 2)}\n`);
      return 0;
    } catch (err) {
      ctx.out.stderr.write(`Error setting the placement policy: ${errorMessage(err)}\n`);
      return 1;
    }
  },
};
