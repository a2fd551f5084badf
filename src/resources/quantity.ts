/**
 * Resource quantities: one parser and one formatter for every place an
 * amount of a resource is written (`[X-Fleet] Resources=`, fleet.conf
 * `resources=`/`reserved=`, the policy's best-effort default) or shown
 * (list-machines, explanations).
 *
 * Units: `cpu` in cores (also millicores, `500m`); `memory` and `disk` in
 * bytes, with systemd's 1024-based suffixes K M G T; any other lower-case
 * name is a countable resource (`gpu=2`). Cores and counts are kept to a
 * thousandth (1m), bytes to the byte, so sums are exact in {@link toFixedUnits}.
 */

/** Resources whose amounts are bytes. */
const BYTE_RESOURCES: ReadonlySet<string> = new Set(['memory', 'disk']);

const SIZE_SUFFIXES: Readonly<Record<string, number>> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
const NAME = /^[a-z][a-z0-9_.-]{0,62}$/;
const DECIMAL = /^(\d+(?:\.\d*)?|\.\d+)$/;

/** True when `name` may name a resource: lower-case letter first, then `a-z 0-9 _ . -`, at most 63 characters. */
export function isResourceName(name: string): boolean {
  return NAME.test(name);
}

/** True for resources measured in bytes (`memory`, `disk`). */
export function isByteResource(name: string): boolean {
  return BYTE_RESOURCES.has(name);
}

/** Why `name` is not a resource name, or undefined when it is one. */
export function resourceNameProblem(name: string): string | undefined {
  if (name === '') return 'resource name is empty';
  return isResourceName(name) ? undefined : `resource name ${JSON.stringify(name)} must be lower-case: a-z first, then a-z 0-9 _ . - (at most 63 characters)`;
}

/** A parsed quantity, or why `text` is not one. */
export type QuantityResult = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: string };

/**
 * Parses the amount of resource `name` written as `text`: a non-negative
 * decimal; for `cpu` optionally with an `m` (millicores) suffix; for
 * `memory`/`disk` optionally with K, M, G or T (1024-based, fractions of a
 * byte dropped). Precision finer than a thousandth of a core or unit is an
 * error. Never throws.
 */
export function parseQuantity(name: string, text: string): QuantityResult {
  const v = text.trim();
  const fail = (expected: string): QuantityResult => ({ ok: false, reason: `${name} value ${JSON.stringify(text)} is not ${expected}` });
  if (isByteResource(name)) {
    const m = /^([0-9.]+)([A-Za-z]*)$/.exec(v);
    const suffix = m?.[2] ?? '';
    const factor = SIZE_SUFFIXES[suffix];
    if (m === null || !DECIMAL.test(m[1]!) || factor === undefined) {
      return fail('a size (a non-negative number of bytes with an optional K, M, G or T suffix, 1024-based, e.g. 256M)');
    }
    return { ok: true, value: Math.floor(Number(m[1]) * factor) };
  }
  const milli = name === 'cpu' && v.endsWith('m');
  const digits = milli ? v.slice(0, -1) : v;
  if (!DECIMAL.test(digits)) {
    return fail(name === 'cpu' ? 'a number of cores (e.g. 0.5, 2, or 500m)' : 'a non-negative number');
  }
  const value = milli ? Number(digits) / 1000 : Number(digits);
  if (Math.abs(value * 1000 - Math.round(value * 1000)) > 1e-6) {
    return { ok: false, reason: `${name} value ${JSON.stringify(text)} is finer than a thousandth (${name === 'cpu' ? '1m' : '0.001'})` };
  }
  return { ok: true, value: Math.round(value * 1000) / 1000 };
}

/**
 * `value` of resource `name` in whole fixed units: bytes for memory and
 * disk, thousandths for everything else. Sums and comparisons in these units
 * are exact. Never throws.
 */
export function toFixedUnits(name: string, value: number): number {
  return isByteResource(name) ? Math.round(value) : Math.round(value * 1000);
}

/** Inverse of {@link toFixedUnits}. */
export function fromFixedUnits(name: string, units: number): number {
  return isByteResource(name) ? units : units / 1000;
}

/**
 * How operators read an amount: bytes as `2.0G` (1024-based, one decimal;
 * plain bytes below 1K), cores and counts with at most three decimals
 * (`1.5`, `4`, `0.125`).
 */
export function formatQuantity(name: string, value: number): string {
  if (!isByteResource(name)) return String(Math.round(value * 1000) / 1000);
  const suffixes = ['T', 'G', 'M', 'K'] as const;
  for (const s of suffixes) {
    const factor = SIZE_SUFFIXES[s]!;
    if (Math.abs(value) >= factor) return `${(value / factor).toFixed(1)}${s}`;
  }
  return String(Math.round(value));
}
