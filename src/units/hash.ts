/**
 * Unit content hash as fleet computes it: SHA-1 of the canonical text. Two
 * units are "the same" exactly when their hashes are equal; the registry
 * stores unit bodies under the hash.
 */
import { createHash } from 'node:crypto';
import { canonicalOrder, type UnitOption } from './options.js';
import { serializeUnit } from './serialize.js';

/** Returns the 40-character lowercase hex SHA-1 of `canonicalText` (UTF-8). Never throws. */
export function hashUnitText(canonicalText: string): string {
  return createHash('sha1').update(canonicalText, 'utf8').digest('hex');
}

/** Returns the 7-character short form shown by `list-unit-files` (first 7 hex chars). */
export function shortHash(hash: string): string {
  return hash.slice(0, 7);
}

/** True when `s` looks like a full hash (40 lowercase hex characters). */
export function isUnitHash(s: string): boolean {
  return /^[0-9a-f]{40}$/.test(s);
}

/**
 * The hash `options` are stored under (SHA-1 of their canonical text),
 * without validating them, so a stored unit can be compared with a new body
 * without being judged again. Never throws.
 */
export function optionsHash(options: readonly UnitOption[]): string {
  return hashUnitText(serializeUnit(canonicalOrder(options)));
}
