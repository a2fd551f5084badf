/**
 * `fleetctl import DIR`: restores what `fleetctl export` wrote. Everything
 * is read and validated first (every problem is printed, nothing written);
 * a cluster that already has units is refused unless `--force`. Then the
 * placement policy is set and every unit is created with its desired state
 * in one request each. Agents that still run these units after an etcd wipe
 * hold them, and the engine places each unit back where it runs, so nothing
 * restarts (see README, "Backup and disaster recovery").
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidExportError, MANIFEST_FILE, planImport, POLICY_FILE, readExport, UNITS_DIR, type ExistingUnit, type ExportContents, type ImportStep } from '../../src/backup/index.js';
import { buildUnit } from '../../src/units/index.js';
import { errorMessage } from '../client/errors.js';
import { forEachUnit } from '../units/each.js';
import { flag, type CommandSpec } from './spec.js';

/** The import command. */
export const importCommand: CommandSpec = {
  name: 'import',
  usage: 'DIR',
  summary: 'Restore units, desired states and the placement policy written by export',
  description:
    'Validates the whole export first and writes nothing if any file is wrong. Refuses a cluster that already has units unless --force ' +
    '(then exported units are created, replaced or given their exported desired state, and other units are left alone).',
  flags: [{ flags: '--force', description: 'Import into a cluster that already has units.' }],
  async run(ctx, args, flags) {
    if (args.length !== 1) {
      ctx.out.stderr.write('Usage: fleetctl import [--force] DIR\n');
      return 1;
    }
    const dir = args[0]!;
    let contents: ExportContents;
    try {
      contents = readExport(await readExportDir(dir));
    } catch (err) {
      if (err instanceof InvalidExportError) {
        for (const p of err.problems) ctx.out.stderr.write(`Error in export ${dir}: ${p}\n`);
      } else {
        ctx.out.stderr.write(`Error reading export ${dir}: ${errorMessage(err)}\n`);
      }
      return 1;
    }
    let existing: Map<string, ExistingUnit>;
    try {
      const units = await ctx.client.listUnits();
      existing = new Map(units.map((u) => [u.name, { hash: storedHash(u.name, u.options), desiredState: u.desiredState }]));
    } catch (err) {
      ctx.out.stderr.write(`Error reading the cluster: ${errorMessage(err)}\n`);
      return 1;
    }
    if (existing.size > 0 && !flag(flags, 'force')) {
      const names = [...existing.keys()];
      const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, ... (${names.length - 5} more)` : '');
      ctx.out.stderr.write(`Error: the cluster already has ${names.length} unit${names.length === 1 ? '' : 's'} (${shown}); import restores into an empty cluster. Add --force to import anyway.\n`);
      return 1;
    }
    if (contents.policy !== undefined) {
      try {
        await ctx.client.setPolicy(contents.policy);
        ctx.out.stdout.write('Placement policy set\n');
      } catch (err) {
        ctx.out.stderr.write(`Error setting the placement policy: ${errorMessage(err)}\n`);
        return 1;
      }
    }
    const steps = planImport(contents, existing).filter((s) => s.kind !== 'unchanged');
    const done = await forEachUnit(
      ctx.client,
      steps,
      (s) => ({ kind: 'put', name: s.unit.name, options: s.kind === 'setDesired' ? [] : s.unit.options, desiredState: s.desiredState }),
      (s, error) => {
        if (error !== undefined) ctx.out.stderr.write(`Error importing unit ${s.unit.name}: ${errorMessage(error)}\n`);
        else ctx.out.stdout.write(`Unit ${s.unit.name} ${describe(s)}\n`);
      },
    );
    const unchanged = contents.units.length - steps.length;
    ctx.out.stdout.write(`Imported ${done.length} of ${steps.length} unit${steps.length === 1 ? '' : 's'}${unchanged > 0 ? ` (${unchanged} unchanged)` : ''}\n`);
    return done.length === steps.length ? 0 : 1;
  },
};

/** The hash of a stored unit's body; '' when it no longer validates (the import then replaces it). */
function storedHash(name: string, options: Parameters<typeof buildUnit>[1]): string {
  try {
    return buildUnit(name, options).hash;
  } catch {
    return '';
  }
}

function describe(s: ImportStep): string {
  switch (s.kind) {
    case 'create':
      return `imported (${s.desiredState})`;
    case 'replace':
      return `replaced (${s.desiredState})`;
    default:
      return `set to ${s.desiredState}`;
  }
}

/**
 * The files of an export directory: the manifest, the policy (if present)
 * and every file under `units/`.
 * @throws the fs error when DIR or a file cannot be read (a missing manifest
 *   or units directory is left for `readExport` to name).
 */
async function readExportDir(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const optional = async (path: string): Promise<void> => {
    try {
      files.set(path, await readFile(join(dir, path), 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  };
  await readdir(dir); // a missing or unreadable DIR is named as such
  await optional(MANIFEST_FILE);
  await optional(POLICY_FILE);
  let names: string[] = [];
  try {
    names = await readdir(join(dir, UNITS_DIR));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const name of names.sort()) files.set(`${UNITS_DIR}/${name}`, await readFile(join(dir, UNITS_DIR, name), 'utf8'));
  return files;
}
