/** The etcd key prefix every fleet key lives below (fleet.conf `etcd_key_prefix`, fleetctl `--etcd-key-prefix`). */

/** fleet's default prefix. */
export const DEFAULT_KEY_PREFIX = '/fleet/';

/**
 * Normalizes a user-given prefix: it must be absolute; a trailing `/` is
 * added; empty, `.` and `..` segments are rejected so keys built from it are
 * unambiguous. Surrounding blanks are ignored.
 * @returns the prefix, always starting and ending with `/`.
 * @throws Error whose message says what is wrong (callers wrap it in their own typed error).
 */
export function normalizeKeyPrefix(raw: string): string {
  const v = raw.trim();
  if (!v.startsWith('/')) throw new Error(`must start with "/", got ${JSON.stringify(raw)}`);
  const p = v.endsWith('/') ? v : `${v}/`;
  if (p.length > 1) {
    for (const s of p.slice(1, -1).split('/')) {
      if (s === '' || s === '.' || s === '..') throw new Error(`must not contain empty, "." or ".." segments: ${JSON.stringify(raw)}`);
    }
  }
  return p;
}
