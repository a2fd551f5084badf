/**
 * Reading unit files from disk the way fleetctl finds them (§5.4): the
 * argument itself (with `.service` added when it has no unit type), or the
 * template beside it for an instance.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildUnit, mangleUnitName, type Unit, type UnitOption } from '../../src/units/index.js';

/** The unit name for a command-line argument and the file it would be read from. */
export interface UnitArg {
  readonly arg: string;
  /** `mangleUnitName(arg)`. */
  readonly name: string;
  /** `arg`, with `.service` appended when mangling appended it to the name. */
  readonly path: string;
}

/** Maps a command-line argument to its unit name and local path. Never throws. */
export function unitArg(arg: string): UnitArg {
  const name = mangleUnitName(arg);
  const base = arg.replace(/\/+$/, '').split('/').pop() ?? arg;
  return { arg, name, path: base === name ? arg : `${arg}.service` };
}

/** The template file that would sit beside `path` (`dir/foo@.service` for `dir/foo@1.service`). */
export function templatePath(path: string, template: string): string {
  return join(dirname(path), template);
}

/**
 * Reads a file's text. Synchronously: fleetctl reads its unit files one
 * after the other anyway, and 1,000 reads through the libuv thread pool
 * (4 more threads, one FileHandle and several buffers per file) cost a
 * `start` of 1,000 running units 0.47-0.51 instead of 0.27-0.29 s of CPU
 * and 0.1-0.3 MB more peak RSS (commit eb8d55d).
 * @returns undefined when the file does not exist.
 * @throws the fs error for anything else (unreadable, a directory).
 */
export function readLocal(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** True when `a` and `b` describe the same unit body for `name` (compared by canonical hash). Never throws. */
export function sameBody(name: string, a: string | readonly UnitOption[], b: string | readonly UnitOption[]): boolean {
  let ua: Unit;
  let ub: Unit;
  try {
    ua = buildUnit(name, a);
    ub = buildUnit(name, b);
  } catch {
    return false;
  }
  return ua.hash === ub.hash;
}
