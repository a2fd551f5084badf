const UNIT_PATH_PREFIX = '/org/freedesktop/systemd1/unit/';

/**
 * The D-Bus object path systemd uses for a unit (sd_bus_path_encode):
 * ASCII letters, and digits except in first position, are kept; every other
 * byte becomes `_xx` (lower-case hex); the empty name is `_`.
 */
export function unitObjectPath(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length === 0) return `${UNIT_PATH_PREFIX}_`;
  let out = '';
  bytes.forEach((b, i) => {
    const letter = (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
    const digit = b >= 0x30 && b <= 0x39;
    out += letter || (digit && i > 0) ? String.fromCharCode(b) : `_${b.toString(16).padStart(2, '0')}`;
  });
  return UNIT_PATH_PREFIX + out;
}

/**
 * Inverse of {@link unitObjectPath}: the unit name for a unit object path;
 * undefined when the path is not a unit path (e.g. a job or the manager).
 */
export function unitNameFromPath(path: string): string | undefined {
  if (!path.startsWith(UNIT_PATH_PREFIX)) return undefined;
  const label = path.slice(UNIT_PATH_PREFIX.length);
  if (label === '' || label.includes('/')) return undefined;
  if (label === '_') return '';
  const bytes: number[] = [];
  for (let i = 0; i < label.length; i++) {
    if (label[i] === '_' && /^[0-9a-f]{2}$/.test(label.slice(i + 1, i + 3))) {
      bytes.push(parseInt(label.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(label.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
