import { mkdir, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnitFileIoError } from './errors.js';
import { readIfExists } from './unit-files.js';
import { validateUnitName } from '../units/index.js';

/** File name of fleet's drop-in in `<unit>.d/`. */
export const FLEET_DROP_IN = 'fleet-resources.conf';

/**
 * fleet's runtime drop-ins: `<runtime dir>/<unit>.d/fleet-resources.conf`
 * in systemd's runtime unit directory (`/run/systemd/system`, or
 * `$XDG_RUNTIME_DIR/systemd/user` for a user manager), thin shell over
 * node:fs. systemd reads a unit's drop-ins whenever it loads the unit: a unit
 * new to systemd gets it on first reference with no daemon reload; a unit
 * systemd already holds needs one. Like every file under /run it is gone at
 * reboot, and fleet removes it with the unit.
 */
export class DropIns {
  constructor(readonly dir: string) {}

  /** Path of the unit's fleet drop-in. Throws InvalidUnitNameError (src/units). */
  pathOf(name: string): string {
    validateUnitName(name);
    return join(this.dir, `${name}.d`, FLEET_DROP_IN);
  }

  /**
   * Writes (`text`) or removes (undefined) the unit's drop-in; a write goes
   * through a temporary file and rename, so systemd never reads half of it.
   * Throws InvalidUnitNameError, UnitFileIoError.
   */
  async set(name: string, text: string | undefined): Promise<void> {
    if (text === undefined) return this.remove(name);
    const path = this.pathOf(name);
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      await mkdir(join(this.dir, `${name}.d`), { recursive: true, mode: 0o755 });
      await writeFile(tmp, text, { mode: 0o644 });
      await rename(tmp, path);
    } catch (cause) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw new UnitFileIoError(path, 'write', { cause });
    }
  }

  /** The drop-in's text; undefined when there is none. Throws InvalidUnitNameError, UnitFileIoError. */
  async read(name: string): Promise<string | undefined> {
    return readIfExists(this.pathOf(name));
  }

  /**
   * Deletes the drop-in, and its directory when nothing else is in it; a
   * missing one is fine and costs one unlink (every new unit's load asks
   * for this: `rm` with `force` took an lstat, the unlink and an rmdir).
   */
  private async remove(name: string): Promise<void> {
    const path = this.pathOf(name);
    try {
      try {
        await unlink(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      await rmdir(join(this.dir, `${name}.d`)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT' && err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      });
    } catch (cause) {
      throw new UnitFileIoError(path, 'remove', { cause });
    }
  }
}
