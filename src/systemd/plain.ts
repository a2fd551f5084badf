import { Variant } from '@jellybrick/dbus-next';

/**
 * A D-Bus value made JSON-safe: Variants unwrapped, 64-bit integers (which
 * the library returns as BigInt) turned into numbers when they fit in 2^53
 * and into decimal strings otherwise, arrays and plain objects converted
 * recursively. Buffers (`ay`) are left as they are.
 */
export function plain(value: unknown): unknown {
  if (value instanceof Variant) return plain(value.value);
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}
