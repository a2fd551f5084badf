/**
 * `fleetctl export DIR`: writes the cluster's intent (every unit file, its
 * desired state, the placement policy) into DIR in the export format
 * (`src/backup/export-format.ts`). DIR may be missing, empty, or an earlier
 * export, which is brought up to date (unit files of units that are gone are
 * removed), so an export kept in git diffs cleanly.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportFiles, MANIFEST_FILE, POLICY_FILE, UNITS_DIR } from '../../src/backup/index.js';
import { errorMessage } from '../client/errors.js';
import type { CommandSpec } from './spec.js';

/** The export command. */
export const exportCommand: CommandSpec = {
  name: 'export',
  usage: 'DIR',
  summary: 'Write every unit file, its desired state and the placement policy into DIR (for import)',
  description:
    `Writes DIR/${MANIFEST_FILE} (format and each unit's desired state), DIR/${UNITS_DIR}/<unit> (each unit file as "cat" prints it) and DIR/${POLICY_FILE} (only when the policy is not the default). ` +
    'Tokens, machine records, the schedule and unit states are not exported. DIR must be missing, empty or an earlier export.',
  flags: [],
  async run(ctx, args) {
    if (args.length !== 1) {
      ctx.out.stderr.write('Usage: fleetctl export DIR\n');
      return 1;
    }
    const dir = args[0]!;
    let files: Map<string, string>;
    try {
      const [units, policy] = await Promise.all([ctx.client.listUnits(), ctx.client.getPolicy()]);
      if (typeof policy['problem'] === 'string') ctx.out.stderr.write(`WARNING: the stored placement policy cannot be used (${policy['problem']}); exporting the policy in force\n`);
      files = exportFiles(units, policy);
    } catch (err) {
      ctx.out.stderr.write(`Error reading the cluster: ${errorMessage(err)}\n`);
      return 1;
    }
    try {
      const stale = await prepareDir(dir);
      await mkdir(join(dir, UNITS_DIR), { recursive: true });
      for (const name of stale) if (!files.has(`${UNITS_DIR}/${name}`)) await rm(join(dir, UNITS_DIR, name));
      if (!files.has(POLICY_FILE)) await rm(join(dir, POLICY_FILE), { force: true });
      // The manifest last: a directory without one is not mistaken for a complete export.
      for (const [path, content] of files) if (path !== MANIFEST_FILE) await writeFile(join(dir, path), content);
      await writeFile(join(dir, MANIFEST_FILE), files.get(MANIFEST_FILE)!);
    } catch (err) {
      ctx.out.stderr.write(`Error writing export ${dir}: ${errorMessage(err)}\n`);
      return 1;
    }
    const count = files.size - 1 - (files.has(POLICY_FILE) ? 1 : 0);
    ctx.out.stdout.write(`Exported ${count} unit${count === 1 ? '' : 's'}${files.has(POLICY_FILE) ? ' and the placement policy' : ''} to ${dir}\n`);
    return 0;
  },
};

/**
 * Checks that `dir` may be written: missing, empty, or an earlier export.
 * @returns the unit files of an earlier export (empty otherwise).
 * @throws an Error naming the problem for any other directory.
 */
async function prepareDir(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      await mkdir(dir, { recursive: true });
      return [];
    }
    throw err;
  }
  if (entries.length === 0) return [];
  if (!entries.includes(MANIFEST_FILE)) throw new Error(`${dir} is not empty and holds no ${MANIFEST_FILE}: refusing to write into it`);
  return entries.includes(UNITS_DIR) ? readdir(join(dir, UNITS_DIR)) : [];
}
