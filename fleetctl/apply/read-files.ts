/**
 * Reading `fleetctl apply`'s arguments from disk: each directory's unit
 * files (not recursive: regular files and symlinks whose name ends in a unit
 * type, dot-files skipped) and each file named, plus the set name they
 * imply. Effectful; every problem names the path.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { applySetNameProblem } from '../../src/domain/index.js';
import { UNIT_TYPES } from '../../src/units/index.js';
import type { UnitFile } from '../../src/apply/index.js';
import { errorMessage } from '../client/errors.js';

/** The arguments could not be read; nothing may be written. */
export class ApplyReadError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ApplyReadError';
    this.problems = problems;
  }
}

/** What the arguments hold. */
export interface ApplyInput {
  /** Every unit file, in argument order (a directory's files sorted by name). */
  readonly files: readonly UnitFile[];
  /**
   * The set name the arguments imply: the base name of the one directory
   * given, or of the directory holding every file given; undefined when
   * they span several directories.
   */
  readonly impliedSet?: string;
}

/** True when a directory entry looks like a unit file. */
function isUnitFileName(name: string): boolean {
  if (name.startsWith('.')) return false;
  const dot = name.lastIndexOf('.');
  return dot > 0 && UNIT_TYPES.includes(name.slice(dot + 1));
}

/**
 * Reads every argument.
 * @throws {ApplyReadError} listing every path that is missing, unreadable,
 *   or a directory without unit files.
 */
export async function readApplyInput(args: readonly string[]): Promise<ApplyInput> {
  const problems: string[] = [];
  const files: UnitFile[] = [];
  const dirs = new Set<string>();
  for (const arg of args) {
    let isDir: boolean;
    try {
      isDir = (await stat(arg)).isDirectory();
    } catch (err) {
      problems.push(`${arg}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : errorMessage(err)}`);
      continue;
    }
    if (!isDir) {
      dirs.add(resolve(dirname(arg)));
      await readOne(arg, files, problems);
      continue;
    }
    dirs.add(resolve(arg));
    const entries = (await readdir(arg, { withFileTypes: true })).filter((e) => isUnitFileName(e.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
    let found = 0;
    for (const e of entries) {
      const path = join(arg, e.name);
      if (e.isDirectory() || (e.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isDirectory() === true)) continue;
      found++;
      await readOne(path, files, problems);
    }
    if (found === 0) problems.push(`${arg}: no unit files in this directory (names ending in .${UNIT_TYPES.join(', .')})`);
  }
  if (problems.length > 0) throw new ApplyReadError(problems);
  const only = dirs.size === 1 ? [...dirs][0]! : undefined;
  return { files, ...(only !== undefined ? { impliedSet: basename(only) } : {}) };
}

async function readOne(path: string, files: UnitFile[], problems: string[]): Promise<void> {
  try {
    files.push({ path, name: basename(path), text: new Uint8Array(await readFile(path)) });
  } catch (err) {
    problems.push(`${path}: ${errorMessage(err)}`);
  }
}

/**
 * The set name to use: `--set`, else the one the arguments imply.
 * @throws {ApplyReadError} when there is none or it is not a valid set name (saying to use `--set`).
 */
export function resolveSetName(flag: string | undefined, input: ApplyInput): string {
  const name = flag ?? input.impliedSet;
  if (name === undefined) throw new ApplyReadError(['the files are in several directories: name the apply set with --set NAME']);
  const problem = applySetNameProblem(name);
  if (problem === undefined) return name;
  throw new ApplyReadError([flag !== undefined ? `invalid --set ${JSON.stringify(name)}: ${problem}` : `the directory name ${JSON.stringify(name)} cannot name an apply set (${problem}): name it with --set NAME`]);
}
