import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnitFileIoError } from './errors.js';
import { validateUnitName } from '../units/index.js';

/**
 * Fleet's runtime units directory on disk (thin shell over node:fs). Names
 * are checked with the one unit-name rule (validateUnitName, src/units) before any path is built.
 */
export class UnitFileStore {
  constructor(readonly dir: string) {}

  /** Absolute path of a unit's file. Throws InvalidUnitNameError (src/units). */
  pathOf(name: string): string {
    validateUnitName(name);
    return join(this.dir, name);
  }

  /** Creates the directory (mode 0755, as fleet). Throws UnitFileIoError. */
  async ensureDir(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o755 });
    } catch (cause) {
      throw new UnitFileIoError(this.dir, 'mkdir', { cause });
    }
  }

  /**
   * Writes `text` as the unit's file, mode 0644, so systemd never reads half
   * a file: a new file is created exclusively (nothing links to it yet), an
   * existing one is replaced via a dot-prefixed temp file and rename. New
   * files take one metadata operation instead of four (mkdir, create,
   * rename), which matters where the directory shares a journaling disk with
   * etcd's fsyncs (the sandbox): each can wait for a journal commit.
   * Returns the path. Throws InvalidUnitNameError, UnitFileIoError.
   */
  async write(name: string, text: string): Promise<string> {
    const path = this.pathOf(name);
    try {
      await this.createExclusive(path, text);
      return path;
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw new UnitFileIoError(path, 'write', { cause });
    }
    const tmp = join(this.dir, `.${name}.${process.pid}.tmp`);
    try {
      await writeFile(tmp, text, { mode: 0o644 });
      await rename(tmp, path);
    } catch (cause) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw new UnitFileIoError(path, 'write', { cause });
    }
    return path;
  }

  /** Creates `path` with `text` unless it exists (EEXIST); creates the directory when missing. */
  private async createExclusive(path: string, text: string): Promise<void> {
    try {
      await writeFile(path, text, { mode: 0o644, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await this.ensureDir();
      await writeFile(path, text, { mode: 0o644, flag: 'wx' });
    }
  }

  /** The unit's file contents; undefined when it does not exist. Throws InvalidUnitNameError, UnitFileIoError. */
  async read(name: string): Promise<string | undefined> {
    return readIfExists(this.pathOf(name));
  }

  /** Deletes the unit's file; a missing file is fine. Throws InvalidUnitNameError, UnitFileIoError. */
  async remove(name: string): Promise<void> {
    const path = this.pathOf(name);
    try {
      await unlink(path);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new UnitFileIoError(path, 'remove', { cause });
    }
  }

  /** Unit file names present (regular files, dot-files skipped), sorted; [] when the dir does not exist. */
  async list(): Promise<string[]> {
    try {
      const entries = await readdir(this.dir, { withFileTypes: true });
      return entries
        .filter((e) => e.isFile() && !e.name.startsWith('.'))
        .map((e) => e.name)
        .sort();
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new UnitFileIoError(this.dir, 'readdir', { cause });
    }
  }
}

/** The file's text; undefined when it does not exist. Throws UnitFileIoError. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UnitFileIoError(path, 'read', { cause });
  }
}
