import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * This fleetd installation's id for the current boot: read from
 * `<dir>/instance`, created with a random id when missing. `dir` is fleet's
 * runtime directory (a tmpfs such as /run/fleet), so the id survives fleetd
 * restarts, which may then take over their own registration at once, and
 * changes on reboot. Another host reusing the machine id has another
 * instance id, which is how duplicates are told apart from restarts.
 * @throws when the directory cannot be created or the file written.
 */
export function instanceId(dir: string): string {
  const path = join(dir, 'instance');
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (/^[0-9a-f-]{36}$/.test(existing)) return existing;
  } catch {
    // missing: create below
  }
  const id = randomUUID();
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeFileSync(path, `${id}\n`, { mode: 0o644 });
  return id;
}
