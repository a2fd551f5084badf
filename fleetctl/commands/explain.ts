/**
 * `fleetctl explain UNIT...`: per unit, where it runs or why it does not,
 * from the API's explain document (the engine's published explanation:
 * per-filter counts with an example machine each). Exit 0 only when every
 * unit is placed. `-o json` prints the documents as the API gives them.
 */
import { mangleUnitName } from '../../src/units/index.js';
import type { UnitExplanation } from '../../src/engine/explain.js';
import { errorMessage } from '../client/errors.js';
import { MachineLegends } from '../units/legend.js';
import { parseTextOrJson, text, type CommandSpec } from './spec.js';

/** One rejection count of the engine's explanation, as it is published. */
interface Rejection {
  readonly filter: string;
  readonly machines: number;
  readonly constraints: readonly string[];
  readonly example: string;
}

/** The per-filter rejections of a document, or none when it carries no (readable) explanation. */
function rejections(doc: UnitExplanation): Rejection[] {
  const e = doc.explanation as { rejections?: unknown } | undefined;
  return Array.isArray(e?.rejections) ? (e.rejections as Rejection[]) : [];
}

/**
 * The lines `explain` prints for one document: `NAME: runs on LEGEND[, ...]`
 * when scheduled, else `NAME: not placed: MESSAGE` and one indented line per
 * filter (`MachineMetadata: 2 machines (region=eu), e.g. <machine>: <reason>`).
 * `legend` maps a machine id to its legend. Never throws.
 */
export function explainLines(doc: UnitExplanation, legend: (machineId: string) => string): string[] {
  if (doc.status === 'scheduled') return [`${doc.name}: runs on ${doc.machineIDs.map(legend).join(', ')}`];
  const lines = [`${doc.name}: not placed: ${doc.message}`];
  for (const r of rejections(doc)) {
    const constraints = r.constraints.length > 0 ? ` (${r.constraints.join(', ')})` : '';
    lines.push(`  ${r.filter}: ${r.machines} machine${r.machines === 1 ? '' : 's'}${constraints}, e.g. ${r.example}`);
  }
  return lines;
}

/** The explain command. */
export const explainCommand: CommandSpec = {
  name: 'explain',
  usage: 'UNIT...',
  summary: 'Explain where units run, or why they are not placed',
  description:
    'For each unit: the machines it runs on, or why the engine placed it nowhere (how many machines each filter rejected, and an example). Exits 1 unless every unit is placed. -o json prints the API\'s explain documents, one per line.',
  flags: [{ flags: '-o, --output <format>', description: 'Output format: text or json (the API\'s explain document per unit, one per line).', defaultValue: 'text', parse: parseTextOrJson }],
  async run(ctx, args, flags) {
    const { out, client } = ctx;
    const format = text(flags, 'output', 'text');
    if (args.length === 0) {
      out.stderr.write('At least one unit must be provided\n');
      return 1;
    }
    const legends = new MachineLegends(client);
    let code = 0;
    for (const name of [...new Set(args.map(mangleUnitName))]) {
      let doc: UnitExplanation | undefined;
      try {
        doc = await client.explanation(name);
      } catch (err) {
        out.stderr.write(`Error explaining unit ${name}: ${errorMessage(err)}\n`);
        code = 1;
        continue;
      }
      if (doc === undefined) {
        out.stderr.write(`Unit ${name} not found\n`);
        code = 1;
        continue;
      }
      if (doc.status !== 'scheduled') code = 1;
      if (format === 'json') {
        out.stdout.write(`${JSON.stringify(doc)}\n`);
        continue;
      }
      const known = new Map<string, string>();
      for (const id of doc.machineIDs) known.set(id, (await legends.legend(id).catch(() => undefined)) ?? id);
      for (const line of explainLines(doc, (id) => known.get(id) ?? id)) out.stdout.write(`${line}\n`);
    }
    return code;
  },
};
