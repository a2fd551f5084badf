import { Variant } from '@jellybrick/dbus-next';

/**
 * A D-Bus value made JSON-safe: Variants unwrapped, 64-bit integers (which
 * the library returns as BigInt) turned into numbers when they fit in 2^53
 * and into decimal strings otherwise, arrays and plain objects converted
 * recursively. Buffers (`ay`) are left as they are, and so is an array
 * with nothing to convert (see {@link plainArray}).
 */
export function plain(value: unknown): unknown {
  if (value instanceof Variant) return plain(value.value);
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (Array.isArray(value)) return plainArray(value);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

/**
 * `values` with each element made {@link plain}: a copy from the first
 * element that changes, `values` itself when none does. Replies are mostly
 * strings and numbers already (a `ListUnitsByNames` row is ten of them), and
 * copying every row was one more array per unit on each resync.
 */
function plainArray(values: readonly unknown[]): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const p = plain(v);
    if (out === undefined && p !== v) out = values.slice(0, i);
    out?.push(p);
  }
  return out ?? values;
}
